package dev.switchboard.broker.extension;

import org.jetbrains.annotations.NotNull;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.PayloadFormatIndicator;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import com.hivemq.extension.sdk.api.services.publish.PublishService;
import dev.switchboard.broker.topic.Topics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes messages that originate in the broker or node (errors, leave notices, node info)
 * through HiveMQ's publish service, which bypasses client interceptors and authorizers.
 * Thread-safe; never blocks.
 */
public final class NodePublisher {

    /** The user property that names the verified sender of every delivered message. */
    public static final @NotNull String SENDER_PROPERTY = "sb-sender";
    /** The {@value #SENDER_PROPERTY} value of messages the node itself publishes. */
    public static final @NotNull String NODE_SENDER = "node";

    private static final Logger log = LoggerFactory.getLogger(NodePublisher.class);

    private final PublishService publishService;

    NodePublisher(final @NotNull PublishService publishService) {
        this.publishService = publishService;
    }

    /**
     * @param topic    the topic (the caller has validated it).
     * @param payload  the payload bytes (UTF-8 JSON by protocol).
     * @param retained whether the broker keeps it for later subscribers.
     * @param sender   the {@value #SENDER_PROPERTY} value to stamp.
     * @return completes when HiveMQ accepted the message for delivery.
     */
    public @NotNull CompletableFuture<Void> publish(final @NotNull String topic,
                                             final byte @NotNull [] payload,
                                             final boolean retained,
                                             final @NotNull String sender) {
        return publishService.publish(Builders.publish()
                .topic(topic)
                .qos(Qos.AT_LEAST_ONCE)
                .retain(retained)
                .payloadFormatIndicator(PayloadFormatIndicator.UTF_8)
                .payload(ByteBuffer.wrap(payload.clone()))
                .userProperty(SENDER_PROPERTY, sender)
                .build());
    }

    /**
     * Publishes a message a federation link brought from another node: stamped with the remote
     * sender the peer node vouched for, and with the bridge's user properties (origin node, hop
     * count), so that other nodes' links see where it came from.
     *
     * @param topic      the topic (the caller has validated it).
     * @param payload    the payload bytes.
     * @param sender     the verified remote sender id.
     * @param properties further user properties, in order.
     * @return completes when HiveMQ accepted the message for delivery.
     */
    public @NotNull CompletableFuture<Void> publishBridged(final @NotNull String topic, final byte @NotNull [] payload,
                                                    final @NotNull String sender,
                                                    final @NotNull java.util.Map<String, String> properties) {
        final com.hivemq.extension.sdk.api.services.builder.PublishBuilder builder = Builders.publish()
                .topic(topic)
                .qos(Qos.AT_LEAST_ONCE)
                .retain(false)
                .payloadFormatIndicator(PayloadFormatIndicator.UTF_8)
                .payload(ByteBuffer.wrap(payload.clone()))
                .userProperty(SENDER_PROPERTY, sender);
        properties.forEach(builder::userProperty);
        return publishService.publish(builder.build());
    }

    /** Sends an error message to {@code peerId}'s inbox, stamped {@code sb-sender=node}. */
    void sendError(final @NotNull String peerId, final @NotNull String code,
                   final @NotNull String message, final @NotNull String topic,
                   final byte @NotNull [] offendingPayload) {
        if (!Topics.isValidId(peerId)) {
            return;
        }
        publish(Topics.inbox(peerId), ErrorMessages.error(code, message, topic, offendingPayload),
                false, NODE_SENDER)
                .whenComplete((ok, e) -> {
                    if (e != null) {
                        log.debug("Could not send error {} to {}: {}", code, peerId, e.toString());
                    }
                });
    }
}
