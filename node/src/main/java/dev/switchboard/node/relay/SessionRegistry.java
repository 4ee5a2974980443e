package dev.switchboard.node.relay;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * Sessions by {@link SessionKey}, with the total and per-peer limits and idle bookkeeping.
 * Values in, values out; knows nothing of sockets.
 *
 * <p>Not thread-safe: the owner (the UDP relay) guards it with one lock.
 *
 * @param <S> the session type
 */
public final class SessionRegistry<S> {
    private final int maxSessions;
    private final int maxSessionsPerPeer;
    private final Map<SessionKey, S> sessions = new LinkedHashMap<>();
    private final Map<String, Integer> perPeer = new HashMap<>();

    /**
     * @param maxSessions total limit, at least 1
     * @param maxSessionsPerPeer limit per peer id, at least 1
     */
    public SessionRegistry(final int maxSessions, final int maxSessionsPerPeer) {
        if (maxSessions < 1 || maxSessionsPerPeer < 1) {
            throw new IllegalArgumentException("limits must be at least 1");
        }
        this.maxSessions = maxSessions;
        this.maxSessionsPerPeer = maxSessionsPerPeer;
    }

    /** @return the session for {@code key}, or {@code null} */
    public @Nullable S get(final @NotNull SessionKey key) {
        return sessions.get(key);
    }

    /**
     * Checks that a new session for {@code key} fits within the limits.
     *
     * @throws RelayLimitException naming the limit and, for the per-peer limit, the peer id
     */
    public void checkCapacity(final @NotNull SessionKey key) throws RelayLimitException {
        if (sessions.size() >= maxSessions) {
            throw new RelayLimitException(RelayLimitException.Reason.TOTAL_SESSIONS,
                    "relay is at its limit of " + maxSessions + " sessions");
        }
        for (final String peer : new String[] {key.lowPeer(), key.highPeer()}) {
            if (perPeer.getOrDefault(peer, 0) >= maxSessionsPerPeer) {
                throw new RelayLimitException(RelayLimitException.Reason.SESSIONS_PER_PEER,
                        "peer " + peer + " already has " + maxSessionsPerPeer + " relay sessions (the limit)");
            }
        }
    }

    /**
     * Registers a session; call {@link #checkCapacity} first.
     *
     * @throws IllegalStateException when the key is taken or a limit would be exceeded
     */
    public void put(final @NotNull SessionKey key, final @NotNull S session) {
        if (sessions.containsKey(key)) {
            throw new IllegalStateException("session already registered for " + key);
        }
        try {
            checkCapacity(key);
        } catch (RelayLimitException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        sessions.put(key, session);
        perPeer.merge(key.lowPeer(), 1, Integer::sum);
        perPeer.merge(key.highPeer(), 1, Integer::sum);
    }

    /**
     * Removes the entry for {@code key} if it maps to {@code session}.
     *
     * @return whether it was removed
     */
    public boolean remove(final @NotNull SessionKey key, final @NotNull S session) {
        if (!sessions.remove(key, session)) {
            return false;
        }
        for (final String peer : new String[] {key.lowPeer(), key.highPeer()}) {
            perPeer.computeIfPresent(peer, (p, n) -> n > 1 ? n - 1 : null);
        }
        return true;
    }

    /** @return the sessions {@code peerId} takes part in, in opening order */
    public @NotNull List<S> sessionsOf(final @NotNull String peerId) {
        final List<S> result = new ArrayList<>();
        sessions.forEach((k, s) -> {
            if (k.involves(peerId)) {
                result.add(s);
            }
        });
        return result;
    }

    /** @return all sessions, in opening order */
    public @NotNull List<S> all() {
        return new ArrayList<>(sessions.values());
    }

    /**
     * @param nowNanos the current monotonic time ({@link System#nanoTime()})
     * @param timeout idle timeout
     * @param lastActivityNanos a session's last activity on the same clock
     * @return the sessions idle for longer than {@code timeout}
     */
    public @NotNull List<S> idle(final long nowNanos, final @NotNull Duration timeout,
                                 final @NotNull ToLongFunction<S> lastActivityNanos) {
        final long limit = timeout.toNanos();
        final List<S> result = new ArrayList<>();
        for (final S s : sessions.values()) {
            if (nowNanos - lastActivityNanos.applyAsLong(s) > limit) {
                result.add(s);
            }
        }
        return result;
    }

    /** @return number of sessions */
    public int size() {
        return sessions.size();
    }

    /** @return number of sessions {@code peerId} takes part in */
    public int countOf(final @NotNull String peerId) {
        return perPeer.getOrDefault(peerId, 0);
    }
}
