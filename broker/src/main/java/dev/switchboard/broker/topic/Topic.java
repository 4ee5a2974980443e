package dev.switchboard.broker.topic;

import org.jetbrains.annotations.NotNull;

import java.util.Objects;

/**
 * A topic of the Switchboard v1 grammar, rooted at {@code sb/v1}.
 *
 * <pre>
 * topic     = node-info / presence / inbox / callee
 * node-info = "sb/v1/node/info"
 * presence  = "sb/v1/room/" id "/presence"
 * inbox     = "sb/v1/inbox/" id
 * callee    = "sb/v1/callee/" id                 ; a callee's ring topic, id = its public id
 * id        = 43 ( ALPHA / DIGIT / "-" / "_" )   ; base64url, no padding, of a SHA-256
 * </pre>
 *
 * Values are built only from validated ids; use {@link Topics#parse(String)} for untrusted input.
 *
 * <p>Code that treats every kind of topic implements {@link Visitor}: a kind added to the grammar
 * adds a method there, so every such place fails to compile until it decides what the new kind
 * means (the node's signaling service maps topics to its message types this way).
 */
public sealed interface Topic permits Topic.NodeInfo, Topic.RoomPresence, Topic.Inbox, Topic.CalleeRing {

    /** @return the MQTT topic name, for example {@code sb/v1/inbox/<peerId>}. */
    @NotNull String mqttTopic();

    /**
     * Calls the visitor's method for this kind of topic.
     *
     * @param visitor the visitor; its methods must not return {@code null} unless {@code R} allows
     *                it.
     * @param <R>     what the visitor returns.
     * @return what the visitor's method returned.
     */
    <R> R accept(@NotNull Visitor<R> visitor);

    /**
     * One method per kind of topic; see {@link Topic#accept(Visitor)}.
     *
     * @param <R> what the visitor returns.
     */
    interface Visitor<R> {
        /** @return the result for {@code sb/v1/node/info}. */
        R nodeInfo();

        /**
         * @param topic a room presence topic.
         * @return the result for it.
         */
        R roomPresence(@NotNull RoomPresence topic);

        /**
         * @param topic an inbox topic.
         * @return the result for it.
         */
        R inbox(@NotNull Inbox topic);

        /**
         * @param topic a callee's ring topic.
         * @return the result for it.
         */
        R calleeRing(@NotNull CalleeRing topic);
    }

    /** {@code sb/v1/node/info}: retained, published by the node only. */
    enum NodeInfo implements Topic {
        INSTANCE;

        @Override
        public @NotNull String mqttTopic() {
            return Topics.NODE_INFO;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor) {
            return visitor.nodeInfo();
        }
    }

    /**
     * {@code sb/v1/room/<roomId>/presence}.
     *
     * @param roomId the 43-character room id.
     * @throws IllegalArgumentException if {@code roomId} is not a valid id (a programmer error:
     *                                  parse untrusted input with {@link Topics#parse(String)}).
     */
    record RoomPresence(@NotNull String roomId) implements Topic {
        public RoomPresence {
            Topics.requireId(roomId, "roomId");
        }

        @Override
        public @NotNull String mqttTopic() {
            return Topics.ROOM_PREFIX + roomId + Topics.PRESENCE_SUFFIX;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor) {
            return visitor.roomPresence(this);
        }
    }

    /**
     * {@code sb/v1/inbox/<peerId>}.
     *
     * @param peerId the 43-character peer id of the inbox owner.
     * @throws IllegalArgumentException if {@code peerId} is not a valid id.
     */
    record Inbox(@NotNull String peerId) implements Topic {
        public Inbox {
            Topics.requireId(peerId, "peerId");
        }

        @Override
        public @NotNull String mqttTopic() {
            return Topics.INBOX_PREFIX + peerId;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor) {
            return visitor.inbox(this);
        }
    }

    /**
     * {@code sb/v1/callee/<calleeId>}: the ring topic of a personal callee registration. Callers
     * publish call offers here; only pages that proved the callee's secret may subscribe (the node
     * decides, {@code SignalingInterceptor#checkSubscription}).
     *
     * @param calleeId the callee's 43-character public id (the one in the caller URL).
     * @throws IllegalArgumentException if {@code calleeId} is not a valid id.
     */
    record CalleeRing(@NotNull String calleeId) implements Topic {
        public CalleeRing {
            Topics.requireId(calleeId, "calleeId");
        }

        @Override
        public @NotNull String mqttTopic() {
            return Topics.CALLEE_PREFIX + calleeId;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor) {
            return visitor.calleeRing(this);
        }
    }

    /**
     * The outcome of parsing an untrusted topic name: never an exception.
     */
    sealed interface ParseResult permits Valid, Invalid {
    }

    /** @param topic the parsed topic. */
    record Valid(@NotNull Topic topic) implements ParseResult {
        public Valid {
            Objects.requireNonNull(topic, "topic");
        }
    }

    /**
     * @param input  the rejected input, as given.
     * @param reason a human-readable explanation naming the offending part.
     */
    record Invalid(@NotNull String input, @NotNull String reason) implements ParseResult {
        public Invalid {
            Objects.requireNonNull(input, "input");
            Objects.requireNonNull(reason, "reason");
        }
    }
}
