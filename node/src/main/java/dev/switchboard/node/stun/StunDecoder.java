package dev.switchboard.node.stun;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.jetbrains.annotations.NotNull;

/**
 * Decodes one UDP datagram into a {@link StunMessage} or a {@link StunDecodeResult.Failure}.
 * Stateless and thread-safe; never throws for any datagram content (only for programmer errors
 * such as an offset outside the array).
 *
 * <p>Checks: header (RFC 8489 §5: leading bits, magic cookie, length a multiple of 4 and equal to
 * the datagram), attribute walk with padding (§14), value shapes of the attributes this node
 * understands (§14.1-§14.8, §14.14), FINGERPRINT last and matching (§14.7). Unknown attributes are
 * kept; whether to reject unknown comprehension-required ones is the caller's decision (§6.3).
 * MESSAGE-INTEGRITY needs a key and is verified by {@link StunMessage#verifyMessageIntegrity}.
 */
public final class StunDecoder {
    private StunDecoder() {
    }

    /**
     * Decodes the remaining bytes of {@code datagram} (position to limit). The buffer's position
     * is not changed.
     */
    public static @NotNull StunDecodeResult decode(final @NotNull ByteBuffer datagram) {
        final byte[] copy = new byte[datagram.remaining()];
        datagram.duplicate().get(copy);
        return decodeOwned(copy);
    }

    /**
     * Decodes {@code length} bytes at {@code offset} (copied; the caller may reuse the array).
     *
     * @throws IndexOutOfBoundsException when offset/length do not lie within the array
     */
    public static @NotNull StunDecodeResult decode(final byte @NotNull [] datagram, final int offset, final int length) {
        Stun.checkBounds(datagram, offset, length);
        return decodeOwned(Arrays.copyOfRange(datagram, offset, offset + length));
    }

    private static StunDecodeResult decodeOwned(final byte[] m) {
        final int length = m.length;
        if (length < Stun.HEADER_LENGTH) {
            return fail(StunDecodeError.TOO_SHORT, "datagram of " + length + " bytes is shorter than the 20-byte header");
        }
        if ((m[0] & 0xC0) != 0) { // RFC 8489 §5: the most significant 2 bits are zero
            return fail(StunDecodeError.NOT_STUN_LEADING_BITS, String.format("first byte 0x%02x has leading bits set", m[0] & 0xFF));
        }
        final int cookie = Stun.readInt(m, 4);
        if (cookie != Stun.MAGIC_COOKIE) { // RFC 8489 §5: magic cookie 0x2112A442
            return fail(StunDecodeError.BAD_MAGIC_COOKIE, String.format("magic cookie 0x%08x", cookie));
        }
        final int messageLength = Stun.readShort(m, 2);
        if ((messageLength & 3) != 0) { // RFC 8489 §5: last 2 bits of the length are zero
            return fail(StunDecodeError.LENGTH_NOT_MULTIPLE_OF_4, "message length " + messageLength + " is not a multiple of 4");
        }
        if (messageLength != length - Stun.HEADER_LENGTH) {
            return fail(StunDecodeError.LENGTH_MISMATCH, "message length " + messageLength
                    + " does not match datagram of " + length + " bytes");
        }
        final List<StunAttribute> attributes = new ArrayList<>();
        int integrityOffset = -1;
        int fingerprintOffset = -1;
        int pos = Stun.HEADER_LENGTH;
        while (pos < length) {
            if (fingerprintOffset >= 0) { // RFC 8489 §14.7: FINGERPRINT MUST be the last attribute
                return fail(StunDecodeError.FINGERPRINT_NOT_LAST, "attribute after FINGERPRINT at offset " + pos);
            }
            if (length - pos < 4) {
                return fail(StunDecodeError.ATTRIBUTE_TRUNCATED, "attribute header at offset " + pos + " truncated");
            }
            final int type = Stun.readShort(m, pos);
            final int valueLength = Stun.readShort(m, pos + 2);
            final int padded = (valueLength + 3) & ~3; // RFC 8489 §14: values padded to 4 bytes
            if (padded > length - pos - 4) {
                return fail(StunDecodeError.ATTRIBUTE_TRUNCATED, String.format(
                        "attribute 0x%04x at offset %d: value length %d exceeds the message", type, pos, valueLength));
            }
            final byte[] value = Arrays.copyOfRange(m, pos + 4, pos + 4 + valueLength);
            final String problem = checkValue(type, value);
            if (problem != null) {
                return fail(StunDecodeError.BAD_ATTRIBUTE, String.format("attribute 0x%04x at offset %d: %s", type, pos, problem));
            }
            if (type == Stun.ATTR_MESSAGE_INTEGRITY && integrityOffset < 0) {
                integrityOffset = pos;
            } else if (type == Stun.ATTR_FINGERPRINT) {
                fingerprintOffset = pos;
            }
            attributes.add(new StunAttribute(type, pos, value));
            pos += 4 + padded;
        }
        if (fingerprintOffset >= 0) {
            final int expected = StunIntegrity.fingerprint(new CRC32(), m, 0, fingerprintOffset);
            final int actual = Stun.readInt(m, fingerprintOffset + 4);
            if (expected != actual) { // RFC 8489 §14.7
                return fail(StunDecodeError.FINGERPRINT_MISMATCH,
                        String.format("FINGERPRINT 0x%08x, expected 0x%08x", actual, expected));
            }
        }
        return new StunDecodeResult.Success(new StunMessage(m, attributes, integrityOffset, fingerprintOffset));
    }

