package dev.switchboard.node.stun;

import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.bouncycastle.crypto.macs.HMac;
import org.jetbrains.annotations.NotNull;

/**
 * Encodes STUN messages (RFC 8489 §5, §14). Not thread-safe; one builder per message.
 * Attributes are written in call order; padding bytes are zero unless {@link #padding} says otherwise. Finish with {@link #build()},
 * optionally after {@link #messageIntegrity(byte[])} and/or {@link #fingerprint()}, which must
 * come last in that order (RFC 8489 §14.5, §14.7).
 *
 * <pre>{@code
 * byte[] response = StunMessageBuilder.bindingSuccess(request.transactionId(), source)
 *         .fingerprint().build();
 * }</pre>
 */
public final class StunMessageBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();

    private byte[] buf = new byte[128];
    private int length = Stun.HEADER_LENGTH;
    private boolean integrityAdded;
    private boolean fingerprintAdded;
    private byte padding;

    /**
     * @param messageType 14-bit type, e.g. {@link Stun#BINDING_REQUEST}
     * @param transactionId exactly 12 bytes (RFC 8489 §5)
     * @throws IllegalArgumentException for a bad type or transaction id length
     */
    public StunMessageBuilder(final int messageType, final byte @NotNull [] transactionId) {
        if (messageType < 0 || messageType > 0x3FFF) {
            throw new IllegalArgumentException("message type " + messageType + " not 14 bits");
        }
        if (transactionId.length != Stun.TRANSACTION_ID_LENGTH) {
            throw new IllegalArgumentException("transaction id of " + transactionId.length + " bytes, expected 12");
        }
        Stun.writeShort(buf, 0, messageType);
        Stun.writeInt(buf, 4, Stun.MAGIC_COOKIE);
        System.arraycopy(transactionId, 0, buf, 8, Stun.TRANSACTION_ID_LENGTH);
    }

    /**
     * Sets the byte used to pad attribute values to 4 bytes for attributes added afterwards
     * (default 0). RFC 8489 §14: padding may be any value; RFC 5769 uses 0x20.
     */
    public @NotNull StunMessageBuilder padding(final byte value) {
        this.padding = value;
        return this;
    }

    /** @return a new random 96-bit transaction id (RFC 8489 §5: uniformly random) */
    public static byte @NotNull [] newTransactionId() {
        final byte[] id = new byte[Stun.TRANSACTION_ID_LENGTH];
        RANDOM.nextBytes(id);
        return id;
    }

    /** @return a builder for a Binding success response carrying XOR-MAPPED-ADDRESS of {@code mapped} */
    public static @NotNull StunMessageBuilder bindingSuccess(final byte @NotNull [] transactionId,
                                                             final @NotNull InetSocketAddress mapped) {
        return new StunMessageBuilder(Stun.BINDING_SUCCESS_RESPONSE, transactionId).xorMappedAddress(mapped);
    }

    /**
     * Adds an attribute with a raw value (padded with zeros to 4 bytes).
     *
     * @param type 16-bit attribute type
     * @param value at most 65535 bytes
     */
    public @NotNull StunMessageBuilder attribute(final int type, final byte @NotNull [] value) {
        if (integrityAdded || fingerprintAdded) {
            throw new IllegalStateException("attributes must precede MESSAGE-INTEGRITY and FINGERPRINT");
        }
        return put(type, value);
    }

    /** Adds XOR-MAPPED-ADDRESS (RFC 8489 §14.2) for an IPv4 or IPv6 address. */
    public @NotNull StunMessageBuilder xorMappedAddress(final @NotNull InetSocketAddress address) {
        final byte[] v = addressValue(address);
        Stun.writeShort(v, 2, address.getPort() ^ (Stun.MAGIC_COOKIE >>> 16));
        for (int i = 4; i < v.length; i++) {
            v[i] ^= buf[i]; // header bytes 4.. are the cookie, then the transaction id
        }
        return attribute(Stun.ATTR_XOR_MAPPED_ADDRESS, v);
    }

    /** Adds MAPPED-ADDRESS (RFC 8489 §14.1, kept for RFC 3489 clients). */
    public @NotNull StunMessageBuilder mappedAddress(final @NotNull InetSocketAddress address) {
        final byte[] v = addressValue(address);
        Stun.writeShort(v, 2, address.getPort());
        return attribute(Stun.ATTR_MAPPED_ADDRESS, v);
    }

    /** Adds USERNAME (RFC 8489 §14.3), at most 513 UTF-8 bytes. */
    public @NotNull StunMessageBuilder username(final @NotNull String username) {
        final byte[] v = username.getBytes(StandardCharsets.UTF_8);
        if (v.length > 513) {
            throw new IllegalArgumentException("USERNAME of " + v.length + " bytes exceeds 513");
        }
        return attribute(Stun.ATTR_USERNAME, v);
    }

    /** Adds SOFTWARE (RFC 8489 §14.14), fewer than 128 characters. */
    public @NotNull StunMessageBuilder software(final @NotNull String software) {
        if (software.length() > 127) {
            throw new IllegalArgumentException("SOFTWARE longer than 127 characters");
        }
        return attribute(Stun.ATTR_SOFTWARE, software.getBytes(StandardCharsets.UTF_8));
    }

    /** Adds ERROR-CODE (RFC 8489 §14.8); reason at most 127 characters. */
    public @NotNull StunMessageBuilder errorCode(final @NotNull StunErrorCode error) {
        if (error.reason().length() > 127) {
            throw new IllegalArgumentException("reason phrase longer than 127 characters");
        }
        final byte[] reason = error.reason().getBytes(StandardCharsets.UTF_8);
        final byte[] v = new byte[4 + reason.length];
        v[2] = (byte) (error.code() / 100);
        v[3] = (byte) (error.code() % 100);
        System.arraycopy(reason, 0, v, 4, reason.length);
        return attribute(Stun.ATTR_ERROR_CODE, v);
    }

    /**
     * Appends MESSAGE-INTEGRITY (RFC 8489 §14.5) keyed with a short-term credential (the password
     * bytes, §9.1.1). Only FINGERPRINT may follow.
     */
    public @NotNull StunMessageBuilder messageIntegrity(final byte @NotNull [] key) {
        if (integrityAdded || fingerprintAdded) {
            throw new IllegalStateException("MESSAGE-INTEGRITY already added or after FINGERPRINT");
        }
        final int at = length;
        put(Stun.ATTR_MESSAGE_INTEGRITY, new byte[Stun.MESSAGE_INTEGRITY_LENGTH]);
        final HMac mac = StunIntegrity.newHmacSha1(key);
        StunIntegrity.computeHmac(mac, buf, 0, at, buf, at + 4);
        integrityAdded = true;
        return this;
    }

    /** Appends FINGERPRINT (RFC 8489 §14.7); nothing may follow. */
    public @NotNull StunMessageBuilder fingerprint() {
        if (fingerprintAdded) {
            throw new IllegalStateException("FINGERPRINT already added");
        }
        final int at = length;
        put(Stun.ATTR_FINGERPRINT, new byte[4]);
        Stun.writeInt(buf, at + 4, StunIntegrity.fingerprint(new CRC32(), buf, 0, at));
        fingerprintAdded = true;
        return this;
    }

    /** @return the encoded message; the builder may not be used afterwards */
    public byte @NotNull [] build() {
        return Arrays.copyOf(buf, length);
    }

    private StunMessageBuilder put(final int type, final byte[] value) {
        if (value.length > 0xFFFF) {
            throw new IllegalArgumentException("attribute value of " + value.length + " bytes");
        }
        final int padded = (value.length + 3) & ~3;
        if (length + 4 + padded - Stun.HEADER_LENGTH > 0xFFFF) {
            throw new IllegalStateException("message would exceed 65535 bytes of attributes");
        }
        ensure(length + 4 + padded);
        Stun.writeShort(buf, length, type);
        Stun.writeShort(buf, length + 2, value.length);
        System.arraycopy(value, 0, buf, length + 4, value.length);
        Arrays.fill(buf, length + 4 + value.length, length + 4 + padded, padding);
        length += 4 + padded;
        Stun.writeShort(buf, 2, length - Stun.HEADER_LENGTH); // RFC 8489 §5: length excludes the header
        return this;
    }

    private void ensure(final int capacity) {
        if (capacity > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(capacity, buf.length * 2));
        }
    }

    private static byte[] addressValue(final InetSocketAddress address) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("unresolved address");
        }
        final byte[] ip = address.getAddress().getAddress();
        final byte[] v = new byte[4 + ip.length];
        v[1] = (byte) (address.getAddress() instanceof Inet4Address ? 0x01 : 0x02); // RFC 8489 §14.1 family
        System.arraycopy(ip, 0, v, 4, ip.length);
        return v;
    }
}
