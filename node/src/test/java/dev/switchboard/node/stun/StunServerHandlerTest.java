package dev.switchboard.node.stun;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StunServerHandlerTest {
    private static final InetSocketAddress SERVER = new InetSocketAddress(InetAddress.getLoopbackAddress(), 3478);
    private static final InetSocketAddress CLIENT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 50123);

    private final List<InetSocketAddress> answered = new ArrayList<>();
    private final StunServerHandler handler = new StunServerHandler(answered::add, "switchboard-test");
    private final EmbeddedChannel channel = new EmbeddedChannel(handler);

    private void send(final byte[] datagram, final InetSocketAddress from) {
        channel.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(datagram), SERVER, from));
    }

    private StunMessage readResponse() {
        final DatagramPacket out = channel.readOutbound();
        assertNotNull(out, "no response");
        try {
            final byte[] bytes = ByteBufUtil.getBytes(out.content());
            final StunMessage m = StunDecoder.decode(bytes, 0, bytes.length).messageOrNull();
            assertNotNull(m);
            assertEquals(CLIENT, out.recipient());
            return m;
        } finally {
            out.release();
        }
    }

    @Test
    void bindingRequest_fromClient_answeredWithXorMappedAddressAndFingerprint() {
        final byte[] tid = StunMessageBuilder.newTransactionId();
        send(new StunMessageBuilder(Stun.BINDING_REQUEST, tid).build(), CLIENT);
        final StunMessage response = readResponse();
        assertEquals(Stun.BINDING_SUCCESS_RESPONSE, response.messageType());
        assertEquals(CLIENT, response.xorMappedAddress());
        assertEquals("switchboard-test", response.software());
        assertTrue(response.verifyFingerprint());
        assertEquals(java.util.HexFormat.of().formatHex(tid), java.util.HexFormat.of().formatHex(response.transactionId()));
        assertEquals(List.of(CLIENT), answered);
        assertEquals(new StunServerCounters(1, 0, 0), handler.counters());
    }

    @Test
    void ipv6Client_answeredWithIpv6Mapping() throws Exception {
        final InetSocketAddress v6 = new InetSocketAddress(InetAddress.getByName("::1"), 40000);
        send(new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId()).fingerprint().build(), v6);
        final DatagramPacket out = channel.readOutbound();
        try {
            final byte[] bytes = ByteBufUtil.getBytes(out.content());
            assertEquals(v6, StunDecoder.decode(bytes, 0, bytes.length).messageOrNull().xorMappedAddress());
        } finally {
            out.release();
        }
    }

    @Test
    void garbageAndNonRequests_droppedCountedNeverAnswered() {
        send(new byte[] {0x16, (byte) 0xfe, (byte) 0xfd, 0, 0}, CLIENT); // DTLS-ish
        send(new byte[0], CLIENT);
        send(new byte[StunServerHandler.MAX_DATAGRAM + 1], CLIENT);
        final byte[] badFp = new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId()).fingerprint().build();
        badFp[badFp.length - 1] ^= 1;
        send(badFp, CLIENT);
        // well-formed but not a Binding request: an indication and a response
        send(new StunMessageBuilder(Stun.messageType(Stun.METHOD_BINDING, Stun.CLASS_INDICATION),
                StunMessageBuilder.newTransactionId()).build(), CLIENT);
        send(Rfc5769Vectors.SAMPLE_IPV4_RESPONSE, CLIENT);
        // unknown comprehension-required attribute (0x0003 CHANGE-REQUEST is not supported)
        send(new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId())
                .attribute(0x0003, new byte[4]).build(), CLIENT);
        assertNull(channel.readOutbound());
        assertTrue(answered.isEmpty());
        assertEquals(new StunServerCounters(0, 4, 3), handler.counters());
        assertTrue(channel.isOpen());

        send(new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId()).build(), CLIENT);
        assertEquals(CLIENT, readResponse().xorMappedAddress());
        assertEquals(1, handler.counters().answered());
    }

    @Test
    void iceStyleRequest_withPriorityAndIntegrity_answered() {
        send(Rfc5769Vectors.SAMPLE_REQUEST, CLIENT);
        assertEquals(CLIENT, readResponse().xorMappedAddress());
    }

    @Test
    void listenerThrows_serviceKeepsAnswering() {
        final EmbeddedChannel ch = new EmbeddedChannel(new StunServerHandler(s -> {
            throw new IllegalStateException("boom");
        }, null));
        for (int i = 0; i < 2; i++) {
            ch.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(
                    new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId()).build()), SERVER, CLIENT));
            final DatagramPacket out = ch.readOutbound();
            assertNotNull(out);
            final ByteBuf content = out.content();
            assertEquals(20 + 12 + 8, content.readableBytes()); // header + XOR-MAPPED-ADDRESS (IPv4) + FINGERPRINT
            out.release();
        }
    }
}
