package dev.switchboard.broker.extension;

import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.services.Services;
import dev.switchboard.broker.guard.PublishLimits;
import dev.switchboard.broker.guard.PublishRateLimiter;
import dev.switchboard.broker.guard.RefusalReason;
import dev.switchboard.broker.guard.Refusals;
import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.ModifiablePublishPacket;
import dev.switchboard.broker.BrokerSettings;
import dev.switchboard.broker.CompatListener;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import dev.switchboard.broker.topic.FlatTopics;
import dev.switchboard.broker.PeerRole;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.TopicPolicy;
import dev.switchboard.broker.topic.Topics;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Enforces the publish rules and hands every allowed signaling message to the node's
 * {@link SignalingInterceptor}. One shared instance, registered for every client.
 *
 * <p>For each client PUBLISH:
 * <ol>
 *   <li>The client's publish budget ({@link PublishLimits}, {@link PublishRateLimiter}): a message
 *       over it is refused with PUBACK 0x97 Quota exceeded and (at most once a second) an error
 *       {@code rate-limited} to the sender's inbox; a client that keeps publishing over it is
 *       disconnected with 0x96 Message rate too high. Both are counted in {@link Refusals}.</li>
 *   <li>{@link TopicPolicy#checkPublish}: a topic outside the grammar, {@code sb/v1/node/info},
 *       or a retained publish is refused with PUBACK 0x87 Not authorized (QoS 1) and an error
 *       {@code forbidden-topic} to the sender's inbox; the client stays connected.</li>
 *   <li>A topic the node does not map ({@link SignalingInterceptor#handles} is false, or a trusted
 *       peer's topic under {@code sb/v1/} that is not in the grammar at all) is refused the same
 *       way: nothing passes without the node's interceptor.</li>
 *   <li>Every client-supplied user property is removed (the protocol defines none a client may
 *       set, so look-alikes of {@code sb-sender} never reach anyone) and {@code sb-sender} =
 *       the verified client id is set (a {@link PeerRole#FEDERATION} link may vouch for a
 *       remote sender with a valid peer id).</li>
 *   <li>The node's interceptor runs on the thread HiveMQ calls this interceptor on (its extension
 *       task thread for the client; {@link SignalingInterceptor#inspect} never blocks). A verdict
 *       decided at once applies there; a pending one (an offer or answer waiting for its relay
 *       session) makes the output async ({@code out.async}) and applies on the thread that
 *       completes its future (the relay's control thread, or the timer's on a timeout): short
 *       work, setting the payload or the reason, then {@code resume()}. Either way HiveMQ holds
 *       the client's later publishes until the verdict applied, so one client's messages are
 *       inspected and delivered in publish order.
 *       The {@link Verdict}
 *       applies: forward; rewrite the payload; drop (PUBACK 0x00, nothing delivered, nobody told);
 *       reject (PUBACK 0x83 Implementation specific error with reason string
 *       {@code code: message}, and an error message to the sender's inbox). A throwing or failing
 *       interceptor rejects with {@code internal} (PUBACK 0x80 Unspecified error); one slower than
 *       {@link BrokerSettings#interceptTimeout()} rejects with {@code timeout} (0x83). No thread
 *       waits for the node meanwhile.</li>
 * </ol>
 */
final class SignalingPublishInterceptor implements PublishInboundInterceptor {

    private static final Logger log = LoggerFactory.getLogger(SignalingPublishInterceptor.class);
    /** Extra time HiveMQ waits beyond our own timeout before its fallback applies. */
    private static final Duration ASYNC_GRACE = Duration.ofSeconds(2);

    private final BrokerSettings settings;
    private final ConnectionRegistry registry;
    private final NodePublisher publisher;
    private final Refusals refusals;

    SignalingPublishInterceptor(final @NotNull BrokerSettings settings,
                                final @NotNull ConnectionRegistry registry,
                                final @NotNull NodePublisher publisher,
                                final @NotNull Refusals refusals) {
        this.settings = settings;
        this.registry = registry;
        this.publisher = publisher;
        this.refusals = refusals;
    }

    @Override
    public void onInboundPublish(final @NotNull PublishInboundInput input,
                                 final @NotNull PublishInboundOutput out) {
        final ConnectionState state = registry.get(input);
        final ModifiablePublishPacket packet = out.getPublishPacket();
        final String topic = packet.getTopic();
        if (state == null) {
            out.preventPublishDelivery(AckReasonCode.NOT_AUTHORIZED, "not authenticated");
            return;
        }
        if (state.compat()) {
            compatPublish(state, packet, out);
            return;
        }
        final String clientId = state.clientId();
        if (overBudget(state, packet.getPayload().map(java.nio.Buffer::remaining).orElse(0), topic, out)) {
            return;
        }
        final byte[] payload = packet.getPayload().map(Buffers::copyOf).orElse(new byte[0]);
        final TopicPolicy.Decision decision = TopicPolicy.checkPublish(
                clientId, state.role() != null, topic, packet.getRetain());
        final String sender = senderOf(state, packet);
        final SignalingInterceptor interceptor = settings.interceptor();
        final String refusal = refusal(decision, interceptor, topic);
        if (refusal != null) {
            log.debug("Publish of {} to {} refused: {}", clientId, topic, refusal);
            refusals.refuse(RefusalReason.FORBIDDEN_TOPIC, clientId, state.address(), "publish to " + Topics.shorten(topic));
            out.preventPublishDelivery(AckReasonCode.NOT_AUTHORIZED, refusal);
            publisher.sendError(sender, "forbidden-topic", refusal, topic, payload);
            return;
        }
        // The protocol defines no user property a client may set: strip them all (look-alikes of
        // sb-sender such as "SB-Sender" or "sb-sender " included), then stamp the verified sender.
        packet.getUserProperties().clear();
        packet.getUserProperties().addUserProperty(NodePublisher.SENDER_PROPERTY, sender);
        // The key the sender proved at CONNECT, when the sender is this connection's own client (a
        // federation link vouches for senders whose keys this node never saw).
        final byte[] senderKey = sender.equals(clientId) ? state.key() : null;
        inspect(interceptor, new SignalingMessage(decision.topic(), sender, payload, null, senderKey), out);
    }

    /**
     * A publish of an anonymous client of the compatibility listener (docs/protocol.md §12): its
     * own budget and its address's, then a flat topic, no RETAIN, QoS 0 or 1, at most
     * {@link CompatListener#maxMessageBytes()} bytes. Refused publishes get a PUBACK reason code
     * at QoS 1 (0x97 for the budget, 0x87 for the rest) and are dropped at QoS 0; there is no
     * inbox to send an error to. A client that keeps publishing over its own budget is
     * disconnected (0x96). Allowed ones are delivered as they are, to flat-topic subscribers only,
     * without the node's signaling interceptor: they are not Switchboard messages.
     */
    private void compatPublish(final ConnectionState state, final ModifiablePublishPacket packet,
                               final PublishInboundOutput out) {
        final CompatListener compat = settings.compat();
        final String clientId = state.clientId();
        final int bytes = packet.getPayload().map(java.nio.Buffer::remaining).orElse(0);
        final long now = System.nanoTime();
        final PublishRateLimiter.Decision own = state.publishLimiter().check(now, bytes);
        final PublishRateLimiter addressLimiter = state.addressLimiter();
        if (own == PublishRateLimiter.Decision.DISCONNECT) {
            refusals.refuse(RefusalReason.RATE_DISCONNECTED, clientId, state.address(), "compatibility client over its budget");
            out.preventPublishDelivery(AckReasonCode.QUOTA_EXCEEDED, "rate-limited");
            Services.clientService().disconnectClient(clientId, false,
                    DisconnectReasonCode.MESSAGE_RATE_TOO_HIGH, "message rate too high");
            return;
        }
        if (own != PublishRateLimiter.Decision.ALLOW
                || addressLimiter != null && addressLimiter.check(now, bytes) != PublishRateLimiter.Decision.ALLOW) {
            refusals.refuse(RefusalReason.RATE_LIMITED, clientId, state.address(),
                    own != PublishRateLimiter.Decision.ALLOW ? "compatibility client over its budget"
                            : "compatibility clients of one address over their budget");
            out.preventPublishDelivery(AckReasonCode.QUOTA_EXCEEDED, "rate-limited");
            return;
        }
        String why = FlatTopics.whyNotFlat(packet.getTopic());
        if (why == null && packet.getRetain()) {
            why = "retained messages are not kept here";
        } else if (why == null && packet.getQos() == Qos.EXACTLY_ONCE) {
            why = "QoS 2 is not served here: use QoS 0 or 1";
        } else if (why == null && compat != null && bytes > compat.maxMessageBytes()) {
            why = "message of " + bytes + " bytes is over " + compat.maxMessageBytes();
        }
        if (why != null) {
            log.debug("Compatibility publish of {} refused: {}", clientId, why);
            refusals.refuse(RefusalReason.FORBIDDEN_TOPIC, clientId, state.address(), "compatibility publish: " + why);
            out.preventPublishDelivery(AckReasonCode.NOT_AUTHORIZED, why);
        }
    }

    /**
     * Takes the message from the client's publish budget; when it does not fit, refuses it (and
     * disconnects a client that keeps going).
     *
     * @return whether the message was refused
     */
    private boolean overBudget(final ConnectionState state, final int payloadBytes, final String topic,
                               final PublishInboundOutput out) {
        final long now = System.nanoTime();
        final PublishRateLimiter.Decision decision = state.publishLimiter().check(now, payloadBytes);
        if (decision == PublishRateLimiter.Decision.ALLOW) {
            return false;
        }
        final PublishLimits limits = settings.publishLimits();
        final String clientId = state.clientId();
        out.preventPublishDelivery(AckReasonCode.QUOTA_EXCEEDED, "rate-limited");
        if (decision == PublishRateLimiter.Decision.DISCONNECT) {
            refusals.refuse(RefusalReason.RATE_DISCONNECTED, clientId, state.address(),
                    "kept publishing over " + limits.messagesPerSecond() + " messages/s or "
                            + limits.bytesPerSecond() + " bytes/s");
            Services.clientService().disconnectClient(clientId, false,
                    DisconnectReasonCode.MESSAGE_RATE_TOO_HIGH, "message rate too high");
            return true;
        }
        refusals.refuse(RefusalReason.RATE_LIMITED, clientId, state.address(),
                "over " + limits.messagesPerSecond() + " messages/s or " + limits.bytesPerSecond() + " bytes/s");
        if (state.publishLimiter().shouldTell(now)) {
            publisher.sendError(clientId, "rate-limited", "you publish faster than this node allows ("
                    + limits.messagesPerSecond() + " messages/s, " + limits.bytesPerSecond()
                    + " bytes/s sustained); this message was not delivered", topic, new byte[0]);
        }
        return true;
    }

    /** @return why the publish is refused with {@code forbidden-topic}, or null if it may pass. */
    private static @Nullable String refusal(final TopicPolicy.Decision decision,
                                            final SignalingInterceptor interceptor,
                                            final String topic) {
        if (!decision.allowed()) {
            return String.valueOf(decision.reason());
        }
        // A topic the node has no handler for never passes unchecked, not even a trusted peer's.
        if (decision.topic() == null || !interceptor.handles(decision.topic())) {
            return "no handler on this node for topic " + Topics.shorten(topic);
        }
        return null;
    }

    /**
     * Runs the node's interceptor on this thread (HiveMQ's extension task thread for the client).
     * A verdict that is decided at once (every message but an offer or answer waiting for its relay
     * session) applies here, without handing the message to another thread; a pending one makes the
     * output async and applies when it completes, or rejects with {@code timeout} after
     * {@link BrokerSettings#interceptTimeout()}.
     */
    private void inspect(final SignalingInterceptor interceptor, final SignalingMessage message,
                         final PublishInboundOutput out) {
        final CompletableFuture<Verdict> pending;
        try {
            pending = interceptor.inspect(message);
        } catch (final RuntimeException e) {
            applyQuietly(message, null, e, out);
            return;
        }
        if (pending == null) {
            applyQuietly(message, null, new NullPointerException("inspect returned no future"), out);
            return;
        }
        if (pending.isDone()) {
            Verdict verdict = null;
            Throwable error = null;
            try {
                verdict = pending.getNow(null);
            } catch (final CompletionException | java.util.concurrent.CancellationException e) {
                error = e;
            }
            applyQuietly(message, verdict, error, out);
            return;
        }
        inspectAsync(pending, message, out);
    }

    /** The verdict is still pending: HiveMQ holds the client's later publishes until it applies. */
    private void inspectAsync(final CompletableFuture<Verdict> pending, final SignalingMessage message,
                              final PublishInboundOutput out) {
        final Duration timeout = settings.interceptTimeout();
        final Async<PublishInboundOutput> async = out.async(timeout.plus(ASYNC_GRACE),
                TimeoutFallback.FAILURE, AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, "timeout");
        // A copy: the node's own future is not completed by our timeout. The verdict applies on the
        // thread that completes it (resume only hands the publish back to HiveMQ's extension task
        // thread), so no third thread wakes in between.
        pending.copy()
                .orTimeout(timeout.toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((verdict, error) -> {
                    try {
                        applyQuietly(message, verdict, error, out);
                    } finally {
                        async.resume();
                    }
                });
    }

    private void applyQuietly(final SignalingMessage message, final @Nullable Verdict verdict,
                              final @Nullable Throwable error, final PublishInboundOutput out) {
        try {
            apply(message, verdict, error, out);
        } catch (final RuntimeException e) {
            log.warn("Could not apply verdict for {} on {}", message.senderId(), message.mqttTopic(), e);
        }
    }

    private void apply(final SignalingMessage message, final Verdict verdict,
                       final Throwable error, final PublishInboundOutput out) {
        if (error != null) {
            final Throwable cause = error instanceof CompletionException && error.getCause() != null
                    ? error.getCause() : error;
            if (cause instanceof TimeoutException) {
                log.warn("Signaling interceptor timed out after {} on a message from {} to {}",
                        settings.interceptTimeout(), message.senderId(), message.mqttTopic());
                reject(message, new Verdict.Reject("timeout",
                        "the node did not answer within " + settings.interceptTimeout().toMillis()
                                + " ms"), AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, out);
            } else {
                log.warn("Signaling interceptor failed on a message from {} to {}",
                        message.senderId(), message.mqttTopic(), cause);
                reject(message, new Verdict.Reject("internal", "the node failed to process it"),
                        AckReasonCode.UNSPECIFIED_ERROR, out);
            }
            return;
        }
        if (verdict == null) {
            log.warn("Signaling interceptor returned null for a message from {} to {}",
                    message.senderId(), message.mqttTopic());
            reject(message, new Verdict.Reject("internal", "the node failed to process it"),
                    AckReasonCode.UNSPECIFIED_ERROR, out);
        } else if (verdict instanceof Verdict.Rewrite rewrite) {
            // HiveMQ copies the bytes when it builds the PUBLISH it delivers; the node hands the array
            // over with the verdict (Verdict.Rewrite) and never touches it again.
            out.getPublishPacket().setPayload(ByteBuffer.wrap(rewrite.payload()));
        } else if (verdict instanceof Verdict.Drop) {
            out.preventPublishDelivery();
        } else if (verdict instanceof Verdict.Reject r) {
            reject(message, r, AckReasonCode.IMPLEMENTATION_SPECIFIC_ERROR, out);
        }
        // Verdict.Forward: deliver unchanged
    }

    private void reject(final SignalingMessage message, final Verdict.Reject reject,
                        final AckReasonCode code, final PublishInboundOutput out) {
        out.preventPublishDelivery(code, reject.code() + ": " + reject.message());
        // Logged by code only: the message may quote the payload, which the log never holds.
        refusals.refuse(RefusalReason.ofSignalingCode(reject.code()), message.senderId(),
                registry.addressOf(message.senderId()), "signaling rule: " + reject.code());
        publisher.sendError(message.senderId(), reject.code(), reject.message(), message.mqttTopic(),
                message.payload());
    }

    /**
     * The verified sender: the client id; for a federation link a valid peer id it supplies in
     * {@code sb-sender} (the remote sender it vouches for).
     */
    private static String senderOf(final ConnectionState state,
                                   final ModifiablePublishPacket packet) {
        if (state.role() == PeerRole.FEDERATION) {
            final List<String> claimed = packet.getUserProperties()
                    .getAllForName(NodePublisher.SENDER_PROPERTY);
            if (claimed.size() == 1 && Topics.isValidId(claimed.get(0))) {
                return claimed.get(0);
            }
        }
        return state.clientId();
    }

}
