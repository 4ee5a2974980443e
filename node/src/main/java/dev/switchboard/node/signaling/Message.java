package dev.switchboard.node.signaling;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Objects;
import java.util.Set;

/**
 * One signaling message of protocol version 1, parsed once and checked ({@link MessageValidator}):
 * one immutable record per {@link MessageType}, with the fields {@code docs/protocol.md} §5 gives
 * (unknown fields are not kept here; see {@link Envelope#json()}) and the address the topic gave
 * it: the room of a presence message, the recipient of an inbox message.
 *
 * <p>Code that handles messages implements {@link Visitor}, which has one method per type: a type
 * added here adds a method there, so every dispatch fails to compile until it handles the new
 * type. There is no default branch anywhere.
 */
public sealed interface Message permits Message.Join, Message.Leave, Message.Hello,
        Message.SessionDescription, Message.Candidate, Message.Hangup, Message.ErrorReport,
        Message.Call, Message.Accept, Message.Decline, Message.CapabilitiesQuery, Message.Capabilities,
        Message.Register, Message.LobbyRequest, Message.LobbyCancel {

    /** @return the type, as in the JSON {@code type} field. */
    @NotNull MessageType type();

    /**
     * Calls the visitor's method for this type.
     *
     * @param visitor  the handler.
     * @param envelope who sent this message, and the message as received.
     * @param <R>      what the visitor returns.
     * @return what the visitor returned.
     */
    <R> R accept(@NotNull Visitor<R> visitor, @NotNull Envelope envelope);

    /**
     * One method per message type; see {@link Message#accept}.
     *
     * @param <R> what the visitor returns.
     */
    interface Visitor<R> {
        R join(@NotNull Envelope envelope, @NotNull Join join);

        R leave(@NotNull Envelope envelope, @NotNull Leave leave);

        R hello(@NotNull Envelope envelope, @NotNull Hello hello);

        R offer(@NotNull Envelope envelope, @NotNull Offer offer);

        R answer(@NotNull Envelope envelope, @NotNull Answer answer);

        R candidate(@NotNull Envelope envelope, @NotNull Candidate candidate);

        R hangup(@NotNull Envelope envelope, @NotNull Hangup hangup);

        R error(@NotNull Envelope envelope, @NotNull ErrorReport error);

        R call(@NotNull Envelope envelope, @NotNull Call call);

        R accept(@NotNull Envelope envelope, @NotNull Accept accept);

        R decline(@NotNull Envelope envelope, @NotNull Decline decline);

        R capabilitiesQuery(@NotNull Envelope envelope, @NotNull CapabilitiesQuery query);

        R capabilities(@NotNull Envelope envelope, @NotNull Capabilities capabilities);

        R register(@NotNull Envelope envelope, @NotNull Register register);

        R lobbyRequest(@NotNull Envelope envelope, @NotNull LobbyRequest request);

        R lobbyCancel(@NotNull Envelope envelope, @NotNull LobbyCancel cancel);
    }

    /**
     * What came with a message besides its fields.
     *
     * @param senderId  the verified sender (the broker's {@code sb-sender}).
     * @param messageId the optional client-chosen {@code id}, at most 64 characters.
     * @param json      the JSON object as received, for rewrites that keep every other field.
     * @param placement the kind of topic it was published to (a {@code call} may go to an inbox or
     *                  to a callee's ring topic).
     * @param viaNode   the peer node whose federation link brought it, or null for a message of
     *                  this node's own client ({@link dev.switchboard.broker.spi.SignalingMessage#viaNode}).
     */
    record Envelope(@NotNull String senderId, @Nullable String messageId, @NotNull ReceivedJson json,
                    @NotNull MessageType.Placement placement, @Nullable String viaNode) {
        public Envelope {
            Objects.requireNonNull(senderId, "senderId");
            Objects.requireNonNull(json, "json");
            Objects.requireNonNull(placement, "placement");
        }

        /** An envelope of a message a client of this node published. */
        public Envelope(final @NotNull String senderId, final @Nullable String messageId,
                        final @NotNull ReceivedJson json, final @NotNull MessageType.Placement placement) {
            this(senderId, messageId, json, placement, null);
        }

        /** An envelope of a message published to an inbox. */
        public Envelope(final @NotNull String senderId, final @Nullable String messageId,
                        final @NotNull ReceivedJson json) {
            this(senderId, messageId, json, MessageType.Placement.INBOX);
        }
    }

    /**
     * {@code join} on {@code sb/v1/room/<roomId>/presence}: "I am here".
     *
     * @param roomId the room, from the topic.
     * @param key    the sender's SPKI, base64url, at most 256 characters; hashes to the sender id.
     * @param nonce  16 to 64 base64url characters.
     * @param box    the sender's display name sealed with the room key ({@code docs/protocol.md}
     *               §5.1), base64url, 40 to 1024 characters; the node cannot open it.
     * @param offerFirst the join carried {@code "o":1} ({@code docs/protocol.md} §5, "Rooms, step by
     *               step", step 3): a member may make the first offer whatever the ids.
     */
    record Join(@NotNull String roomId, @NotNull String key, @NotNull String nonce, @NotNull String box,
                boolean offerFirst)
            implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.JOIN;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.join(envelope, this);
        }
    }

    /**
     * {@code leave} on {@code sb/v1/room/<roomId>/presence}: "I left".
     *
     * @param roomId the room, from the topic.
     */
    record Leave(@NotNull String roomId) implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.LEAVE;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.leave(envelope, this);
        }
    }

    /**
     * {@code hello} in a newcomer's inbox: the answer of an existing member to a {@code join}.
     *
     * @param recipientId the inbox owner, from the topic.
     * @param room        the room id this hello is about (43 base64url characters).
     * @param key         as in {@link Join}; hashes to the sender id.
     * @param nonce       as in {@link Join}.
     * @param box         as in {@link Join}.
     * @param mac         proof that the sender knows the room's word ({@code docs/protocol.md} §6.1),
     *                    43 base64url characters; the node cannot check it.
     * @param offerFirst  the hello carried {@code "o":1} (§5 step 3): its sender makes the first offer.
     */
    record Hello(@NotNull String recipientId, @NotNull String room, @NotNull String key,
                 @NotNull String nonce, @NotNull String box, @NotNull String mac, boolean offerFirst)
            implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.HELLO;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.hello(envelope, this);
        }
    }

    /** An {@code offer} or {@code answer}: a signed session description for one peer. */
    sealed interface SessionDescription extends Message permits Offer, Answer {
        /** @return the inbox owner, from the topic. */
        @NotNull String recipientId();

        /** @return the room or call the session belongs to. */
        @NotNull Context context();

        /** @return the SDP (RFC 8866), non-empty, within the node's size limit. */
        @NotNull String sdp();

        /** @return the end-to-end signature, base64url, at most 256 characters (not checked here). */
        @NotNull String sig();

        /**
         * @return the membership MAC ({@code docs/protocol.md} §6.1), 43 base64url characters,
         *     always present in a room's context; {@code null} elsewhere when absent. Not checked here.
         */
        @Nullable String mac();

        /**
         * @return how the sender wants this description carried ({@code mode}, §5.2, §8):
         *     {@link CallMode#RELAY} (the default when absent) has the node rewrite it to name its
         *     relay; {@link CallMode#P2P} asks the node to forward it unchanged, which it does only
         *     in a {@code call:} context whose called side recorded its consent.
         */
        @NotNull CallMode mode();
    }

    /**
     * {@code offer} in a peer's inbox.
     *
     * @param recipientId the inbox owner, from the topic.
     * @param context     the room or call.
     * @param sdp         the SDP offer.
     * @param sig         the end-to-end signature ({@code docs/protocol.md} §6).
     * @param mac         the membership MAC ({@code docs/protocol.md} §6.1), or {@code null}.
     * @param mode        relayed (the default) or direct (P2P, only with the called side's consent).
     */
    record Offer(@NotNull String recipientId, @NotNull Context context, @NotNull String sdp,
                 @NotNull String sig, @Nullable String mac, @NotNull CallMode mode) implements SessionDescription {
        public Offer {
            Objects.requireNonNull(mode, "mode");
        }

        /** A relayed {@code offer} (no {@code mode} field). */
        public Offer(final @NotNull String recipientId, final @NotNull Context context, final @NotNull String sdp,
                     final @NotNull String sig, final @Nullable String mac) {
            this(recipientId, context, sdp, sig, mac, CallMode.RELAY);
        }

        @Override
        public @NotNull MessageType type() {
            return MessageType.OFFER;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.offer(envelope, this);
        }
    }

    /**
     * {@code answer} in a peer's inbox.
     *
     * @param recipientId the inbox owner, from the topic.
     * @param context     the room or call.
     * @param sdp         the SDP answer.
     * @param sig         the end-to-end signature ({@code docs/protocol.md} §6).
     * @param mac         the membership MAC ({@code docs/protocol.md} §6.1), or {@code null}.
     * @param mode        relayed (the default) or direct (P2P, only with the called side's consent).
     */
    record Answer(@NotNull String recipientId, @NotNull Context context, @NotNull String sdp,
                  @NotNull String sig, @Nullable String mac, @NotNull CallMode mode) implements SessionDescription {
        public Answer {
            Objects.requireNonNull(mode, "mode");
        }

        /** A relayed {@code answer} (no {@code mode} field). */
        public Answer(final @NotNull String recipientId, final @NotNull Context context, final @NotNull String sdp,
                      final @NotNull String sig, final @Nullable String mac) {
            this(recipientId, context, sdp, sig, mac, CallMode.RELAY);
        }

        @Override
        public @NotNull MessageType type() {
            return MessageType.ANSWER;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.answer(envelope, this);
        }
    }

    /**
     * {@code candidate} in a peer's inbox: a trickled ICE candidate.
     *
     * @param recipientId   the inbox owner, from the topic.
     * @param context       the room or call.
     * @param candidate     {@code RTCIceCandidate.candidate}, at most 1024 characters; {@code ""}
     *                      for end of candidates. Its syntax is not checked here.
     * @param sdpMid        media stream id, at most 64 characters, or {@code null}.
     * @param sdpMLineIndex m-line index 0..63, or {@code null}.
     */
    record Candidate(@NotNull String recipientId, @NotNull Context context, @NotNull String candidate,
                     @Nullable String sdpMid, @Nullable Integer sdpMLineIndex) implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.CANDIDATE;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.candidate(envelope, this);
        }
    }

    /**
     * {@code hangup} in a peer's inbox: the sender ends the session.
     *
     * @param recipientId the inbox owner, from the topic.
     * @param context     the room or call.
     */
    record Hangup(@NotNull String recipientId, @NotNull Context context) implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.HANGUP;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.hangup(envelope, this);
        }
    }

    /**
     * {@code error} in a peer's inbox: a problem report from a peer. ({@code ref} is not kept: the
     * node does not use it and delivers it unchanged.)
     *
     * @param recipientId the inbox owner, from the topic.
     * @param code        machine-readable code, 1 to 64 characters.
     * @param message     human-readable text, at most 512 characters, or {@code null}.
     */
    record ErrorReport(@NotNull String recipientId, @NotNull String code, @Nullable String message)
            implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.ERROR;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.error(envelope, this);
        }
    }

    // --- the call vocabulary (docs/protocol.md §5.2) ----------------------------------------------

    /**
     * {@code call} in a peer's inbox: a call offer, "will you talk with me?". It carries what the
     * called side needs to answer and to check the caller later: the caller's key (its fingerprint
     * is shown) and nonce (both go into the signed statements of §6), what the caller's page can
     * do, whether the caller asks for a direct (P2P) link, and optionally the caller's display name
     * sealed to the called side's key ({@code epk} and {@code box}, §5.1), which the node cannot
     * open.
     *
     * @param recipientId the inbox owner, from the topic; on a callee's ring topic the callee id.
     * @param context     the call, always a {@code call:} context.
     * @param key         the caller's SPKI, base64url, at most 256 characters; hashes to the sender id.
     * @param nonce       16 to 64 base64url characters, fresh for this call.
     * @param caps        what the caller's page supports (unmodifiable, possibly empty).
     * @param p2p         whether the caller asks for a direct link; only then may the called side
     *                    choose {@link CallMode#P2P}.
     * @param epk         the caller's ephemeral ECDH public key (SPKI, base64url), or {@code null};
     *                    present exactly when {@code box} is.
     * @param box         the caller's display name sealed to the called side's key, or {@code null}.
     */
    record Call(@NotNull String recipientId, @NotNull Context context, @NotNull String key,
                @NotNull String nonce, @NotNull Set<Capability> caps, boolean p2p, @Nullable String epk,
                @Nullable String box) implements Message {
        public Call {
            caps = Set.copyOf(caps);
        }

        @Override
        public @NotNull MessageType type() {
            return MessageType.CALL;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.call(envelope, this);
        }
    }

    /**
     * {@code accept} in the caller's inbox: the called side takes the call. Its key and nonce
     * complete what both need for the signed offer and answer that follow (§6).
     *
     * @param recipientId the inbox owner (the caller), from the topic.
     * @param context     the call, a {@code call:} context.
     * @param key         the called side's SPKI; hashes to the sender id.
     * @param nonce       the called side's nonce for this call.
     * @param caps        what the called side's page supports.
     * @param mode        the called side's final choice; {@link CallMode#P2P} only if the call asked.
     */
    record Accept(@NotNull String recipientId, @NotNull Context context, @NotNull String key,
                  @NotNull String nonce, @NotNull Set<Capability> caps, @NotNull CallMode mode)
            implements Message {
        public Accept {
            caps = Set.copyOf(caps);
            Objects.requireNonNull(mode, "mode");
        }

        @Override
        public @NotNull MessageType type() {
            return MessageType.ACCEPT;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.accept(envelope, this);
        }
    }

    /**
     * {@code decline} in the caller's inbox: the called side does not take the call.
     *
     * @param recipientId the inbox owner (the caller), from the topic.
     * @param context     the call, a {@code call:} context.
     * @param reason      why: busy, rejected or unavailable.
     * @param message     human-readable text, at most 512 characters, or {@code null}.
     */
    record Decline(@NotNull String recipientId, @NotNull Context context, @NotNull DeclineReason reason,
                   @Nullable String message) implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.DECLINE;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.decline(envelope, this);
        }
    }

    /**
     * {@code capabilities-query} in a peer's inbox: "what can your page do?", answered with
     * {@link Capabilities}. Allowed before a call and during one, in any context.
     *
     * @param recipientId the inbox owner, from the topic.
     * @param context     the room or call it is about, or {@code null}.
     */
    record CapabilitiesQuery(@NotNull String recipientId, @Nullable Context context) implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.CAPABILITIES_QUERY;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.capabilitiesQuery(envelope, this);
        }
    }

    /**
     * {@code capabilities} in a peer's inbox: the answer to a query, what the sender's page
     * supports (possibly nothing: it speaks the protocol but takes no calls).
     *
     * @param recipientId the inbox owner, from the topic.
     * @param context     as in the query, or {@code null}.
     * @param caps        what the sender's page supports (unmodifiable, possibly empty).
     */
    record Capabilities(@NotNull String recipientId, @Nullable Context context, @NotNull Set<Capability> caps)
            implements Message {
        public Capabilities {
            caps = Set.copyOf(caps);
        }

        @Override
        public @NotNull MessageType type() {
            return MessageType.CAPABILITIES;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.capabilities(envelope, this);
        }
    }

    /**
     * {@code register} on {@code sb/v1/callee/<calleeId>}: creates a callee pair
     * ({@code docs/protocol.md} §5.3). The page chose the id and the secret; the node receives and
     * keeps only the secret's hash.
     *
     * @param calleeId   the pair's public id, from the topic.
     * @param secretHash base64url SHA-256 of the callee secret, 43 characters.
     * @param label      what callers will see, at most 64 characters, possibly empty.
     */
    record Register(@NotNull String calleeId, @NotNull String secretHash, @NotNull String label) implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.REGISTER;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.register(envelope, this);
        }
    }

    /**
     * {@code lobby-request} in the node's inbox ({@code sb/v1/inbox/<nodeId>}): the sender asks for
     * a chat with an admin and waits ({@code docs/lobby.md}).
     *
     * @param recipientId the inbox owner, from the topic (the node's id, checked by the lobby).
     * @param name        the name the requester typed, 1 to 64 characters.
     * @param admin       the admin's name as typed, at most 64 characters, or {@code null} (a node
     *                    with one admin does not ask for it).
     */
    record LobbyRequest(@NotNull String recipientId, @NotNull String name, @Nullable String admin)
            implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.LOBBY_REQUEST;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.lobbyRequest(envelope, this);
        }
    }

    /**
     * {@code lobby-cancel} in the node's inbox: the sender stops waiting.
     *
     * @param recipientId the inbox owner, from the topic.
     */
    record LobbyCancel(@NotNull String recipientId) implements Message {
        @Override
        public @NotNull MessageType type() {
            return MessageType.LOBBY_CANCEL;
        }

        @Override
        public <R> R accept(final @NotNull Visitor<R> visitor, final @NotNull Envelope envelope) {
            return visitor.lobbyCancel(envelope, this);
        }
    }
}
