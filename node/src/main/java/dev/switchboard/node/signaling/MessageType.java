package dev.switchboard.node.signaling;

import dev.switchboard.broker.topic.Topic;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The signaling message types of protocol version 1 and the kind of topic each may be published
 * to. The full field list of each type is in {@code docs/protocol.md} §5; the typed form of each
 * is a record of {@link Message}.
 */
public enum MessageType {
    /** Room presence: "I am here", with the sender's public key, a fresh nonce and a name. */
    JOIN(Placement.PRESENCE),
    /** Room presence: "I left". The broker also publishes it when a member disconnects. */
    LEAVE(Placement.PRESENCE),
    /** Inbox: the answer to a join, telling the newcomer about an existing member. */
    HELLO(Placement.INBOX),
    /** Inbox: an SDP offer, signed end to end. */
    OFFER(Placement.INBOX),
    /** Inbox: an SDP answer, signed end to end. */
    ANSWER(Placement.INBOX),
    /** Inbox: a trickled ICE candidate. */
    CANDIDATE(Placement.INBOX),
    /** Inbox: the sender ends the session. */
    HANGUP(Placement.INBOX, Placement.CALLEE),
    /** Inbox: an error report, from the node or from a peer. */
    ERROR(Placement.INBOX),
    /** Inbox: a call offer, "will you talk with me?" (the call vocabulary, {@code docs/protocol.md} §5.2). */
    CALL(Placement.INBOX, Placement.CALLEE),
    /** Inbox: the called side takes the call, choosing relayed or direct. */
    ACCEPT(Placement.INBOX),
    /** Inbox: the called side does not take the call, with a reason (busy, rejected, unavailable). */
    DECLINE(Placement.INBOX),
    /** Inbox: "what can you do?"; answered with {@link #CAPABILITIES}. */
    CAPABILITIES_QUERY(Placement.INBOX),
    /** Inbox: what the sender's page supports: VOICE, VIDEO, FILE. */
    CAPABILITIES(Placement.INBOX),
    /** Callee ring topic: registers a new callee pair ({@code docs/protocol.md} §5.3). */
    REGISTER(Placement.CALLEE),
    /** The node's inbox: "I would like a chat with this admin" (the lobby, {@code docs/lobby.md}). */
    LOBBY_REQUEST(Placement.INBOX),
    /** The node's inbox: the requester stops waiting. */
    LOBBY_CANCEL(Placement.INBOX);

    /**
     * The kinds of topic that carry the node's messages. Every topic of the grammar is mapped to
     * one of them, or to none, by {@link #of(Topic)}, which the compiler checks for completeness.
     */
    public enum Placement {
        /** {@code sb/v1/room/<roomId>/presence}: announcements to everyone in a room. */
        PRESENCE,
        /** {@code sb/v1/inbox/<peerId>}: messages addressed to one peer. */
        INBOX,
        /** {@code sb/v1/callee/<calleeId>}: a callee pair's registration and ring topic. */
        CALLEE;

        private static final Topic.Visitor<Placement> OF = new Topic.Visitor<>() {
            @Override
            public Placement nodeInfo() {
                return null; // published by the node only, never a client's message
            }

            @Override
            public Placement roomPresence(final @NotNull Topic.RoomPresence topic) {
                return PRESENCE;
            }

            @Override
            public Placement inbox(final @NotNull Topic.Inbox topic) {
                return INBOX;
            }

            @Override
            public Placement calleeRing(final @NotNull Topic.CalleeRing topic) {
                return CALLEE;
            }
        };

        /**
         * @param topic a parsed topic.
         * @return which messages belong on it, or {@code null} if the node maps no messages to it
         *     (the broker then refuses every publish there).
         */
        public static @Nullable Placement of(final @NotNull Topic topic) {
            return topic.accept(OF);
        }
    }

    private final Set<Placement> placements;

    MessageType(final Placement first, final Placement... more) {
        this.placements = Collections.unmodifiableSet(EnumSet.of(first, more));
    }

    /** @return the kinds of topic this type belongs on. */
    public @NotNull Set<Placement> placements() {
        return placements;
    }

    /**
     * @param placement a kind of topic, or {@code null} for a topic the node maps no messages to.
     * @return whether this type may be published there.
     */
    public boolean belongsOn(final @Nullable Placement placement) {
        return placement != null && placements.contains(placement);
    }

    /**
     * @return the name used in the JSON {@code type} field: the constant's name in lower case with
     *     {@code -} for {@code _}, e.g. {@code offer}, {@code capabilities-query}.
     */
    public @NotNull String wireName() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
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
