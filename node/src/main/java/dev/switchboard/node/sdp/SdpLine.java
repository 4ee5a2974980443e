package dev.switchboard.node.sdp;

import java.util.Objects;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * One SDP line, {@code <type>=<value>} (RFC 8866 §5), kept exactly as received.
 *
 * <p>{@link #text()} plus {@link #lineEnding()} are the original bytes of the line, so writing
 * lines back reproduces the input. Attribute lines ({@code a=}) are
 * {@code a=<attribute-name>[:<attribute-value>]} (RFC 8866 §5.13), see {@link #attributeName()}.
 *
 * @param type       the type letter, e.g. {@code 'a'}, {@code 'm'}
 * @param value      everything after {@code "<type>="}, without the line ending
 * @param lineEnding {@code "\r\n"} or {@code "\n"} as received, or {@code ""} for a last line
 *                   without a line ending
 */
public record SdpLine(char type, @NotNull String value, @NotNull String lineEnding) {

    /** @throws IllegalArgumentException when lineEnding is not "\r\n", "\n" or "" */
    public SdpLine {
        Objects.requireNonNull(value, "value");
        Objects.requireNonNull(lineEnding, "lineEnding");
        if (!lineEnding.equals("\r\n") && !lineEnding.equals("\n") && !lineEnding.isEmpty()) {
            throw new IllegalArgumentException("line ending must be CRLF, LF or empty");
        }
    }

    /** @return {@code "<type>=<value>"}, without the line ending */
    public @NotNull String text() {
        return type + "=" + value;
    }

    /** @return true when this is an {@code a=} line */
    public boolean isAttribute() {
        return type == 'a';
    }

    /**
     * @return for an {@code a=} line the attribute name (the value up to the first ':', or the
     *     whole value for a flag attribute such as {@code a=rtcp-mux}); {@code null} for other types
     */
    public @Nullable String attributeName() {
        if (type != 'a') {
            return null;
        }
        final int colon = value.indexOf(':');
        return colon < 0 ? value : value.substring(0, colon);
    }

    /**
     * @return for an {@code a=name:value} line the part after the first ':'; {@code null} for a flag
     *     attribute or another line type
     */
    public @Nullable String attributeValue() {
        if (type != 'a') {
            return null;
        }
        final int colon = value.indexOf(':');
        return colon < 0 ? null : value.substring(colon + 1);
    }

    /** @return true when this is an {@code a=} line whose attribute name equals {@code name} */
    public boolean isAttribute(final @NotNull String name) {
        // name.equals(attributeName()), without cutting the name out of the value
        return type == 'a' && value.startsWith(name) && name.indexOf(':') < 0
                && (value.length() == name.length() || value.charAt(name.length()) == ':');
    }
}
