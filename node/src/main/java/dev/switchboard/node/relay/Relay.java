package dev.switchboard.node.relay;

import java.net.InetAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * The relay as the signaling code sees it: sessions of two relay ports each, opened for a pair of
 * peers in a context, found, listed and closed. The signaling service talks to relays only through
 * this interface, so a relay can be the in-process UDP relay ({@code relay.udp.UdpRelay}), a
 * relay worker on another machine, or a fake in unit tests.
 *
 * <p>Thread-safe: every method may be called from any thread. {@link #open} never blocks its
 * caller: binding ports happens elsewhere, and the returned future completes when the session is
 * ready, on a thread of the relay's choosing that never forwards packets (a failure may complete
 * it on the thread that caused it); keep stages attached without an executor short (an SDP
 * rewrite is fine, blocking is not).
 */
public interface Relay extends AutoCloseable {

    /**
     * Opens a session between {@code opener} and {@code other}, or joins the open session for
     * {@code key}. A new session counts against the opener's per-peer limit only; when the other
     * peer later calls this for the same key (its answer arrived), the session counts against
     * that peer's limit too.
     *
     * @param key the session key; it must involve exactly these two peers
     * @param opener the peer opening or joining the session
     * @param other the other peer
     * @return a future that completes with the open session, or fails with a
     *     {@link RelayLimitException} naming the limit that was hit (total sessions, the opener's
     *     sessions, no free ports), or with {@link IllegalStateException} once the relay is closed
     * @throws IllegalArgumentException at once when the key does not name the two peers
     */
    default @NotNull CompletableFuture<RelaySession> open(final @NotNull SessionKey key, final @NotNull String opener,
                                                         final @NotNull String other) {
        return open(key, opener, null, other);
    }

    /**
     * {@link #open(SessionKey, String, String)}, counting the session against the opener's source
     * address too (a relay caps sessions per address, since identities are free and addresses are
     * not; a session nobody joins is closed after a short time).
     *
     * @param openerAddress the opener's source address, or {@code null} when unknown (not counted)
     * @return as for the three-argument form; a refusal may also name the address's limit
     */
    @NotNull CompletableFuture<RelaySession> open(@NotNull SessionKey key, @NotNull String opener,
                                                 @Nullable InetAddress openerAddress, @NotNull String other);

    /** @return the open session for {@code key}, or {@code null} */
    @Nullable RelaySession session(@NotNull SessionKey key);

    /** @return the open sessions {@code peerId} takes part in, in opening order */
    @NotNull List<RelaySession> sessionsOf(@NotNull String peerId);

    /** @return every open session, in opening order */
    @NotNull List<RelaySession> sessions();

    /**
     * Closes every session {@code peerId} takes part in (when it disconnects, for example).
     *
     * @return how many were closed
     */
    default int closeSessionsOf(final @NotNull String peerId) {
        final List<RelaySession> open = sessionsOf(peerId);
        open.forEach(RelaySession::close);
        return open.size();
    }

    /** @return the number of open sessions */
    default int sessionCount() {
        return sessions().size();
    }

    /** Closes every session and releases the relay's resources; idempotent. */
    @Override
    void close();
}
