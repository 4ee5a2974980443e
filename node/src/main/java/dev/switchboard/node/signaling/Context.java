package dev.switchboard.node.signaling;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * What a peer session belongs to: a room or a call. The one place the context grammar is written
 * ({@code docs/protocol.md} §5 and §6):
 *
 * <pre>
 * context = ( "room" / "call" ) ":" 1*64( ALPHA / DIGIT / "-" / "_" )
 * </pre>
 *
 * A room's context is {@code room:<roomId>} with its 43-character room id. Values are immutable;
 * {@link #toString()} gives the wire form, which is also what the end-to-end signature covers.
 *
 * @param kind room or call.
 * @param id   the room or call id, 1 to 64 base64url characters.
 */
public record Context(@NotNull Kind kind, @NotNull String id) {

    /** The wire grammar as a regular expression (what error messages quote). */
    public static final @NotNull Pattern PATTERN = Pattern.compile("(room|call):[A-Za-z0-9_-]{1,64}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** The kinds of context, with their wire prefix. */
    public enum Kind {
        /** A room of {@code docs/protocol.md} §5: members found each other by a shared word. */
        ROOM("room"),
        /** A call (the calls feature). */
        CALL("call");

        private final String prefix;

        Kind(final String prefix) {
            this.prefix = prefix;
        }

        /** @return the wire prefix before the colon, e.g. {@code room}. */
        public @NotNull String prefix() {
            return prefix;
        }
    }

    /**
     * @throws IllegalArgumentException if {@code id} is not 1 to 64 base64url characters (a
     *                                  programmer error: parse untrusted text with
     *                                  {@link #parse(String)}).
     */
    public Context {
        Objects.requireNonNull(kind, "kind");
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("context id must be 1 to 64 base64url characters: " + id);
        }
    }

    /**
     * @param roomId a room id.
     * @return the context {@code room:<roomId>}.
     * @throws IllegalArgumentException if {@code roomId} is not a valid context id.
     */
    public static @NotNull Context room(final @NotNull String roomId) {
        return new Context(Kind.ROOM, roomId);
    }

    /**
     * @param text untrusted text, possibly {@code null}.
     * @return the context, or {@code null} if {@code text} does not match {@link #PATTERN}; never
     *     throws.
     */
    public static @Nullable Context parse(final @Nullable String text) {
        if (text == null || !PATTERN.matcher(text).matches()) {
            return null;
        }
        final int colon = text.indexOf(':');
        final String prefix = text.substring(0, colon);
        final Kind kind = prefix.equals(Kind.ROOM.prefix) ? Kind.ROOM : Kind.CALL;
        return new Context(kind, text.substring(colon + 1));
    }

    /** @return the wire form, e.g. {@code room:dUoy5J-...}. */
    @Override
    public @NotNull String toString() {
        return kind.prefix + ":" + id;
    }
}
