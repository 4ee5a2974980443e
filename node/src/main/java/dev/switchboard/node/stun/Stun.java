package dev.switchboard.node.stun;

import org.jetbrains.annotations.NotNull;

/**
 * STUN constants (RFC 8489) and allocation-free helpers that look at a datagram held in a
 * {@code byte[]} without decoding it.
 *
 * <p>All helpers are static, thread-safe and never throw for any content of the array; they
 * throw only for programmer errors (offset/length outside the array).
 */
public final class Stun {
    /** RFC 8489 §5: the magic cookie, fixed value 0x2112A442 in network byte order. */
    public static final int MAGIC_COOKIE = 0x2112A442;
    /** RFC 8489 §5: the header is 20 bytes (type, length, cookie, 96-bit transaction id). */
    public static final int HEADER_LENGTH = 20;
    /** RFC 8489 §5: the transaction id is 96 bits. */
    public static final int TRANSACTION_ID_LENGTH = 12;

    /** RFC 8489 §18.2: Binding method. */
    public static final int METHOD_BINDING = 0x001;

    /** RFC 8489 §5: message classes (C1 C0). */
    public static final int CLASS_REQUEST = 0b00;
    public static final int CLASS_INDICATION = 0b01;
    public static final int CLASS_SUCCESS_RESPONSE = 0b10;
    public static final int CLASS_ERROR_RESPONSE = 0b11;

    /** Binding request message type (0x0001). */
    public static final int BINDING_REQUEST = messageType(METHOD_BINDING, CLASS_REQUEST);
    /** Binding success response message type (0x0101). */
    public static final int BINDING_SUCCESS_RESPONSE = messageType(METHOD_BINDING, CLASS_SUCCESS_RESPONSE);
    /** Binding error response message type (0x0111). */
    public static final int BINDING_ERROR_RESPONSE = messageType(METHOD_BINDING, CLASS_ERROR_RESPONSE);

    // RFC 8489 §18.3 attribute registry (the ones we use), plus RFC 8445 §16.1 ICE attributes.
    public static final int ATTR_MAPPED_ADDRESS = 0x0001;
    public static final int ATTR_USERNAME = 0x0006;
    public static final int ATTR_MESSAGE_INTEGRITY = 0x0008;
    public static final int ATTR_ERROR_CODE = 0x0009;
    public static final int ATTR_UNKNOWN_ATTRIBUTES = 0x000A;
    public static final int ATTR_REALM = 0x0014;
    public static final int ATTR_NONCE = 0x0015;
    public static final int ATTR_MESSAGE_INTEGRITY_SHA256 = 0x001C;
    public static final int ATTR_PASSWORD_ALGORITHM = 0x001D;
    public static final int ATTR_USERHASH = 0x001E;
    public static final int ATTR_XOR_MAPPED_ADDRESS = 0x0020;
    public static final int ATTR_PRIORITY = 0x0024;
    public static final int ATTR_USE_CANDIDATE = 0x0025;
    public static final int ATTR_PASSWORD_ALGORITHMS = 0x8002;
    public static final int ATTR_ALTERNATE_DOMAIN = 0x8003;
    public static final int ATTR_SOFTWARE = 0x8022;
    public static final int ATTR_ALTERNATE_SERVER = 0x8023;
    public static final int ATTR_FINGERPRINT = 0x8028;
    public static final int ATTR_ICE_CONTROLLED = 0x8029;
    public static final int ATTR_ICE_CONTROLLING = 0x802A;

    /** RFC 8489 §14.7: FINGERPRINT is CRC-32 of the message XOR 0x5354554e. */
    public static final int FINGERPRINT_XOR = 0x5354554e;
    /** RFC 8489 §14.5: MESSAGE-INTEGRITY value is a 20-byte HMAC-SHA1. */
    public static final int MESSAGE_INTEGRITY_LENGTH = 20;

    private Stun() {
    }

    /**
     * Builds a 14-bit message type from method and class (RFC 8489 §5: M11..M7, C1, M6..M4,
     * C0, M3..M0).
     *
     * @param method 12-bit method, 0..0xFFF
     * @param messageClass 2-bit class, 0..3
     * @return the message type, 0..0x3FFF
     */
    public static int messageType(final int method, final int messageClass) {
        if (method < 0 || method > 0xFFF || messageClass < 0 || messageClass > 3) {
            throw new IllegalArgumentException("method " + method + " or class " + messageClass + " out of range");
        }
        return ((method & 0xF80) << 2) | ((method & 0x070) << 1) | (method & 0x00F)
                | ((messageClass & 0b10) << 7) | ((messageClass & 0b01) << 4);
    }

    /** @return the 12-bit method of a 14-bit message type (RFC 8489 §5). */
    public static int methodOf(final int messageType) {
        return ((messageType >> 2) & 0xF80) | ((messageType >> 1) & 0x070) | (messageType & 0x00F);
    }

    /** @return the 2-bit class of a 14-bit message type (RFC 8489 §5). */
    public static int classOf(final int messageType) {
        return ((messageType >> 7) & 0b10) | ((messageType >> 4) & 0b01);
    }

    /**
     * Cheap demultiplexing test (RFC 7983 §7 / RFC 8489 §5): at least a header, the first byte
     * in 0..3 (two most significant bits zero) and the magic cookie in place. Does not validate
     * length or attributes. Allocation-free.
     *
     * @param datagram buffer holding the datagram
     * @param offset start of the datagram
     * @param length datagram length in bytes
     * @return whether the datagram looks like STUN
     */
    public static boolean isStun(final byte @NotNull [] datagram, final int offset, final int length) {
        checkBounds(datagram, offset, length);
        return length >= HEADER_LENGTH
                && (datagram[offset] & 0xC0) == 0 // RFC 8489 §5: the most significant 2 bits are zero
                && readInt(datagram, offset + 4) == MAGIC_COOKIE; // RFC 8489 §5: magic cookie
    }

    /**
     * @return the 14-bit message type of a datagram already known to pass {@link #isStun}
     */
    public static int messageTypeOf(final byte @NotNull [] datagram, final int offset) {
        return readShort(datagram, offset) & 0x3FFF;
    }

    /**
     * @return the first 8 bytes of the transaction id (bytes 8..15 of the header) as a long, big
     *         endian; with {@link #transactionIdLow} identifies a transaction without allocating
     */
    public static long transactionIdHigh(final byte @NotNull [] datagram, final int offset) {
        return ((long) readInt(datagram, offset + 8) << 32) | (readInt(datagram, offset + 12) & 0xFFFFFFFFL);
    }

    /** @return the last 4 bytes of the transaction id (bytes 16..19 of the header), big endian */
    public static int transactionIdLow(final byte @NotNull [] datagram, final int offset) {
        return readInt(datagram, offset + 16);
    }

    static int readShort(final byte[] b, final int i) {
        return ((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF);
    }

    static int readInt(final byte[] b, final int i) {
        return ((b[i] & 0xFF) << 24) | ((b[i + 1] & 0xFF) << 16) | ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
    }

    static void writeShort(final byte[] b, final int i, final int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    static void writeInt(final byte[] b, final int i, final int v) {
        b[i] = (byte) (v >>> 24);
        b[i + 1] = (byte) (v >>> 16);
        b[i + 2] = (byte) (v >>> 8);
        b[i + 3] = (byte) v;
    }

    static void checkBounds(final byte[] datagram, final int offset, final int length) {
        if (offset < 0 || length < 0 || offset > datagram.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " length " + length
                    + " outside array of " + datagram.length);
        }
    }
}
