package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.SignalingMessage.TopicKind;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Locale;

/**
 * The signaling message types of protocol version 1 and the kind of topic each may be published
 * to. The full field list of each type is in {@code docs/protocol.md}.
 */
public enum MessageType {
    /** Room presence: "I am here", with the sender's public key, a fresh nonce and a name. */
    JOIN(TopicKind.ROOM_PRESENCE),
    /** Room presence: "I left". The broker also publishes it when a member disconnects. */
    LEAVE(TopicKind.ROOM_PRESENCE),
    /** Inbox: the answer to a join, telling the newcomer about an existing member. */
    HELLO(TopicKind.INBOX),
    /** Inbox: an SDP offer, signed end to end. */
    OFFER(TopicKind.INBOX),
    /** Inbox: an SDP answer, signed end to end. */
    ANSWER(TopicKind.INBOX),
    /** Inbox: a trickled ICE candidate. */
    CANDIDATE(TopicKind.INBOX),
    /** Inbox: the sender ends the session. */
    HANGUP(TopicKind.INBOX),
    /** Inbox: an error report, from the node or from a peer. */
    ERROR(TopicKind.INBOX);

    private final TopicKind topicKind;

    MessageType(final TopicKind topicKind) {
        this.topicKind = topicKind;
    }

    /** @return the kind of topic this type belongs on. */
    public @NotNull TopicKind topicKind() {
        return topicKind;
    }

    /** @return the name used in the JSON {@code type} field, e.g. {@code offer}. */
    public @NotNull String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wireName the JSON {@code type} value.
     * @return the type, or {@code null} if unknown.
     */
    public static @Nullable MessageType fromWireName(final @NotNull String wireName) {
        for (final MessageType t : values()) {
            if (t.wireName().equals(wireName)) {
                return t;
            }
        }
        return null;
    }
}
