package dev.switchboard.node.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32;
import org.bouncycastle.crypto.macs.HMac;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * A decoded, structurally valid STUN message (RFC 8489 §5, §14). Immutable and thread-safe.
 * Obtain one from {@link StunDecoder}; build outgoing messages with {@link StunMessageBuilder}.
 *
 * <p>Attribute accessors return the first occurrence (RFC 8489 §14: only the first occurrence
 * needs to be processed) and ignore attributes that follow MESSAGE-INTEGRITY, except
 * FINGERPRINT (RFC 8489 §14.5).
 */
public final class StunMessage {
    private final byte[] raw;
    private final int messageType;
    private final List<StunAttribute> attributes;
    private final int integrityOffset;
    private final int fingerprintOffset;

    StunMessage(final byte[] raw, final List<StunAttribute> attributes, final int integrityOffset,
                final int fingerprintOffset) {
        this.raw = raw;
        this.messageType = Stun.messageTypeOf(raw, 0);
        this.attributes = List.copyOf(attributes);
        this.integrityOffset = integrityOffset;
        this.fingerprintOffset = fingerprintOffset;
    }

    /** @return the 14-bit message type, e.g. {@link Stun#BINDING_REQUEST} */
    public int messageType() {
        return messageType;
    }

    /** @return the 12-bit method, e.g. {@link Stun#METHOD_BINDING} */
    public int method() {
        return Stun.methodOf(messageType);
    }

    /** @return the class, one of {@code Stun.CLASS_*} */
    public int messageClass() {
        return Stun.classOf(messageType);
    }

    /** @return a copy of the 12-byte transaction id */
    public byte @NotNull [] transactionId() {
        return Arrays.copyOfRange(raw, 8, Stun.HEADER_LENGTH);
    }

    /** @return a copy of the whole encoded message */
    public byte @NotNull [] toBytes() {
        return raw.clone();
    }

    /** @return every attribute in wire order, including those after MESSAGE-INTEGRITY */
    public @NotNull List<StunAttribute> attributes() {
        return attributes;
    }

    /** @return the first attribute of {@code type} that counts (see class doc), or {@code null} */
    public @Nullable StunAttribute attribute(final int type) {
        for (final StunAttribute a : attributes) {
            if (integrityOffset >= 0 && a.offset() > integrityOffset && type != Stun.ATTR_FINGERPRINT) {
                return null; // RFC 8489 §14.5: ignore what follows MESSAGE-INTEGRITY
            }
            if (a.type() == type) {
                return a;
            }
        }
        return null;
    }

    /** @return XOR-MAPPED-ADDRESS (RFC 8489 §14.2), or {@code null} when absent */
    public @Nullable InetSocketAddress xorMappedAddress() {
        final StunAttribute a = attribute(Stun.ATTR_XOR_MAPPED_ADDRESS);
        return a == null ? null : decodeAddress(a.value(), true, raw);
    }

    /** @return MAPPED-ADDRESS (RFC 8489 §14.1), or {@code null} when absent */
    public @Nullable InetSocketAddress mappedAddress() {
        final StunAttribute a = attribute(Stun.ATTR_MAPPED_ADDRESS);
        return a == null ? null : decodeAddress(a.value(), false, raw);
    }

    /** @return USERNAME (RFC 8489 §14.3) decoded as UTF-8, or {@code null} when absent */
    public @Nullable String username() {
        return text(Stun.ATTR_USERNAME);
    }

    /** @return SOFTWARE (RFC 8489 §14.14) decoded as UTF-8, or {@code null} when absent */
    public @Nullable String software() {
        return text(Stun.ATTR_SOFTWARE);
    }

    /** @return ERROR-CODE (RFC 8489 §14.8), or {@code null} when absent */
    public @Nullable StunErrorCode errorCode() {
        final StunAttribute a = attribute(Stun.ATTR_ERROR_CODE);
        if (a == null) {
            return null;
        }
        final byte[] v = a.value();
        final int code = (v[2] & 0x07) * 100 + (v[3] & 0xFF);
        return new StunErrorCode(code, new String(v, 4, v.length - 4, StandardCharsets.UTF_8));
    }

    /** @return whether the message carries MESSAGE-INTEGRITY */
    public boolean hasMessageIntegrity() {
        return integrityOffset >= 0;
    }

    /** @return whether the message carries FINGERPRINT (already verified by the decoder) */
    public boolean hasFingerprint() {
        return fingerprintOffset >= 0;
    }

    /**
     * Verifies MESSAGE-INTEGRITY with a short-term credential (RFC 8489 §9.1.1: the key is the
     * password's bytes; ICE uses the ice-pwd as is, RFC 8445 §7.2.2).
     *
     * @param key the HMAC key
     * @return {@code true} only when MESSAGE-INTEGRITY is present and matches
     */
    public boolean verifyMessageIntegrity(final byte @NotNull [] key) {
        if (integrityOffset < 0) {
            return false;
        }
        final HMac mac = StunIntegrity.newHmacSha1(key);
        return StunIntegrity.verifyHmac(mac, raw, 0, integrityOffset, new byte[Stun.MESSAGE_INTEGRITY_LENGTH]);
    }

    /** @return {@code true} when FINGERPRINT is present and matches (RFC 8489 §14.7) */
    public boolean verifyFingerprint() {
        if (fingerprintOffset < 0) {
            return false;
        }
        return StunIntegrity.fingerprint(new CRC32(), raw, 0, fingerprintOffset)
                == Stun.readInt(raw, fingerprintOffset + 4);
    }

    private String text(final int type) {
        final StunAttribute a = attribute(type);
        return a == null ? null : new String(a.value(), StandardCharsets.UTF_8);
    }

    /**
     * RFC 8489 §14.1/§14.2: 1 reserved byte, family (0x01 IPv4, 0x02 IPv6), port, address.
     * Returns null when the value is malformed (the decoder rejects such messages up front).
     */
    static @Nullable InetSocketAddress decodeAddress(final byte[] v, final boolean xor, final byte[] header) {
        final int family = v.length >= 2 ? v[1] & 0xFF : -1;
        final int addressLength = family == 0x01 ? 4 : family == 0x02 ? 16 : -1;
        if (addressLength < 0 || v.length != 4 + addressLength) {
            return null;
        }
        int port = Stun.readShort(v, 2);
        final byte[] address = Arrays.copyOfRange(v, 4, v.length);
        if (xor) {
            // RFC 8489 §14.2: port XOR the cookie's top 16 bits; address XOR cookie (|| transaction id)
            port ^= Stun.MAGIC_COOKIE >>> 16;
            for (int i = 0; i < addressLength; i++) {
                address[i] ^= header[4 + i];
            }
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), port);
        } catch (UnknownHostException e) {
            return null; // cannot happen for 4 or 16 bytes
        }
    }
}
