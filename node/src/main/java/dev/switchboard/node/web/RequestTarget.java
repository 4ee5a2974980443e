package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * A parsed and checked HTTP request target (RFC 9112 §3.2): the percent-decoded path, the raw path
 * and the raw query. Parsing is pure; a bad target becomes a {@link Invalid} value naming the
 * problem, never an exception.
 *
 * <p>Rejected, so that no path can leave the static root: {@code .} and {@code ..} segments (also
 * percent-encoded, e.g. {@code %2e%2e}), empty segments ({@code //}), backslashes, NUL and other
 * control characters, encoded slashes ({@code %2F}), malformed percent escapes and invalid UTF-8.
 */
public final class RequestTarget {

    /** The outcome of {@link #parse}. */
    public sealed interface Result permits Valid, Invalid {
    }

    /**
     * @param path    decoded path, starting with {@code /}, checked as described above
     * @param rawPath the path as sent (still percent-encoded), for redirects
     * @param query   the raw query without {@code ?}, empty if none
     */
    public record Valid(@NotNull String path, @NotNull String rawPath, @NotNull String query) implements Result {
    }

    /** @param reason why the target was rejected, for a 400 answer; quotes no more than the target */
    public record Invalid(@NotNull String reason) implements Result {
    }

    private RequestTarget() {
    }

    /**
     * @param target the request target from the request line, untrusted
     * @return the checked target or why it is invalid
     */
    public static @NotNull Result parse(final @NotNull String target) {
        String rest = target;
        // RFC 9112 §3.2.2: a server must accept the absolute form; only its path and query count here
        final int schemeEnd = rest.indexOf("://");
        if (schemeEnd > 0 && (rest.startsWith("http://") || rest.startsWith("https://"))) {
            final int pathStart = rest.indexOf('/', schemeEnd + 3);
            rest = pathStart < 0 ? "/" : rest.substring(pathStart);
        }
        final int fragment = rest.indexOf('#');
        if (fragment >= 0) {
            rest = rest.substring(0, fragment);
        }
        // RFC 9112 §3.2.1: origin-form = absolute-path [ "?" query ]
        if (!rest.startsWith("/")) {
            return new Invalid("request target is not an absolute path");
        }
        for (int i = 0; i < rest.length(); i++) {
            final char c = rest.charAt(i);
            if (c < 0x21 || c == 0x7f || c == '\\') {
                return new Invalid("request target contains a control character, space or backslash");
            }
        }
        final int question = rest.indexOf('?');
        final String rawPath = question < 0 ? rest : rest.substring(0, question);
        final String query = question < 0 ? "" : rest.substring(question + 1);

        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(rawPath.length());
        for (int i = 0; i < rawPath.length(); i++) {
            final char c = rawPath.charAt(i);
            if (c == '%') {
                // RFC 3986 §2.1: pct-encoded = "%" HEXDIG HEXDIG
                if (i + 2 >= rawPath.length()) {
                    return new Invalid("truncated percent escape in path");
                }
                final int hi = Character.digit(rawPath.charAt(i + 1), 16);
                final int lo = Character.digit(rawPath.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return new Invalid("malformed percent escape in path");
                }
                final int b = hi << 4 | lo;
                if (b < 0x20 || b == 0x7f || b == '/' || b == '\\') {
                    return new Invalid("path encodes a control character, slash or backslash");
                }
                bytes.write(b);
                i += 2;
            } else if (c > 0x7e) {
                return new Invalid("path contains a non-ASCII character that is not percent-encoded");
            } else {
                bytes.write(c);
            }
        }
        final String path;
        try {
            path = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (final CharacterCodingException e) {
            return new Invalid("path is not valid UTF-8");
        }
        // segments between slashes; a trailing empty segment (directory path) is fine
        final String[] segments = path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            final String segment = segments[i];
            // RFC 3986 §5.2.4: dot segments would walk out of the root, so they are refused, not resolved
            if (segment.equals(".") || segment.equals("..")) {
                return new Invalid("path contains a dot segment");
            }
            if (segment.isEmpty() && i < segments.length - 1) {
                return new Invalid("path contains an empty segment");
            }
        }
        return new Valid(path, rawPath, query);
    }
}
