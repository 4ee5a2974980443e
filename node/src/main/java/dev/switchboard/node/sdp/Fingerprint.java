package dev.switchboard.node.sdp;

import java.util.Objects;

import org.jetbrains.annotations.NotNull;

/**
 * A parsed {@code a=fingerprint} attribute (RFC 8122 §5):
 * {@code fingerprint-attribute = "fingerprint" ":" hash-func SP fingerprint}, where
 * {@code fingerprint = 2UHEX *(":" 2UHEX)}. Lower-case hex is accepted too (seen in the wild);
 * the value is kept as written, since the end-to-end signature covers it byte for byte.
 *
 * @param hashFunction e.g. {@code sha-256} (a token, kept as written)
 * @param value        colon-separated hex pairs, e.g. {@code A0:F6:...:C8}
 */
public record Fingerprint(@NotNull String hashFunction, @NotNull String value) {

    public Fingerprint {
        Objects.requireNonNull(hashFunction, "hashFunction");
        Objects.requireNonNull(value, "value");
    }

    /** @return the attribute value, {@code "<hash-func> <fingerprint>"} */
    public @NotNull String toSdpValue() {
        return hashFunction + " " + value;
    }

    /** Parses the text after {@code a=fingerprint:}. */
    static @NotNull Fingerprint parse(final @NotNull String attributeValue, final int lineNumber)
            throws SdpException {
        final int sp = attributeValue.indexOf(' ');
        if (sp < 0) {
            throw new SdpException(lineNumber, "a=fingerprint " + Syntax.quote(attributeValue)
                    + " is not \"<hash-func> <fingerprint>\" (RFC 8122 §5)");
        }
        final String hash = attributeValue.substring(0, sp);
        final String fp = attributeValue.substring(sp + 1);
        // RFC 8122 §5: hash-func is a token (the registry names are all lower-case tokens).
        if (!Syntax.isToken(hash)) {
            throw new SdpException(lineNumber, "a=fingerprint hash function " + Syntax.quote(hash)
                    + " is not a token (RFC 8122 §5)");
        }
        // RFC 8122 §5: fingerprint = 2UHEX *(":" 2UHEX)
        if (!isHexPairs(fp)) {
            throw new SdpException(lineNumber, "a=fingerprint value " + Syntax.quote(fp)
                    + " is not colon-separated hex pairs (RFC 8122 §5)");
        }
        return new Fingerprint(hash, fp);
    }

    private static boolean isHexPairs(final String s) {
        if (s.length() < 2 || (s.length() + 1) % 3 != 0 || s.length() > 3 * 64 - 1) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (i % 3 == 2) {
                if (c != ':') {
                    return false;
                }
            } else if (Character.digit(c, 16) < 0 || c > 'f') {
                return false;
            }
        }
        return true;
    }
}
