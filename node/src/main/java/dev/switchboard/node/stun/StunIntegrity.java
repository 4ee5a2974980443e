package dev.switchboard.node.stun;

import java.util.zip.CRC32;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * MESSAGE-INTEGRITY (RFC 8489 §14.5) and FINGERPRINT (§14.7) computations over a message held
 * in a byte array. Uses BouncyCastle's lightweight {@link HMac}, whose {@code doFinal(byte[], int)}
 * writes into a caller buffer, so a reused instance computes without allocating.
 *
 * <p>Instances of {@link HMac} and {@link CRC32} are not thread-safe; callers confine them.
 */
final class StunIntegrity {
    private StunIntegrity() {
    }

    /** @return a fresh HMAC-SHA1 keyed with {@code key} (short-term credential: the password bytes, RFC 8489 §9.1.1) */
    static HMac newHmacSha1(final byte[] key) {
        final HMac mac = new HMac(new SHA1Digest());
        mac.init(new KeyParameter(key));
        return mac;
    }

    /**
     * Computes HMAC-SHA1 over the message up to the MESSAGE-INTEGRITY attribute at
     * {@code integrityOffset}, with the header length field set as if MESSAGE-INTEGRITY were
     * the last attribute (RFC 8489 §14.5). Writes 20 bytes to {@code out[outOffset..]}.
     */
    static void computeHmac(final HMac mac, final byte[] msg, final int offset, final int integrityOffset,
                            final byte[] out, final int outOffset) {
        mac.reset();
        mac.update(msg, offset, 2);
        // RFC 8489 §14.5: length covers up to and including MESSAGE-INTEGRITY itself
        final int adjustedLength = integrityOffset + 4 + Stun.MESSAGE_INTEGRITY_LENGTH - Stun.HEADER_LENGTH;
        mac.update((byte) (adjustedLength >>> 8));
        mac.update((byte) adjustedLength);
        mac.update(msg, offset + 4, integrityOffset - 4);
        mac.doFinal(out, outOffset);
    }

    /**
     * Verifies the MESSAGE-INTEGRITY value found at {@code integrityOffset} in constant time.
     * {@code scratch} must hold at least 20 bytes.
     */
    static boolean verifyHmac(final HMac mac, final byte[] msg, final int offset, final int integrityOffset,
                              final byte[] scratch) {
        computeHmac(mac, msg, offset, integrityOffset, scratch, 0);
        int diff = 0;
        final int valueStart = offset + integrityOffset + 4;
        for (int i = 0; i < Stun.MESSAGE_INTEGRITY_LENGTH; i++) {
            diff |= scratch[i] ^ msg[valueStart + i];
        }
        return diff == 0;
    }

    /**
     * RFC 8489 §14.7: CRC-32 of the message up to (excluding) the FINGERPRINT attribute, XOR
     * 0x5354554e. The header length must already include the FINGERPRINT attribute (it is last).
     */
    static int fingerprint(final CRC32 crc, final byte[] msg, final int offset, final int fingerprintOffset) {
        crc.reset();
        crc.update(msg, offset, fingerprintOffset);
        return (int) crc.getValue() ^ Stun.FINGERPRINT_XOR;
    }
}
