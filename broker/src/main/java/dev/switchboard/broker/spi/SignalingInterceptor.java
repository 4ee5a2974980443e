package dev.switchboard.broker.spi;

import dev.switchboard.broker.topic.Topic;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Map;

import java.util.concurrent.CompletableFuture;

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
 * <p>Only topics the interceptor {@linkplain #handles(Topic) handles} reach it: the broker refuses
 * a publish to any other topic (including a trusted peer's topic outside the grammar) with PUBACK
 * 0x87 Not authorized and an error {@code forbidden-topic} in the sender's inbox, so no topic ever
 * passes unchecked.
 *
 * <p>Threading: {@link #inspect} is called on HiveMQ's extension task thread of the client, never
 * on a Netty I/O thread; a verdict that is decided at once (an already completed future) applies
 * on that thread, so the message passes through no other thread. Calls for one client are made
 * one at a time in publish order: the next message of that client is inspected only once the
 * previous call's future completed (or timed out); the broker keeps this order because HiveMQ
 * holds a client's later PUBLISH packets while an asynchronous interceptor output for it is
 * pending. Calls for different clients run concurrently, so implementations must be thread-safe.
 * The returned future should complete within the broker's interception timeout (see
 * {@code BrokerSettings}); a message whose future has not completed by then is rejected with error
 * code {@code timeout}. It may complete on any thread; the broker applies a verdict completed later
 * on the thread that completes the future: short work (the payload or the refusal set, then the
 * publish handed back to HiveMQ), but work all the same, so complete it on a thread that may do
 * some, not on a Netty event loop that forwards media.
 */
public interface SignalingInterceptor {

    /**
     * Decides the fate of one signaling message, without blocking the calling thread: work that
     * waits (opening relay ports, for example) completes the returned future later.
     *
     * <p>Untrusted input must never escape as an exception: malformed payloads are answered with a
     * {@link Verdict.Reject} naming the bad value. If an implementation throws anyway, returns
     * {@code null}, or its future fails or completes with {@code null}, the broker treats it as
     * {@code Reject("internal", ...)} (PUBACK 0x80), logs it, and keeps serving.
     *
     * @param message the message as published, with the sender id verified at CONNECT, on a topic
     *                for which {@link #handles(Topic)} returned {@code true}.
     * @return a future of the verdict.
     */
    @NotNull CompletableFuture<Verdict> inspect(@NotNull SignalingMessage message);

    /**
     * Whether this interceptor maps {@code topic} to messages it understands. The broker refuses
     * publishes to topics for which this returns {@code false}, before {@link #inspect} is called.
     *
     * <p>Called on a broker thread for every authorized publish: must be quick, must not block and
     * must not throw.
     *
     * @param topic a parsed topic of the grammar.
     * @return {@code true} if messages published to {@code topic} may be inspected by this
     *     interceptor.
     */
    boolean handles(@NotNull Topic topic);

    /**
     * Tells the node that a client's connection ended (clean disconnect, connection loss or
     * takeover), so it can release what it holds for that client (relay sessions, for example).
     * Called on the extension executor; must not block.
     *
     * @param clientId the verified client id, equal to the peer id derived from its key.
     */
    default void onClientDisconnected(final @NotNull String clientId) {
    }

    /**
     * Decides a subscription that the topic grammar allows but that needs proof the broker cannot
     * check itself: today a callee's ring topic ({@link Topic.CalleeRing}), which only a page that
     * holds the callee's secret may receive. Called after {@code TopicPolicy} allowed the filter,
     * for every topic this interceptor {@link #handles}, on the extension's executor, once per
     * subscription; it must not block (a hash and a lookup).
     *
     * @param clientId       the subscriber's verified peer id.
     * @param topic          the topic it subscribes to (an exact topic: wildcards were refused).
     * @param userProperties the SUBSCRIBE packet's MQTT 5 user properties, name to value (the
     *                       last value of a repeated name); untrusted.
     * @return {@code null} to allow, or the reason to refuse (SUBACK 0x87 with this reason string);
     *     the reason must not reveal whether the thing subscribed to exists. The default allows.
     */
    default @Nullable String checkSubscription(final @NotNull String clientId, final @NotNull Topic topic,
                                               final @NotNull Map<String, String> userProperties) {
        return null;
    }

    /**
     * Gives the node the broker's view of who is online, once, when the broker starts (before any
     * message is inspected). The default ignores it.
     *
     * @param presence the broker's live view; valid until the broker stops
     */
    default void attach(final @NotNull Presence presence) {
    }

    /**
     * An interceptor that handles the room presence and inbox topics and forwards everything on
     * them unchanged; for tests and tools.
     */
    @NotNull SignalingInterceptor FORWARD_ALL = new SignalingInterceptor() {
        @Override
        public @NotNull CompletableFuture<Verdict> inspect(final @NotNull SignalingMessage message) {
            return CompletableFuture.completedFuture(Verdict.forward());
        }

        @Override
        public boolean handles(final @NotNull Topic topic) {
            return topic instanceof Topic.RoomPresence || topic instanceof Topic.Inbox
                    || topic instanceof Topic.CalleeRing;
        }
    };
}
