package dev.switchboard.node.relay;

import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToLongFunction;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * Sessions by {@link SessionKey}, with the total and per-peer limits and idle bookkeeping.
 * Values in, values out; knows nothing of sockets.
 *
 * <p>A session counts against the per-peer limit of a peer only once that peer took part in it:
 * the opener when it is {@link #put}, the other peer when it {@link #join}s (its answer arrives).
 * So nobody can use up someone else's quota by sending them offers they never answer. The same
 * holds per source address: a session counts against the address of each peer that took part, so
 * fresh keys from one address share one budget. A session nobody joined yet is
 * {@linkplain #halfOpen half-open}; its owner closes it after a short time.
 *
 * <p>Not thread-safe: the owner (the UDP relay) guards it with one lock.
 *
 * @param <S> the session type
 */
public final class SessionRegistry<S> {
    private final int maxSessions;
    private final int maxSessionsPerPeer;
    private final int maxSessionsPerAddress;
    /** For each session, the source addresses it counts against. */
    private final Map<SessionKey, Set<InetAddress>> addresses = new HashMap<>();
    private final Map<InetAddress, Integer> perAddress = new HashMap<>();
    private final Map<SessionKey, Long> openedNanos = new HashMap<>();
    private final Map<SessionKey, S> sessions = new LinkedHashMap<>();
    /** For each session, the peers it counts against (one or both of the key's peers). */
    private final Map<SessionKey, Set<String>> participants = new HashMap<>();
    private final Map<String, Integer> perPeer = new HashMap<>();

    /**
     * @param maxSessions total limit, at least 1
     * @param maxSessionsPerPeer limit per peer id, at least 1
     */
    public SessionRegistry(final int maxSessions, final int maxSessionsPerPeer) {
        this(maxSessions, maxSessionsPerPeer, Integer.MAX_VALUE);
    }

    /**
     * @param maxSessions total limit, at least 1
     * @param maxSessionsPerPeer limit per peer id, at least 1
     * @param maxSessionsPerAddress limit per source address, at least 1
     */
    public SessionRegistry(final int maxSessions, final int maxSessionsPerPeer, final int maxSessionsPerAddress) {
        if (maxSessions < 1 || maxSessionsPerPeer < 1 || maxSessionsPerAddress < 1) {
            throw new IllegalArgumentException("limits must be at least 1");
        }
        this.maxSessions = maxSessions;
        this.maxSessionsPerPeer = maxSessionsPerPeer;
        this.maxSessionsPerAddress = maxSessionsPerAddress;
    }

    /** @return the session for {@code key}, or {@code null} */
    public @Nullable S get(final @NotNull SessionKey key) {
        return sessions.get(key);
    }

    /**
     * Checks that {@code opener} may open a new session for {@code key}.
     *
     * @param key the session key
     * @param opener the peer opening it, one of the key's peers
     * @throws RelayLimitException naming the limit and, for the per-peer limit, the peer id
     */
    public void checkCapacity(final @NotNull SessionKey key, final @NotNull String opener)
            throws RelayLimitException {
        checkCapacity(key, opener, null);
    }

    /**
     * Checks that {@code opener}, from {@code address}, may open a new session for {@code key}.
     *
     * @param key the session key
     * @param opener the peer opening it, one of the key's peers
     * @param address the opener's source address, or null when unknown (not counted)
     * @throws RelayLimitException naming the limit: total, the peer's, or the address's
     */
    public void checkCapacity(final @NotNull SessionKey key, final @NotNull String opener,
                              final @Nullable InetAddress address) throws RelayLimitException {
        requirePeerOf(key, opener);
        if (sessions.size() >= maxSessions) {
            throw new RelayLimitException(RelayLimitException.Reason.TOTAL_SESSIONS,
                    "relay is at its limit of " + maxSessions + " sessions");
        }
        checkPeer(opener);
        checkAddress(address);
    }

    private void checkAddress(final @Nullable InetAddress address) throws RelayLimitException {
        if (address != null && perAddress.getOrDefault(address, 0) >= maxSessionsPerAddress) {
            throw new RelayLimitException(RelayLimitException.Reason.SESSIONS_PER_ADDRESS,
                    "your address already takes part in " + maxSessionsPerAddress + " relay sessions (the limit)");
        }
    }

    private void checkPeer(final String peer) throws RelayLimitException {
        if (perPeer.getOrDefault(peer, 0) >= maxSessionsPerPeer) {
            throw new RelayLimitException(RelayLimitException.Reason.SESSIONS_PER_PEER,
                    "peer " + peer + " already has " + maxSessionsPerPeer + " relay sessions (the limit)");
        }
    }

    /**
     * Registers a session opened by {@code opener}; call {@link #checkCapacity} first.
     *
     * @throws IllegalStateException when the key is taken or a limit would be exceeded
     */
    public void put(final @NotNull SessionKey key, final @NotNull String opener, final @NotNull S session) {
        put(key, opener, null, session, 0L);
    }

    /**
     * Registers a session opened by {@code opener} from {@code address} at {@code nowNanos}; call
     * {@link #checkCapacity(SessionKey, String, InetAddress)} first.
     *
     * @throws IllegalStateException when the key is taken or a limit would be exceeded
     */
    public void put(final @NotNull SessionKey key, final @NotNull String opener, final @Nullable InetAddress address,
                    final @NotNull S session, final long nowNanos) {
        if (sessions.containsKey(key)) {
            throw new IllegalStateException("session already registered for " + key);
        }
        try {
            checkCapacity(key, opener, address);
        } catch (RelayLimitException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
        sessions.put(key, session);
        final Set<String> counted = new HashSet<>(2);
        counted.add(opener);
        participants.put(key, counted);
        perPeer.merge(opener, 1, Integer::sum);
        final Set<InetAddress> from = new HashSet<>(2);
        if (address != null) {
            from.add(address);
            perAddress.merge(address, 1, Integer::sum);
        }
        addresses.put(key, from);
        openedNanos.put(key, nowNanos);
    }

    /**
     * The other peer takes part in an existing session (its answer arrived): from now on the
     * session counts against its limit too. Does nothing if it already counts.
     *
     * @param key an existing session's key
     * @param peer one of the key's peers
     * @throws RelayLimitException when {@code peer} is at its per-peer limit
     * @throws IllegalStateException when there is no session for {@code key}
     */
    public void join(final @NotNull SessionKey key, final @NotNull String peer) throws RelayLimitException {
        join(key, peer, null);
    }

    /**
     * {@link #join(SessionKey, String)}, counting the session against {@code address} too.
     *
     * @param address the joining peer's source address, or null when unknown
     * @throws RelayLimitException when {@code peer} or {@code address} is at its limit
     */
    public void join(final @NotNull SessionKey key, final @NotNull String peer, final @Nullable InetAddress address)
            throws RelayLimitException {
        requirePeerOf(key, peer);
        final Set<String> counted = participants.get(key);
        if (counted == null) {
            throw new IllegalStateException("no session registered for " + key);
        }
        if (counted.contains(peer)) {
            return;
        }
        final Set<InetAddress> from = addresses.get(key);
        final boolean newAddress = address != null && !from.contains(address);
        checkPeer(peer);
        if (newAddress) {
            checkAddress(address);
        }
        counted.add(peer);
        perPeer.merge(peer, 1, Integer::sum);
        if (newAddress) {
            from.add(address);
            perAddress.merge(address, 1, Integer::sum);
        }
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
        for (final String peer : participants.remove(key)) {
            perPeer.computeIfPresent(peer, (p, n) -> n > 1 ? n - 1 : null);
        }
        for (final InetAddress address : addresses.remove(key)) {
            perAddress.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
        }
        openedNanos.remove(key);
        return true;
    }

    private static void requirePeerOf(final SessionKey key, final String peer) {
        if (!key.involves(peer)) {
            throw new IllegalArgumentException("peer " + peer + " is not part of session " + key);
        }
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

    /**
     * @param nowNanos the current monotonic time, on the clock given to {@link #put}
     * @param timeout how long a session may wait for its second peer
     * @return the sessions that only their opener took part in for longer than {@code timeout}
     *     (an offer nobody answered)
     */
    public @NotNull List<S> halfOpen(final long nowNanos, final @NotNull Duration timeout) {
        final long limit = timeout.toNanos();
        final List<S> result = new ArrayList<>();
        sessions.forEach((k, s) -> {
            if (participants.get(k).size() < 2 && nowNanos - openedNanos.get(k) > limit) {
                result.add(s);
            }
        });
        return result;
    }

    /** @return every peer id that sessions count against, with how many (a snapshot) */
    public @NotNull Map<String, Integer> countsByPeer() {
        return Map.copyOf(perPeer);
    }

    /** @return every source address that sessions count against, with how many (a snapshot) */
    public @NotNull Map<InetAddress, Integer> countsByAddress() {
        return Map.copyOf(perAddress);
    }

    /** @return number of sessions counted against {@code address} */
    public int countOfAddress(final @NotNull InetAddress address) {
        return perAddress.getOrDefault(address, 0);
    }

    /** @return number of sessions */
    public int size() {
        return sessions.size();
    }

    /** @return number of sessions counted against {@code peerId}'s limit */
    public int countOf(final @NotNull String peerId) {
        return perPeer.getOrDefault(peerId, 0);
    }
}
