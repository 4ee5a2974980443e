package dev.switchboard.node.stun;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class StunDecoderMalformedTest {

    /** A valid binding request with USERNAME, MI and FP, mutated per case. */
    private static byte[] base() {
        return new StunMessageBuilder(Stun.BINDING_REQUEST, Rfc5769Vectors.TRANSACTION_ID)
                .username("ufrag:other").messageIntegrity("pwd".getBytes(StandardCharsets.UTF_8))
                .fingerprint().build();
    }

    private static byte[] header(final int type, final int length, final int cookie) {
        final byte[] b = new byte[Stun.HEADER_LENGTH + length];
        Stun.writeShort(b, 0, type);
        Stun.writeShort(b, 2, length);
        Stun.writeInt(b, 4, cookie);
        return b;
    }

    private static byte[] withAttribute(final int type, final byte[] value) {
        return new StunMessageBuilder(Stun.BINDING_REQUEST, Rfc5769Vectors.TRANSACTION_ID).attribute(type, value).build();
    }

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("empty", new byte[0], StunDecodeError.TOO_SHORT),
                Arguments.of("19 bytes", Arrays.copyOf(base(), 19), StunDecodeError.TOO_SHORT),
                Arguments.of("leading bits 01", mutate(b -> { b[0] |= 0x40; return b; }), StunDecodeError.NOT_STUN_LEADING_BITS),
                Arguments.of("leading bits 10 (DTLS-like)", mutate(b -> { b[0] = (byte) 0x80; return b; }), StunDecodeError.NOT_STUN_LEADING_BITS),
                Arguments.of("RFC 3489 cookie", header(0x0001, 0, 0x12345678), StunDecodeError.BAD_MAGIC_COOKIE),
                Arguments.of("length not multiple of 4", mutate(b -> { b[3] += 1; return b; }), StunDecodeError.LENGTH_NOT_MULTIPLE_OF_4),
                Arguments.of("length too large", mutate(b -> { b[3] += 4; return b; }), StunDecodeError.LENGTH_MISMATCH),
                Arguments.of("trailing bytes", Arrays.copyOf(base(), base().length + 4), StunDecodeError.LENGTH_MISMATCH),
                Arguments.of("attribute header truncated", withTruncatedHeader(), StunDecodeError.ATTRIBUTE_TRUNCATED),
                Arguments.of("attribute value overruns", mutate(b -> { b[23] = 0x7f; return b; }), StunDecodeError.ATTRIBUTE_TRUNCATED),
                Arguments.of("XOR-MAPPED-ADDRESS family 3", withAttribute(Stun.ATTR_XOR_MAPPED_ADDRESS, new byte[] {0, 3, 0, 1, 1, 2, 3, 4}), StunDecodeError.BAD_ATTRIBUTE),
                Arguments.of("XOR-MAPPED-ADDRESS IPv4 with 16 bytes", withAttribute(Stun.ATTR_XOR_MAPPED_ADDRESS, new byte[20 - 16 + 16]) /* family 0 */, StunDecodeError.BAD_ATTRIBUTE),
                Arguments.of("MAPPED-ADDRESS IPv6 too short", withAttribute(Stun.ATTR_MAPPED_ADDRESS, new byte[] {0, 2, 0, 1, 1, 2, 3, 4}), StunDecodeError.BAD_ATTRIBUTE),
                Arguments.of("MESSAGE-INTEGRITY of 16 bytes", withAttribute(Stun.ATTR_MESSAGE_INTEGRITY, new byte[16]), StunDecodeError.BAD_ATTRIBUTE),
                Arguments.of("FINGERPRINT of 8 bytes", withAttribute(Stun.ATTR_FINGERPRINT, new byte[8]), StunDecodeError.BAD_ATTRIBUTE),
                Arguments.of("ERROR-CODE class 7", withAttribute(Stun.ATTR_ERROR_CODE, new byte[] {0, 0, 7, 0}), StunDecodeError.BAD_ATTRIBUTE),
                Arguments.of("ERROR-CODE number 100", withAttribute(Stun.ATTR_ERROR_CODE, new byte[] {0, 0, 4, 100}), StunDecodeError.BAD_ATTRIBUTE),
                Arguments.of("USERNAME of 514 bytes", withAttribute(Stun.ATTR_USERNAME, new byte[514]), StunDecodeError.BAD_ATTRIBUTE),
                Arguments.of("attribute after FINGERPRINT", attributeAfterFingerprint(), StunDecodeError.FINGERPRINT_NOT_LAST),
                Arguments.of("FINGERPRINT flipped", mutate(b -> { b[b.length - 1] ^= 1; return b; }), StunDecodeError.FINGERPRINT_MISMATCH),
                Arguments.of("USERNAME byte flipped (FP catches)", mutate(b -> { b[24] ^= 1; return b; }), StunDecodeError.FINGERPRINT_MISMATCH));
    }

    private static byte[] mutate(final UnaryOperator<byte[]> f) {
        return f.apply(base());
    }

    private static byte[] withTruncatedHeader() {
        final byte[] b = header(Stun.BINDING_REQUEST, 4, Stun.MAGIC_COOKIE);
        // 4 bytes of attribute header claiming 4 bytes of value that are not there
        Stun.writeShort(b, 20, Stun.ATTR_USERNAME);
        Stun.writeShort(b, 22, 4);
        return b;
    }

    private static byte[] attributeAfterFingerprint() {
        final byte[] fp = new StunMessageBuilder(Stun.BINDING_REQUEST, Rfc5769Vectors.TRANSACTION_ID).fingerprint().build();
        final byte[] b = Arrays.copyOf(fp, fp.length + 8);
        Stun.writeShort(b, 2, b.length - Stun.HEADER_LENGTH);
        Stun.writeShort(b, fp.length, Stun.ATTR_SOFTWARE);
        Stun.writeShort(b, fp.length + 2, 4);
        return b;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void decode_malformed_failsWithNamedError(final String name, final byte[] datagram, final StunDecodeError expected) {
        final StunDecodeResult result = StunDecoder.decode(datagram, 0, datagram.length);
        final StunDecodeResult.Failure failure = assertInstanceOf(StunDecodeResult.Failure.class, result, name);
        assertEquals(expected, failure.error(), failure.detail());
    }

    @Test
    void decode_baseFixture_succeeds() {
        final byte[] b = base();
        assertInstanceOf(StunDecodeResult.Success.class, StunDecoder.decode(b, 0, b.length));
    }

    @Test
    void decode_randomAndMutatedBytes_neverThrows() {
        final Random random = new Random(0x5354554eL); // fixed seed: reproducible
        final byte[][] seeds = {base(), Rfc5769Vectors.SAMPLE_REQUEST, Rfc5769Vectors.SAMPLE_IPV4_RESPONSE,
                Rfc5769Vectors.SAMPLE_IPV6_RESPONSE};
        final IceCheckVerifier verifier = new IceCheckVerifier("evtj", Rfc5769Vectors.PASSWORD);
        for (int i = 0; i < 20_000; i++) {
            final byte[] d;
            if (i % 3 == 0) {
                d = new byte[random.nextInt(120)];
                random.nextBytes(d);
                if (d.length >= 8 && random.nextBoolean()) { // make the header plausible more often
                    d[0] &= 0x03;
                    Stun.writeInt(d, 4, Stun.MAGIC_COOKIE);
                    Stun.writeShort(d, 2, (d.length - 20) & ~3);
                }
            } else {
                final byte[] seed = seeds[random.nextInt(seeds.length)];
                d = Arrays.copyOf(seed, random.nextInt(seed.length + 8));
                for (int flips = random.nextInt(4); flips >= 0; flips--) {
                    if (d.length > 0) {
                        d[random.nextInt(d.length)] = (byte) random.nextInt(256);
                    }
                }
            }
            assertDoesNotThrow(() -> {
                final StunMessage m = StunDecoder.decode(d, 0, d.length).messageOrNull();
                if (m != null) { // whatever decodes must answer every accessor without throwing
                    m.xorMappedAddress();
                    m.mappedAddress();
                    m.username();
                    m.software();
                    m.errorCode();
                    m.verifyFingerprint();
                    m.verifyMessageIntegrity(new byte[] {1});
                    StunDecoder.decode(m.toBytes(), 0, m.toBytes().length);
                }
                verifier.verify(d, 0, d.length);
                Stun.isStun(d, 0, d.length);
            }, () -> "input " + java.util.HexFormat.of().formatHex(d));
        }
    }
}
