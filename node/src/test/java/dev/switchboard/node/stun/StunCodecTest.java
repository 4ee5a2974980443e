package dev.switchboard.node.stun;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class StunCodecTest {
    private static final byte[] KEY = Rfc5769Vectors.PASSWORD.getBytes(StandardCharsets.UTF_8);

    private static StunMessage decodeOk(final byte[] datagram) {
        final StunDecodeResult result = StunDecoder.decode(datagram, 0, datagram.length);
        return assertInstanceOf(StunDecodeResult.Success.class, result, () -> result.toString()).message();
    }

    @Test
    void decode_rfc5769SampleRequest_integrityAndFingerprintVerify() {
        final StunMessage m = decodeOk(Rfc5769Vectors.SAMPLE_REQUEST);
        assertEquals(Stun.BINDING_REQUEST, m.messageType());
        assertEquals(Stun.METHOD_BINDING, m.method());
        assertEquals(Stun.CLASS_REQUEST, m.messageClass());
        assertArrayEquals(Rfc5769Vectors.TRANSACTION_ID, m.transactionId());
        assertEquals("STUN test client", m.software());
        assertEquals(Rfc5769Vectors.REQUEST_USERNAME, m.username());
        assertTrue(m.verifyMessageIntegrity(KEY));
        assertTrue(m.verifyFingerprint());
        assertFalse(m.verifyMessageIntegrity("wrong".getBytes(StandardCharsets.UTF_8)));
        assertEquals(6, m.attributes().size());
    }

    @Test
    void decode_rfc5769Ipv4Response_xorMappedAddressIs192_0_2_1_32853() throws Exception {
        final StunMessage m = decodeOk(Rfc5769Vectors.SAMPLE_IPV4_RESPONSE);
        assertEquals(Stun.BINDING_SUCCESS_RESPONSE, m.messageType());
        assertEquals("test vector", m.software());
        assertEquals(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853), m.xorMappedAddress());
        assertTrue(m.verifyMessageIntegrity(KEY));
        assertTrue(m.verifyFingerprint());
    }

    @Test
    void decode_rfc5769Ipv6Response_xorMappedAddressDecodes() throws Exception {
        final StunMessage m = decodeOk(Rfc5769Vectors.SAMPLE_IPV6_RESPONSE);
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853),
                m.xorMappedAddress());
        assertTrue(m.verifyMessageIntegrity(KEY));
        assertTrue(m.verifyFingerprint());
    }

    @Test
    void decode_byteBufferWithOffset_sameAsArray() {
        final byte[] padded = new byte[Rfc5769Vectors.SAMPLE_IPV4_RESPONSE.length + 7];
        System.arraycopy(Rfc5769Vectors.SAMPLE_IPV4_RESPONSE, 0, padded, 3, Rfc5769Vectors.SAMPLE_IPV4_RESPONSE.length);
        final ByteBuffer bb = ByteBuffer.wrap(padded, 3, Rfc5769Vectors.SAMPLE_IPV4_RESPONSE.length);
        final StunMessage m = StunDecoder.decode(bb).messageOrNull();
        assertNotNull(m);
        assertEquals(3, bb.position());
        assertArrayEquals(Rfc5769Vectors.SAMPLE_IPV4_RESPONSE, m.toBytes());
        assertNotNull(StunDecoder.decode(padded, 3, Rfc5769Vectors.SAMPLE_IPV4_RESPONSE.length).messageOrNull());
    }

    @Test
    void encode_rfc5769Vectors_reproducedByteForByte() throws Exception {
        // RFC 5769 pads with spaces (0x20), which the HMAC and CRC cover.
        final byte[] request = new StunMessageBuilder(Stun.BINDING_REQUEST, Rfc5769Vectors.TRANSACTION_ID)
                .padding((byte) 0x20)
                .software("STUN test client")
                .attribute(Stun.ATTR_PRIORITY, Rfc5769Vectors.bytes(0x6e, 0x00, 0x01, 0xff))
                .attribute(Stun.ATTR_ICE_CONTROLLED, Rfc5769Vectors.bytes(0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36))
                .username(Rfc5769Vectors.REQUEST_USERNAME)
                .messageIntegrity(KEY).fingerprint().build();
        assertArrayEquals(Rfc5769Vectors.SAMPLE_REQUEST, request);

        final byte[] v4 = new StunMessageBuilder(Stun.BINDING_SUCCESS_RESPONSE, Rfc5769Vectors.TRANSACTION_ID)
                .padding((byte) 0x20).software("test vector")
                .xorMappedAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 32853))
                .messageIntegrity(KEY).fingerprint().build();
        assertArrayEquals(Rfc5769Vectors.SAMPLE_IPV4_RESPONSE, v4);

        final byte[] v6 = new StunMessageBuilder(Stun.BINDING_SUCCESS_RESPONSE, Rfc5769Vectors.TRANSACTION_ID)
                .padding((byte) 0x20).software("test vector")
                .xorMappedAddress(new InetSocketAddress(
                        InetAddress.getByName("2001:db8:1234:5678:11:2233:4455:6677"), 32853))
                .messageIntegrity(KEY).fingerprint().build();
        assertArrayEquals(Rfc5769Vectors.SAMPLE_IPV6_RESPONSE, v6);
    }

    @Test
    void encode_bindingSuccessIpv4AndIpv6_roundTripsAndVerifies() throws Exception {
        for (final String host : new String[] {"127.0.0.1", "::1", "2001:db8::7"}) {
            final InetSocketAddress mapped = new InetSocketAddress(InetAddress.getByName(host), 54321);
            final byte[] tid = StunMessageBuilder.newTransactionId();
            final byte[] encoded = StunMessageBuilder.bindingSuccess(tid, mapped)
                    .mappedAddress(mapped).software("switchboard").username("a:b").messageIntegrity(KEY)
                    .fingerprint().build();
            final StunMessage m = decodeOk(encoded);
            assertEquals(Stun.BINDING_SUCCESS_RESPONSE, m.messageType());
            assertArrayEquals(tid, m.transactionId());
            assertEquals(mapped, m.xorMappedAddress());
            assertEquals(mapped, m.mappedAddress());
            assertEquals("switchboard", m.software());
            assertEquals("a:b", m.username());
            assertTrue(m.verifyMessageIntegrity(KEY));
            assertTrue(m.verifyFingerprint());
        }
    }

    @Test
    void encode_errorCode_roundTrips() {
        final byte[] encoded = new StunMessageBuilder(Stun.BINDING_ERROR_RESPONSE, StunMessageBuilder.newTransactionId())
                .errorCode(new StunErrorCode(420, "Unknown Attribute")).build();
        final StunMessage m = decodeOk(encoded);
        assertEquals(Stun.CLASS_ERROR_RESPONSE, m.messageClass());
        assertEquals(new StunErrorCode(420, "Unknown Attribute"), m.errorCode());
        assertFalse(m.hasFingerprint());
        assertFalse(m.verifyFingerprint());
        assertFalse(m.verifyMessageIntegrity(KEY));
        assertNull(m.xorMappedAddress());
    }

    @Test
    void messageType_methodAndClass_interleaveBits() {
        assertEquals(0x0001, Stun.BINDING_REQUEST);
        assertEquals(0x0101, Stun.BINDING_SUCCESS_RESPONSE);
        assertEquals(0x0111, Stun.BINDING_ERROR_RESPONSE);
        assertEquals(0x0011, Stun.messageType(Stun.METHOD_BINDING, Stun.CLASS_INDICATION));
        for (int method = 0; method <= 0xFFF; method += 0x7F) {
            for (int c = 0; c < 4; c++) {
                final int type = Stun.messageType(method, c);
                assertEquals(method, Stun.methodOf(type));
                assertEquals(c, Stun.classOf(type));
            }
        }
    }

    @Test
    void helpers_onRfcRequest_readWithoutDecoding() {
        final byte[] padded = new byte[Rfc5769Vectors.SAMPLE_REQUEST.length + 5];
        System.arraycopy(Rfc5769Vectors.SAMPLE_REQUEST, 0, padded, 5, Rfc5769Vectors.SAMPLE_REQUEST.length);
        assertTrue(Stun.isStun(padded, 5, Rfc5769Vectors.SAMPLE_REQUEST.length));
        assertFalse(Stun.isStun(padded, 0, Rfc5769Vectors.SAMPLE_REQUEST.length));
        assertEquals(Stun.BINDING_REQUEST, Stun.messageTypeOf(padded, 5));
        assertEquals(0xb7e7a701bc34d686L, Stun.transactionIdHigh(padded, 5));
        assertEquals(0xfa87dfae, Stun.transactionIdLow(padded, 5));
        assertFalse(Stun.isStun(new byte[] {0x16, (byte) 0xfe, (byte) 0xfd}, 0, 3)); // DTLS record
    }
}
