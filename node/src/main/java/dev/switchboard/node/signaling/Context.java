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
        if (id == null || !isId(id, 0)) {
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
        if (!isValid(text)) {
            return null;
        }
        final int colon = text.indexOf(':');
        final String prefix = text.substring(0, colon);
        final Kind kind = prefix.equals(Kind.ROOM.prefix) ? Kind.ROOM : Kind.CALL;
        return new Context(kind, text.substring(colon + 1));
    }

    /**
     * Whether {@code text} matches {@link #PATTERN}, checked without a regular expression (no
     * matcher per message).
     *
     * @param text untrusted text, possibly {@code null}.
     * @return true for {@code room:<id>} or {@code call:<id>} with an id of 1 to 64 base64url
     *     characters.
     */
    public static boolean isValid(final @Nullable String text) {
        return text != null && (text.startsWith("room:") || text.startsWith("call:")) && isId(text, 5);
    }

    /** Whether {@code text} from {@code from} on is 1 to 64 base64url characters ({@link #ID}). */
    private static boolean isId(final String text, final int from) {
        final int length = text.length() - from;
        if (length < 1 || length > 64) {
            return false;
        }
        for (int i = from; i < text.length(); i++) {
            if (!isBase64UrlChar(text.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** @return whether {@code c} is in {@code [A-Za-z0-9_-]}. */
    static boolean isBase64UrlChar(final char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-';
    }

    /** @return the wire form, e.g. {@code room:dUoy5J-...}. */
    @Override
    public @NotNull String toString() {
        return kind.prefix + ":" + id;
    }
}