    /** @return null when acceptable, else a description of the problem */
    private static String checkValue(final int type, final byte[] v) {
        switch (type) {
            case Stun.ATTR_MAPPED_ADDRESS, Stun.ATTR_XOR_MAPPED_ADDRESS -> {
                if (v.length < 2) {
                    return "address value of " + v.length + " bytes";
                }
                final int family = v[1] & 0xFF;
                if (family == 0x01 && v.length == 8 || family == 0x02 && v.length == 20) { // RFC 8489 §14.1
                    return null;
                }
                return "address family " + family + " with value of " + v.length + " bytes";
            }
            case Stun.ATTR_USERNAME -> {
                return v.length > 513 ? "USERNAME of " + v.length + " bytes exceeds 513" : null; // RFC 8489 §14.3
            }
            case Stun.ATTR_SOFTWARE -> {
                return v.length > 763 ? "SOFTWARE of " + v.length + " bytes exceeds 763" : null; // RFC 8489 §14.14
            }
            case Stun.ATTR_MESSAGE_INTEGRITY -> {
                return v.length != Stun.MESSAGE_INTEGRITY_LENGTH
                        ? "MESSAGE-INTEGRITY of " + v.length + " bytes, expected 20" : null; // RFC 8489 §14.5
            }
            case Stun.ATTR_FINGERPRINT -> {
                return v.length != 4 ? "FINGERPRINT of " + v.length + " bytes, expected 4" : null; // RFC 8489 §14.7
            }
            case Stun.ATTR_ERROR_CODE -> {
                if (v.length < 4 || v.length > 4 + 763) { // RFC 8489 §14.8: reason < 128 chars (763 bytes)
                    return "ERROR-CODE of " + v.length + " bytes";
                }
                final int errorClass = v[2] & 0x07;
                final int number = v[3] & 0xFF;
                if (errorClass < 3 || errorClass > 6 || number > 99) { // RFC 8489 §14.8
                    return "ERROR-CODE class " + errorClass + " number " + number;
                }
                return null;
            }
            default -> {
                return null;
            }
        }
    }

    private static StunDecodeResult fail(final StunDecodeError error, final String detail) {
        return new StunDecodeResult.Failure(error, detail);
    }
}
