package dev.switchboard.broker.spi;

import org.jetbrains.annotations.NotNull;

/**
 * The broker's one window onto the node: every signaling message a client publishes passes through
 * {@link #inspect(SignalingMessage)} before the broker delivers it, and the node decides whether it
 * is forwarded as is, rewritten, silently consumed, or rejected with an error to the sender.
 *
 * <p>The broker module knows MQTT, topics and identities; it knows nothing of SDP or UDP. The node
 * implements this interface (its signaling service) and hands the implementation to
 * {@code EmbeddedBroker} when it builds the embedded extension, so the broker never depends on the
 * node.
 *
 * <p>Threading: called on the broker extension's executor, never on a Netty I/O thread. Calls for
 * messages of one client arrive in publish order but may run concurrently with calls for other
 * clients, so implementations must be thread-safe. An implementation should answer within the
 * broker's interception timeout (see {@code BrokerSettings}); a timed-out message is rejected
 * with error code {@code timeout}.
 */
public interface SignalingInterceptor {

    /**
     * Decides the fate of one signaling message.
     *
     * <p>Untrusted input must never escape as an exception: malformed payloads are answered with a
     * {@link Verdict.Reject} naming the bad value. If an implementation throws anyway, the broker
     * treats it as {@code Reject("internal", ...)}, logs it, and keeps serving.
     *
     * @param message the message as published, with the sender id verified at CONNECT.
     * @return the verdict, never {@code null}.
     */
    @NotNull Verdict inspect(@NotNull SignalingMessage message);

    /**
     * Tells the node that a client's connection ended (clean disconnect, connection loss or
     * takeover), so it can release what it holds for that client (relay sessions, for example).
     * Called on the extension executor; must not block.
     *
     * @param clientId the verified client id, equal to the peer id derived from its key.
     */
    default void onClientDisconnected(final @NotNull String clientId) {
    }

    /** An interceptor that forwards everything unchanged; for tests and tools. */
    @NotNull SignalingInterceptor FORWARD_ALL = message -> Verdict.forward();
}
