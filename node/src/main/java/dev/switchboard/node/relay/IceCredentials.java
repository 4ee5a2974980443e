package dev.switchboard.node.relay;

import dev.switchboard.node.sdp.IceChars;
import dev.switchboard.node.stun.Stun;
import dev.switchboard.node.stun.StunMessageBuilder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jetbrains.annotations.NotNull;

/**
 * A peer's ICE credentials from its SDP (RFC 8839 §5.4): {@code a=ice-ufrag} (4-256 ice-chars)
 * and {@code a=ice-pwd} (22-256 ice-chars), checked by the one ICE character rule, {@link IceChars}.
 *
 * @param ufrag the ice-ufrag
 * @param pwd the ice-pwd (a secret: never logged, not in {@link #toString()})
 */
public record IceCredentials(@NotNull String ufrag, @NotNull String pwd) {
    /** RFC 8445 §5.1.2.1: type preference 110 (peer reflexive), local preference 65535, component 1. */
    private static final int PEER_REFLEXIVE_PRIORITY = (110 << 24) | (65535 << 8) | (256 - 1);

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

    /**
     * Builds a valid ICE connectivity check addressed to the agent that holds these credentials,
     * as a browser would send it (RFC 8445 §7.2.2): a STUN Binding request with USERNAME
     * {@code "<this ufrag>:<senderUfrag>"}, PRIORITY (§7.1.1), ICE-CONTROLLING with
     * {@code tieBreaker} (§7.1.3), MESSAGE-INTEGRITY keyed with this pwd (RFC 8489 §14.5) and
     * FINGERPRINT (§14.7). The relay never sends checks; this is for whatever stands in for a
     * browser: the relay benchmark's load generator and the tests.
     *
     * @param senderUfrag the sending agent's ice-ufrag, 4-256 ice-chars
     * @param transactionId 12 bytes (RFC 8489 §5), e.g. {@code StunMessageBuilder.newTransactionId()}
     * @param tieBreaker the sender's ICE tie-breaker
     * @return the datagram, about 100 bytes, a new array per call
     * @throws IllegalArgumentException when {@code senderUfrag} is not a valid ice-ufrag or the
     *     transaction id is not 12 bytes
     */
    public byte @NotNull [] connectivityCheck(final @NotNull String senderUfrag, final byte @NotNull [] transactionId,
                                              final long tieBreaker) {
        if (!IceChars.isUfrag(senderUfrag)) {
            throw new IllegalArgumentException("sender ice-ufrag '" + senderUfrag + "' is not 4-256 ice-chars (RFC 8839 §5.4)");
        }
        final byte[] priority = ByteBuffer.allocate(4).putInt(PEER_REFLEXIVE_PRIORITY).array();
        return new StunMessageBuilder(Stun.BINDING_REQUEST, transactionId)
                .username(ufrag + ":" + senderUfrag) // RFC 8445 §7.2.2: receiver's ufrag first
                .attribute(Stun.ATTR_PRIORITY, priority)
                .attribute(Stun.ATTR_ICE_CONTROLLING, ByteBuffer.allocate(8).putLong(tieBreaker).array())
                .messageIntegrity(pwd.getBytes(StandardCharsets.UTF_8))
                .fingerprint().build();
    }

    @Override
    public String toString() {
        return "IceCredentials[ufrag=" + ufrag + ", pwd=<redacted>]";
    }
}
