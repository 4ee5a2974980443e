package dev.switchboard.broker.topic;

import dev.switchboard.broker.identity.PeerIds;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * The Switchboard v1 topic grammar (see {@link Topic}): constants, builders and a parser that
 * turns untrusted input into a {@link Topic.ParseResult}. Pure code, thread-safe, no state.
 */
public final class Topics {

    /** The versioned topic root. */
    public static final @NotNull String ROOT = "sb/v1";
    /** The retained node information topic. */
    public static final @NotNull String NODE_INFO = "sb/v1/node/info";
    static final String ROOM_PREFIX = "sb/v1/room/";
    static final String PRESENCE_SUFFIX = "/presence";
    static final String INBOX_PREFIX = "sb/v1/inbox/";
    static final String CALLEE_PREFIX = "sb/v1/callee/";

    /** Length of a peer or room id: base64url without padding of 32 bytes. */
    public static final int ID_LENGTH = PeerIds.LENGTH;

    private Topics() {
    }

    /** @return the inbox topic of {@code peerId}; throws IllegalArgumentException on a bad id. */
    public static @NotNull String inbox(final @NotNull String peerId) {
        return new Topic.Inbox(peerId).mqttTopic();
    }

    /** @return the presence topic of {@code roomId}; throws IllegalArgumentException on a bad id. */
    public static @NotNull String presence(final @NotNull String roomId) {
        return new Topic.RoomPresence(roomId).mqttTopic();
    }

    /**
     * @param id any string, possibly {@code null}.
     * @return whether it is exactly 43 characters of the base64url alphabet {@code [A-Za-z0-9_-]}
     *     (the peer-id rule of {@link PeerIds#isValid}; room ids have the same shape).
     */
    public static boolean isValidId(final @Nullable String id) {
        return PeerIds.isValid(id);
    }

    static void requireId(final String id, final String what) {
        if (!isValidId(id)) {
            throw new IllegalArgumentException(what + " must be 43 base64url characters: " + id);
        }
    }

    /**
     * Parses an MQTT topic name (not a filter) against the grammar.
     *
     * @param input an untrusted topic, possibly {@code null}.
     * @return {@link Topic.Valid} or {@link Topic.Invalid} with a reason naming the bad part;
     *     never throws.
     */
    public static @NotNull Topic.ParseResult parse(final @Nullable String input) {
        if (input == null) {
            return new Topic.Invalid("", "topic is missing");
        }
        if (input.equals(NODE_INFO)) {
            return new Topic.Valid(Topic.NodeInfo.INSTANCE);
        }
        if (input.startsWith(INBOX_PREFIX)) {
            final String id = input.substring(INBOX_PREFIX.length());
            return isValidId(id)
                    ? new Topic.Valid(new Topic.Inbox(id))
                    : new Topic.Invalid(input, "inbox peer id must be 43 base64url characters: '"
                            + shorten(id) + "'");
        }
        if (input.startsWith(CALLEE_PREFIX)) {
            final String id = input.substring(CALLEE_PREFIX.length());
            return isValidId(id)
                    ? new Topic.Valid(new Topic.CalleeRing(id))
                    : new Topic.Invalid(input, "callee id must be 43 base64url characters: '"
                            + shorten(id) + "'");
        }
        if (input.startsWith(ROOM_PREFIX)) {
            final String rest = input.substring(ROOM_PREFIX.length());
            if (!rest.endsWith(PRESENCE_SUFFIX)) {
                return new Topic.Invalid(input, "room topics must end in /presence");
            }
            final String id = rest.substring(0, rest.length() - PRESENCE_SUFFIX.length());
            return isValidId(id)
                    ? new Topic.Valid(new Topic.RoomPresence(id))
                    : new Topic.Invalid(input, "room id must be 43 base64url characters: '"
                            + shorten(id) + "'");
        }
        return new Topic.Invalid(input, "not a Switchboard topic (expected "
                + NODE_INFO + ", sb/v1/room/<roomId>/presence, sb/v1/inbox/<peerId> or sb/v1/callee/<calleeId>)");
    }

    /**
     * Keeps error messages small when a client sends a huge bogus topic or id.
     *
     * @param s any string.
     * @return {@code s} if at most 64 characters, else its first 61 and {@code "..."}.
     */
    public static @NotNull String shorten(final @NotNull String s) {
        return s.length() <= 64 ? s : s.substring(0, 61) + "...";
    }
}
