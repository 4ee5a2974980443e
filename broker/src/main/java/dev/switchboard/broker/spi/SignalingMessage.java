package dev.switchboard.broker.spi;

import dev.switchboard.broker.topic.Topic;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One signaling message as a client published it, after the broker authenticated the client and
 * authorized the topic.
 *
 * @param topic    the parsed topic it was published to, one the interceptor said it handles
 *                 ({@link SignalingInterceptor#handles(Topic)}); never {@link Topic.NodeInfo}
 *                 (only the node publishes there).
 * @param senderId the publishing client's peer id, verified at CONNECT (never taken from the
 *                 payload); for a federation link, the remote sender it vouches for.
 * @param payload  the raw payload bytes (UTF-8 JSON by protocol, but unchecked); the array is
 *                 owned by this record and must not be modified.
 * @param viaNode  the peer node whose federation link brought the message (the neighbour it came
 *                 from, not necessarily the node that serves the sender), or null for a message a
 *                 client published on this node's broker.
 * @param senderKey the SPKI DER bytes the sender proved at CONNECT (they hash to {@code senderId}),
 *                 when the sender is a client of this node's broker authenticated with
 *                 {@code sb-key-v1}; null otherwise (federation links, tools that built the message).
 *                 Lets the node add the {@code key} field a client left out of a {@code join} or
 *                 {@code hello} (docs/protocol.md §5). Owned by this record; must not be modified.
 */
public record SignalingMessage(
        @NotNull Topic topic,
        @NotNull String senderId,
        byte @NotNull [] payload,
        @Nullable String viaNode,
        byte @Nullable [] senderKey) {

    /**
     * A message without a known sender key (see the record).
     *
     * @param topic    see the record.
     * @param senderId see the record.
     * @param payload  see the record.
     * @param viaNode  see the record.
     */
    public SignalingMessage(final @NotNull Topic topic, final @NotNull String senderId, final byte @NotNull [] payload,
                            final @Nullable String viaNode) {
        this(topic, senderId, payload, viaNode, null);
    }

    /**
     * A message a client published on this node's broker (no federation link in between).
     *
     * @param topic    see the record.
     * @param senderId see the record.
     * @param payload  see the record.
     */
    public SignalingMessage(final @NotNull Topic topic, final @NotNull String senderId, final byte @NotNull [] payload) {
        this(topic, senderId, payload, null, null);
    }

    /** Validates that the required components are present. */
    public SignalingMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(senderId, "senderId");
        Objects.requireNonNull(payload, "payload");
    }

    /** @return the MQTT topic name, for example {@code sb/v1/inbox/<peerId>}. */
    public @NotNull String mqttTopic() {
        return topic.mqttTopic();
    }

    /** @return the payload decoded as UTF-8 (malformed sequences become U+FFFD). */
    public @NotNull String payloadUtf8() {
        return new String(payload, StandardCharsets.UTF_8);
    }
}
