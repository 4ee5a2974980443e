package dev.switchboard.node.sdp;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

import org.jetbrains.annotations.NotNull;

/** Grammar helpers shared by the parser and the candidate parser. Pure, thread-safe. */
final class Syntax {
    private static final int MAX_QUOTED = 80;

    private Syntax() {
    }

    /** RFC 8866 §9 / RFC 3261 §25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"). */
    /**
     * {@code s.split(Pattern.quote(String.valueOf(separator)), -1)} without the regular expression
     * machinery's list and sub-list: every field, empty ones included; {@code {s}} itself when the
     * separator does not occur.
     */
    static String @NotNull [] split(final @NotNull String s, final char separator) {
        int count = 1;
        for (int i = s.indexOf(separator); i >= 0; i = s.indexOf(separator, i + 1)) {
            count++;
        }
        if (count == 1) {
            return new String[] {s};
        }
        final String[] fields = new String[count];
        int start = 0;
        for (int k = 0; k < count - 1; k++) {
            final int end = s.indexOf(separator, start);
            fields[k] = s.substring(start, end);
            start = end + 1;
        }
        fields[count - 1] = s.substring(start);
        return fields;
    }

    static boolean isToken(final @NotNull String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            final boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
                    || "-.!%*_+`'~".indexOf(c) >= 0;
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** @return true for 1 to maxDigits ASCII digits */
    static boolean isDigits(final @NotNull String s, final int maxDigits) {
        if (s.isEmpty() || s.length() > maxDigits) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) < '0' || s.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    /** @return the port 0..65535, or -1 when s is not one (RFC 8866 §9: port = 1*DIGIT) */
    static int parsePort(final @NotNull String s) {
        if (!isDigits(s, 5)) {
            return -1;
        }
        final int port = Integer.parseInt(s);
        return port <= 65535 ? port : -1;
    }

    /** Dotted-quad IPv4 literal, each octet 0-255 without leading zeros (RFC 8866 §9 IP4-address). */
    static boolean isIpv4Literal(final @NotNull String s) {
        final String[] parts = split(s, '.');
        if (parts.length != 4) {
            return false;
        }
        for (final String p : parts) {
            if (!isDigits(p, 3) || p.length() > 1 && p.charAt(0) == '0' || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /**
     * IPv6 literal (RFC 4291 §2.2 text forms, no zone id). Only strings made of hex digits, ':' and
     * '.' that contain a ':' reach {@link InetAddress#getByName}, which then never does a DNS lookup.
     */
    static boolean isIpv6Literal(final @NotNull String s) {
        if (s.length() < 2 || s.length() > 45 || s.indexOf(':') < 0) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.')) {
                return false;
            }
        }
        try {
            final InetAddress address = InetAddress.getByName(s);
            // An IPv4-mapped literal comes back as Inet4Address; still a valid IPv6 text form.
            return address instanceof Inet6Address || address.getAddress().length == 4;
        } catch (final UnknownHostException | RuntimeException e) {
            return false;
        }
    }

    /** RFC 1123 §2.1 host name (also mDNS names such as {@code 1f0e...-4c.local}); never resolved. */
    static boolean isHostname(final @NotNull String s) {
        if (s.isEmpty() || s.length() > 253) {
            return false;
        }
        final String[] labels = split(s, '.');
        for (final String label : labels) {
            if (label.isEmpty() || label.length() > 63 || label.charAt(0) == '-'
                    || label.charAt(label.length() - 1) == '-') {
                return false;
            }
            for (int i = 0; i < label.length(); i++) {
                final char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                    return false;
                }
            }
        }
        // An all-numeric dotted name would be a malformed IPv4 literal, not a host name.
        return !s.chars().allMatch(c -> c == '.' || c >= '0' && c <= '9');
    }

    /** RFC 8839 §5.1 connection-address: IPv4, IPv6 or FQDN (mDNS names included). */
    static boolean isConnectionAddress(final @NotNull String s) {
        return isIpv4Literal(s) || isIpv6Literal(s) || isHostname(s);
    }

    /**
     * Quotes an untrusted value for an error message: at most {@value #MAX_QUOTED} characters,
     * control and non-ASCII characters escaped, so the message is one safe printable line.
     */
    static @NotNull String quote(final @NotNull String s) {
        final StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_QUOTED) + 8).append('"');
        final int n = Math.min(s.length(), MAX_QUOTED);
        for (int i = 0; i < n; i++) {
            final char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c >= 0x7f) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        if (s.length() > MAX_QUOTED) {
            b.append("...");
        }
        return b.append('"').toString();
    }
}
