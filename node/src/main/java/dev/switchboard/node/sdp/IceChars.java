package dev.switchboard.node.sdp;

import org.jetbrains.annotations.NotNull;

/**
 * The one place for ICE's character rule, used by the SDP parser (ice-ufrag, ice-pwd, candidate
 * foundations) and by the relay's {@link dev.switchboard.node.relay.IceCredentials}.
 *
 * <pre>
 * ice-char      = ALPHA / DIGIT / "+" / "/"       ; RFC 8839 §5.1
 * ice-ufrag-att = "ice-ufrag:" ufrag
 * ufrag         = 4*256ice-char                   ; RFC 8839 §5.4
 * ice-pwd-att   = "ice-pwd:" password
 * password      = 22*256ice-char                  ; RFC 8839 §5.4
 * foundation    = 1*32ice-char                    ; RFC 8839 §5.1
 * </pre>
 *
 * <p>Pure and thread-safe; never throws for any input string.
 */
public final class IceChars {
    /** Shortest ice-ufrag, in characters (RFC 8839 §5.4). */
    public static final int UFRAG_MIN = 4;
    /** Shortest ice-pwd, in characters (RFC 8839 §5.4). */
    public static final int PWD_MIN = 22;
    /** Longest ice-ufrag and ice-pwd, in characters (RFC 8839 §5.4). */
    public static final int MAX = 256;

    private IceChars() {
    }

    /** @return whether {@code c} is an ice-char (RFC 8839 §5.1): ASCII letter, digit, '+' or '/' */
    public static boolean isIceChar(final char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/';
    }

    /**
     * @param s the value to check
     * @param min fewest characters allowed
     * @param max most characters allowed
     * @return whether {@code s} is {@code min} to {@code max} ice-chars (RFC 8839 §5.1)
     */
    public static boolean isIceChars(final @NotNull String s, final int min, final int max) {
        if (s.length() < min || s.length() > max) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isIceChar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** @return whether {@code s} is a valid ice-ufrag: 4-256 ice-chars (RFC 8839 §5.4) */
    public static boolean isUfrag(final @NotNull String s) {
        return isIceChars(s, UFRAG_MIN, MAX);
    }

    /** @return whether {@code s} is a valid ice-pwd: 22-256 ice-chars (RFC 8839 §5.4) */
    public static boolean isPwd(final @NotNull String s) {
        return isIceChars(s, PWD_MIN, MAX);
    }
}
