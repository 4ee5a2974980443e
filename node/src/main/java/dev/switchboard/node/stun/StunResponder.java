package dev.switchboard.node.stun;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.LongAdder;
import java.util.zip.CRC32;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The STUN Binding service's decisions without sockets: checks one datagram in place and, for a
 * Binding request, writes the success response (RFC 8489 §6.3) with XOR-MAPPED-ADDRESS of the
 * source (§14.2), an optional SOFTWARE (§14.14) and FINGERPRINT (§14.7) into a buffer the caller
 * reuses. Everything else is dropped and counted; a bad datagram is never answered (no
 * amplification).
 *
 * <p>The check accepts exactly what {@link StunDecoder} decodes successfully (header, attribute
 * walk, value shapes, FINGERPRINT last and matching) and then requires a Binding request with no
 * unknown comprehension-required attribute (RFC 8489 §6.3.1.1 would answer 420; we stay silent).
 * It reads the datagram with absolute gets and allocates nothing; only a dropped datagram is
 * decoded again by {@link StunDecoder}, for the debug log.
 *
 * <p>Threading: {@link #answer} is confined to one thread (the service's I/O thread; it reuses
 * one CRC32 and caches the last source address's bytes); {@link #counters()} may be read from any
 * thread.
 */
public final class StunResponder {
    private static final Logger LOG = LoggerFactory.getLogger(StunResponder.class);
    /** Larger datagrams are not STUN we answer (a Binding request is tiny). */
    public static final int MAX_DATAGRAM = 1500;
    /** Largest response: header, XOR-MAPPED-ADDRESS (IPv6), SOFTWARE (763 bytes) and FINGERPRINT. */
    public static final int MAX_RESPONSE = Stun.HEADER_LENGTH + 24 + 4 + 764 + 8;

    private static final int MALFORMED = 0;
    private static final int IGNORED = 1;
    private static final int ANSWER = 2;

    private final StunBindingListener listener;
    private final byte @Nullable [] software;
    private final CRC32 crc = new CRC32();
    private final LongAdder answered = new LongAdder();
    private final LongAdder droppedMalformed = new LongAdder();
    private final LongAdder ignored = new LongAdder();
    private InetAddress lastAddress;
    private byte[] lastAddressBytes;

    /**
     * @param listener told about every answered source before the answer is sent
     * @param software value of a SOFTWARE attribute to add to each answer, at most 763 bytes of
     *     UTF-8, or null for none (smaller answers)
     * @throws IllegalArgumentException when {@code software} is longer than 763 bytes
     */
    public StunResponder(final @NotNull StunBindingListener listener, final @Nullable String software) {
        this.listener = listener;
        this.software = software == null ? null : software.getBytes(StandardCharsets.UTF_8);
        if (this.software != null && this.software.length > 763) {
            throw new IllegalArgumentException("SOFTWARE of " + this.software.length + " bytes exceeds 763");
        }
    }

    /** @return a snapshot of the counters; any thread */
    public @NotNull StunServerCounters counters() {
        return new StunServerCounters(answered.sum(), droppedMalformed.sum(), ignored.sum());
    }

    /**
     * Decides one datagram; owning thread only. Allocation-free for a Binding request from the
     * same source address object as the previous one.
     *
     * @param request the datagram between position and limit, a big-endian buffer (the default);
     *     left unchanged
     * @param source where it came from
     * @param response where the answer is written, cleared first; at least {@link #MAX_RESPONSE}
     *     bytes of capacity, big-endian; holds the answer between position and limit when the
     *     method returns true
     * @return whether to send {@code response} to {@code source}; false: dropped and counted
     */
    public boolean answer(final @NotNull ByteBuffer request, final @NotNull InetSocketAddress source,
                          final @NotNull ByteBuffer response) {
        final int verdict = check(request);
        if (verdict != ANSWER) {
            if (verdict == MALFORMED) {
                droppedMalformed.increment();
            } else {
                ignored.increment(); // RFC 8489 §6.3: indications, responses, unknown required attributes
            }
            if (LOG.isDebugEnabled()) {
                LOG.debug("dropped STUN datagram of {} bytes: {}", request.remaining(), describe(request));
            }
            return false;
        }
        writeResponse(request, source, response);
        answered.increment();
        try {
            // before the response leaves: the client may use the relay as soon as it has the answer
            listener.bindingAnswered(source);
        } catch (final RuntimeException e) {
            LOG.warn("STUN binding listener failed", e);
        }
        return true;
    }

    private static String describe(final ByteBuffer request) {
        if (request.remaining() > MAX_DATAGRAM) {
            return "larger than " + MAX_DATAGRAM + " bytes";
        }
        final StunDecodeResult r = StunDecoder.decode(request);
        return r instanceof StunDecodeResult.Failure f ? f.error() + " (" + f.detail() + ")"
                : "not a Binding request, or an unknown comprehension-required attribute";
    }

    private void writeResponse(final ByteBuffer request, final InetSocketAddress source, final ByteBuffer out) {
        final int start = request.position();
        final InetAddress address = source.getAddress();
        if (address != lastAddress) {
            lastAddress = address;
            lastAddressBytes = address.getAddress();
        }
        final byte[] ip = lastAddressBytes;
        final boolean v4 = address instanceof Inet4Address;
        out.clear();
        out.putShort((short) Stun.BINDING_SUCCESS_RESPONSE);
        out.putShort((short) 0); // length, set below
        out.putInt(Stun.MAGIC_COOKIE);
        for (int i = 8; i < Stun.HEADER_LENGTH; i++) {
            out.put(request.get(start + i)); // transaction id
        }
        // RFC 8489 §14.2: XOR-MAPPED-ADDRESS, port XOR the cookie's top half, address XOR cookie + id
        out.putShort((short) Stun.ATTR_XOR_MAPPED_ADDRESS);
        out.putShort((short) (v4 ? 8 : 20));
        out.put((byte) 0);
        out.put((byte) (v4 ? 0x01 : 0x02));
        out.putShort((short) (source.getPort() ^ (Stun.MAGIC_COOKIE >>> 16)));
        for (int i = 0; i < ip.length; i++) {
            out.put((byte) (ip[i] ^ out.get(4 + i))); // header bytes 4.. are the cookie, then the id
        }
        if (software != null) {
            out.putShort((short) Stun.ATTR_SOFTWARE);
            out.putShort((short) software.length);
            out.put(software);
            for (int pad = (4 - software.length % 4) % 4; pad > 0; pad--) {
                out.put((byte) 0);
            }
        }
        final int fingerprintAt = out.position();
        out.putShort(2, (short) (fingerprintAt + 8 - Stun.HEADER_LENGTH));
        out.putShort((short) Stun.ATTR_FINGERPRINT);
        out.putShort((short) 4);
        crc.reset();
        out.flip();
        out.limit(fingerprintAt);
        crc.update(out); // RFC 8489 §14.7: over everything before FINGERPRINT, length already final
        out.limit(fingerprintAt + 8);
        out.putInt(fingerprintAt + 4, (int) crc.getValue() ^ Stun.FINGERPRINT_XOR);
        out.position(0);
    }

    /** The checks of {@link StunDecoder}, in place, then the Binding-request rules. */
    private int check(final ByteBuffer m) {
        final int start = m.position();
        final int length = m.remaining();
        if (length > MAX_DATAGRAM || length < Stun.HEADER_LENGTH || (m.get(start) & 0xC0) != 0
                || m.getInt(start + 4) != Stun.MAGIC_COOKIE) {
            return MALFORMED;
        }
        final int messageLength = uint16(m, start + 2);
        if ((messageLength & 3) != 0 || messageLength != length - Stun.HEADER_LENGTH) {
            return MALFORMED;
        }
        boolean unknownRequired = false;
        int fingerprintAt = -1;
        int pos = Stun.HEADER_LENGTH;
        while (pos < length) {
            if (fingerprintAt >= 0 || length - pos < 4) {
                return MALFORMED; // RFC 8489 §14.7: FINGERPRINT last; truncated attribute header
            }
            final int type = uint16(m, start + pos);
            final int valueLength = uint16(m, start + pos + 2);
            final int padded = (valueLength + 3) & ~3;
            if (padded > length - pos - 4 || !valueAcceptable(m, type, start + pos + 4, valueLength)) {
                return MALFORMED;
            }
            if (type == Stun.ATTR_FINGERPRINT) {
                fingerprintAt = pos;
            }
            unknownRequired |= type < 0x8000 && !known(type); // RFC 8489 §14: 0x0000-0x7FFF comprehension-required
            pos += 4 + padded;
        }
        if (fingerprintAt >= 0) {
            crc.reset();
            final ByteBuffer view = m; // absolute window, restored below
            final int limit = view.limit();
            view.limit(start + fingerprintAt);
            crc.update(view);
            view.limit(limit);
            view.position(start);
            if (((int) crc.getValue() ^ Stun.FINGERPRINT_XOR) != m.getInt(start + fingerprintAt + 4)) {
                return MALFORMED;
            }
        }
        if (uint16(m, start) != Stun.BINDING_REQUEST || unknownRequired) {
            return IGNORED;
        }
        return ANSWER;
    }

    /** The value shapes {@link StunDecoder} checks (RFC 8489 §14.1-§14.8, §14.14). */
    private static boolean valueAcceptable(final ByteBuffer m, final int type, final int at, final int len) {
        return switch (type) {
            case Stun.ATTR_MAPPED_ADDRESS, Stun.ATTR_XOR_MAPPED_ADDRESS -> len >= 2
                    && ((m.get(at + 1) & 0xFF) == 0x01 && len == 8 || (m.get(at + 1) & 0xFF) == 0x02 && len == 20);
            case Stun.ATTR_USERNAME -> len <= 513;
            case Stun.ATTR_SOFTWARE -> len <= 763;
            case Stun.ATTR_MESSAGE_INTEGRITY -> len == Stun.MESSAGE_INTEGRITY_LENGTH;
            case Stun.ATTR_FINGERPRINT -> len == 4;
            case Stun.ATTR_ERROR_CODE -> len >= 4 && len <= 4 + 763 && (m.get(at + 2) & 0x07) >= 3
                    && (m.get(at + 2) & 0x07) <= 6 && (m.get(at + 3) & 0xFF) <= 99;
            default -> true;
        };
    }

    /** Comprehension-required attributes we understand (RFC 8489 §18.3, RFC 8445 §16.1). */
    static boolean known(final int type) {
        return switch (type) {
            case Stun.ATTR_MAPPED_ADDRESS, Stun.ATTR_USERNAME, Stun.ATTR_MESSAGE_INTEGRITY, Stun.ATTR_ERROR_CODE,
                    Stun.ATTR_UNKNOWN_ATTRIBUTES, Stun.ATTR_REALM, Stun.ATTR_NONCE, Stun.ATTR_MESSAGE_INTEGRITY_SHA256,
                    Stun.ATTR_PASSWORD_ALGORITHM, Stun.ATTR_USERHASH, Stun.ATTR_XOR_MAPPED_ADDRESS,
                    Stun.ATTR_PRIORITY, Stun.ATTR_USE_CANDIDATE -> true;
            default -> false;
        };
    }

    private static int uint16(final ByteBuffer b, final int i) {
        return b.getShort(i) & 0xFFFF;
    }
}
