package dev.switchboard.node.stun;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import org.bouncycastle.crypto.macs.HMac;
import org.jetbrains.annotations.NotNull;

/**
 * Recognises valid ICE connectivity checks addressed to one ICE agent, without allocating.
 *
 * <p>A datagram is a valid check when it is a well-formed STUN Binding request (RFC 8489 §5,
 * §14) whose USERNAME starts with {@code "<ufrag>:"} — the receiving agent's ufrag comes first,
 * RFC 8445 §7.2.2 — and whose MESSAGE-INTEGRITY verifies with the receiving agent's ice-pwd as
 * short-term credential (RFC 8445 §7.2.2, RFC 8489 §9.1.1). If FINGERPRINT is present it must
 * be last and match (RFC 8489 §14.7).
 *
 * <p>Threading: not thread-safe (it reuses one HMAC, one CRC-32 and a scratch buffer); confine
 * an instance to one thread, e.g. the event loop of a relay session. {@link #verify} allocates
 * nothing and never throws for any datagram content.
 */
public final class IceCheckVerifier {
    private final String ufrag;
    private final byte[] usernamePrefix;
    private final HMac mac;
    private final CRC32 crc = new CRC32();
    private final byte[] scratch = new byte[Stun.MESSAGE_INTEGRITY_LENGTH];

    /**
     * @param ufrag the ice-ufrag of the agent that receives the checks (non-empty)
     * @param pwd the ice-pwd of that agent; its UTF-8 bytes are the HMAC key (non-empty)
     * @throws IllegalArgumentException when either is empty
     */
    public IceCheckVerifier(final @NotNull String ufrag, final @NotNull String pwd) {
        if (ufrag.isEmpty() || pwd.isEmpty()) {
            throw new IllegalArgumentException("ufrag and pwd must not be empty");
        }
        this.ufrag = ufrag;
        this.usernamePrefix = (ufrag + ":").getBytes(StandardCharsets.UTF_8);
        this.mac = StunIntegrity.newHmacSha1(pwd.getBytes(StandardCharsets.UTF_8));
    }

    /** @return the receiving agent's ufrag this verifier expects first in USERNAME */
    public @NotNull String ufrag() {
        return ufrag;
    }

    /**
     * @param datagram buffer holding the datagram
     * @param offset start of the datagram
     * @param length datagram length
     * @return whether the datagram is a valid connectivity check for this agent
     * @throws IndexOutOfBoundsException when offset/length do not lie within the array
     */
    public boolean verify(final byte @NotNull [] datagram, final int offset, final int length) {
        if (!Stun.isStun(datagram, offset, length)) {
            return false;
        }
        if (Stun.messageTypeOf(datagram, offset) != Stun.BINDING_REQUEST) {
            return false;
        }
        final int messageLength = Stun.readShort(datagram, offset + 2);
        if ((messageLength & 3) != 0 || messageLength != length - Stun.HEADER_LENGTH) { // RFC 8489 §5
            return false;
        }
        int usernameOffset = -1;
        int usernameLength = 0;
        int integrityOffset = -1;
        int fingerprintOffset = -1;
        int pos = Stun.HEADER_LENGTH;
        while (pos < length) {
            if (fingerprintOffset >= 0 || length - pos < 4) {
                return false; // RFC 8489 §14.7: FINGERPRINT last; §14: header must fit
            }
            final int type = Stun.readShort(datagram, offset + pos);
            final int valueLength = Stun.readShort(datagram, offset + pos + 2);
            final int padded = (valueLength + 3) & ~3;
            if (padded > length - pos - 4) {
                return false;
            }
            if (type == Stun.ATTR_USERNAME && usernameOffset < 0 && integrityOffset < 0) {
                usernameOffset = pos + 4;
                usernameLength = valueLength;
            } else if (type == Stun.ATTR_MESSAGE_INTEGRITY && integrityOffset < 0) {
                if (valueLength != Stun.MESSAGE_INTEGRITY_LENGTH) {
                    return false;
                }
                integrityOffset = pos;
            } else if (type == Stun.ATTR_FINGERPRINT) {
                if (valueLength != 4) {
                    return false;
                }
                fingerprintOffset = pos;
            }
            pos += 4 + padded;
        }
        if (usernameOffset < 0 || integrityOffset < 0 || usernameLength <= usernamePrefix.length) {
            return false;
        }
        for (int i = 0; i < usernamePrefix.length; i++) { // RFC 8445 §7.2.2: "<receiver ufrag>:<sender ufrag>"
            if (datagram[offset + usernameOffset + i] != usernamePrefix[i]) {
                return false;
            }
        }
        if (fingerprintOffset >= 0 && StunIntegrity.fingerprint(crc, datagram, offset, fingerprintOffset)
                != Stun.readInt(datagram, offset + fingerprintOffset + 4)) {
            return false;
        }
        return StunIntegrity.verifyHmac(mac, datagram, offset, integrityOffset, scratch);
    }
}
