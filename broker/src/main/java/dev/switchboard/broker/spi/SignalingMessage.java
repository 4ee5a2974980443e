package dev.switchboard.broker.spi;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One signaling message as a client published it, after the broker authenticated the client and
 * authorized the topic.
 *
 * @param topic       the MQTT topic it was published to, already validated against the topic
 *                    grammar (for example {@code sb/v1/inbox/<peerId>}).
 * @param kind        what the topic is for.
 * @param senderId    the publishing client's peer id, verified at CONNECT (never taken from the
 *                    payload).
 * @param recipientId for {@link TopicKind#INBOX}, the peer id whose inbox this is; otherwise
 *                    {@code null}.
 * @param roomId      for {@link TopicKind#ROOM_PRESENCE}, the room id; otherwise {@code null}.
 * @param payload     the raw payload bytes (UTF-8 JSON by protocol, but unchecked); the array is
 *                    owned by this record and must not be modified.
 */
public record SignalingMessage(
        @NotNull String topic,
        @NotNull TopicKind kind,
        @NotNull String senderId,
        @Nullable String recipientId,
        @Nullable String roomId,
        byte @NotNull [] payload) {

    /** Validates that the required components are present. */
    public SignalingMessage {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(senderId, "senderId");
        Objects.requireNonNull(payload, "payload");
    }

    /** @return the payload decoded as UTF-8 (malformed sequences become U+FFFD). */
    public @NotNull String payloadUtf8() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The kinds of topic that carry signaling messages through the interceptor. */
    public enum TopicKind {
        /** {@code sb/v1/room/<roomId>/presence}: announcements to everyone in a room. */
        ROOM_PRESENCE,
        /** {@code sb/v1/inbox/<peerId>}: messages addressed to one peer. */
        INBOX
    }
}
