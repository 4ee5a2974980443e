package dev.switchboard.node.config;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The one rule for telling an IP address literal from a host name, used wherever the node reads a
 * configured address ({@code web.bind}, {@code relay.advertisedHost}, ...) or splits names into
 * the certificate's DNS and IP subject alternative names.
 *
 * <p>A literal is digits and dots (IPv4, RFC 791 dotted decimal) or anything containing a colon
 * made of hex digits, colons and dots (IPv6, RFC 4291 §2.2, including the embedded-IPv4 form).
 * Parsing a literal never triggers a DNS lookup. Thread-safe and stateless.
 */
public final class IpLiteral {

    private static final Pattern LITERAL = Pattern.compile("[0-9.]+|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

    private IpLiteral() {
    }

    /**
     * @param text a host name or address as written in the configuration.
     * @return whether it has the shape of an IP literal (it may still be an invalid one, such as
     *         {@code 999.1.1.1}); such text is never to be treated as a host name.
     */
    public static boolean looksLikeLiteral(final @NotNull String text) {
        return LITERAL.matcher(text).matches();
    }

    /**
     * @param text an IP address literal such as {@code 127.0.0.1}, {@code 0.0.0.0} or {@code ::1}.
     * @return the address, or {@code null} if the text is not a valid IP literal (host names
     *         included: they are never resolved here).
     */
    public static @Nullable InetAddress parse(final @NotNull String text) {
        if (!looksLikeLiteral(text)) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            return parseDottedQuad(text);
        }
        try {
            // Contains a colon: the JDK parses it as an IPv6 literal or refuses; it never asks DNS.
            return InetAddress.getByName(text);
        } catch (final UnknownHostException e) {
            return null;
        }
    }

    /** Exactly four decimal parts of 0..255 (RFC 791 dotted decimal); nothing the JDK would guess at. */
    private static @Nullable InetAddress parseDottedQuad(final String text) {
        final String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        final byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            final String part = parts[i];
            if (part.isEmpty() || part.length() > 3) {
                return null;
            }
            final int value = Integer.parseInt(part);
            if (value > 255) {
                return null;
            }
            bytes[i] = (byte) value;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (final UnknownHostException e) {
            throw new AssertionError("four bytes are always a valid address", e);
        }
    }
}
