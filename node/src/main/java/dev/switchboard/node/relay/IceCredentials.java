package dev.switchboard.node.relay;

import org.jetbrains.annotations.NotNull;

/**
 * A peer's ICE credentials from its SDP (RFC 8839 §5.4): {@code a=ice-ufrag} (4-256 ice-chars)
 * and {@code a=ice-pwd} (22-256 ice-chars); ice-char = ALPHA / DIGIT / "+" / "/".
 *
 * @param ufrag the ice-ufrag
 * @param pwd the ice-pwd (a secret: never logged, not in {@link #toString()})
 */
public record IceCredentials(@NotNull String ufrag, @NotNull String pwd) {
    public IceCredentials {
        if (!isValid(ufrag, 4)) {
            throw new IllegalArgumentException("ice-ufrag '" + ufrag + "' is not 4-256 ice-chars (RFC 8839 §5.4)");
        }
        if (!isValid(pwd, 22)) {
            throw new IllegalArgumentException("ice-pwd of length " + pwd.length() + " is not 22-256 ice-chars (RFC 8839 §5.4)");
        }
    }

    /** @return whether both values satisfy RFC 8839 §5.4, for callers validating untrusted SDP */
    public static boolean isValid(final @NotNull String ufrag, final @NotNull String pwd) {
        return isValid(ufrag, 4) && isValid(pwd, 22);
    }

    private static boolean isValid(final String s, final int min) {
        if (s.length() < min || s.length() > 256) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "IceCredentials[ufrag=" + ufrag + ", pwd=<redacted>]";
    }
}
