package dev.switchboard.node.relay;

import dev.switchboard.node.sdp.IceChars;
import org.jetbrains.annotations.NotNull;

/**
 * A peer's ICE credentials from its SDP (RFC 8839 §5.4): {@code a=ice-ufrag} (4-256 ice-chars)
 * and {@code a=ice-pwd} (22-256 ice-chars), checked by the one ICE character rule, {@link IceChars}.
 *
 * @param ufrag the ice-ufrag
 * @param pwd the ice-pwd (a secret: never logged, not in {@link #toString()})
 */
public record IceCredentials(@NotNull String ufrag, @NotNull String pwd) {
    public IceCredentials {
        if (!IceChars.isUfrag(ufrag)) {
            throw new IllegalArgumentException("ice-ufrag '" + ufrag + "' is not 4-256 ice-chars (RFC 8839 §5.4)");
        }
        if (!IceChars.isPwd(pwd)) {
            throw new IllegalArgumentException("ice-pwd of length " + pwd.length() + " is not 22-256 ice-chars (RFC 8839 §5.4)");
        }
    }

    /** @return whether both values satisfy RFC 8839 §5.4, for callers validating untrusted SDP */
    public static boolean isValid(final @NotNull String ufrag, final @NotNull String pwd) {
        return IceChars.isUfrag(ufrag) && IceChars.isPwd(pwd);
    }

    @Override
    public String toString() {
        return "IceCredentials[ufrag=" + ufrag + ", pwd=<redacted>]";
    }
}
