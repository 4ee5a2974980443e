package dev.switchboard.broker.guard;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import dev.switchboard.broker.BrokerSettings;
import dev.switchboard.broker.EmbeddedBroker;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.broker.identity.KeyProof;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listener guard on a real broker with raw sockets: each limit closes only the connection
 * that broke it, and honest clients still get in.
 */
class ListenerGuardIT {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @TempDir
    Path dir;
    private EmbeddedBroker broker;
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (final Socket s : sockets) {
            try {
                s.close();
            } catch (final IOException ignored) {
                // closing
            }
        }
        if (broker != null) {
            broker.close();
        }
    }

    private EmbeddedBroker start(final ConnectionLimits limits) {
        broker = new EmbeddedBroker(BrokerSettings.builder().nodeId("guard-test")
                .tcpBindAddress(LOOPBACK).tcpPort(0).webSocketBindAddress(LOOPBACK).webSocketPort(0)
                .connectionLimits(limits)
                .workFolder(dir.resolve("work")).build());
        broker.start();
        return broker;
    }

    private Socket connect(final String from, final int port) throws IOException {
        final Socket s = new Socket();
        sockets.add(s);
        s.bind(new InetSocketAddress(InetAddress.getByName(from), 0));
        s.connect(new InetSocketAddress(LOOPBACK, port), 5000);
        s.setSoTimeout(200);
        return s;
    }

    /** Whether the peer closed the socket (EOF or reset) within the wait. */
    private static boolean closedByPeer(final Socket s, final Duration within) {
        final long end = System.nanoTime() + within.toNanos();
        final byte[] buf = new byte[256];
        while (System.nanoTime() < end) {
            try {
                final InputStream in = s.getInputStream();
                if (in.read(buf) < 0) {
                    return true;
                }
            } catch (final java.net.SocketTimeoutException e) {
                // still open: look again
            } catch (final IOException e) {
                return true;
            }
        }
        return false;
    }

    @Test
    void perAddressCap_extraConnectionClosed_otherAddressesServed() throws Exception {
        final EmbeddedBroker b = start(new ConnectionLimits(3, 96 * 1024, Duration.ofSeconds(30), 256 * 1024, 65 * 1024));
        final List<Socket> held = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            held.add(connect("127.0.0.1", b.tcpPort()));
        }
        await().atMost(WAIT).until(() -> b.listenerGuard().perAddress().count(LOOPBACK) == 3);
        final Socket extra = connect("127.0.0.1", b.tcpPort());
        assertTrue(closedByPeer(extra, WAIT), "the fourth connection from one address is closed");
        assertEquals(1, b.refusals().count(RefusalReason.TOO_MANY_CONNECTIONS));
        for (final Socket s : held) {
            assertFalse(closedByPeer(s, Duration.ofMillis(300)), "the first three stay open");
        }
        // Another address is unaffected: an honest client from 127.0.0.2 logs in over the same listener.
        try (TestPeer honest = new TestPeer()) {
            final Mqtt5ConnAck ack = honest.tryConnect(honest.builder(b.tcpPort())
                            .transportConfig().localAddress(InetAddress.getByName("127.0.0.2")).applyTransportConfig(),
                    honest.id, KeyProof.METHOD, honest.spki, TestPeer.HONEST);
            assertFalse(ack.getReasonCode().isError(), ack.toString());
        }
        // Closing one frees a slot for the address.
        held.get(0).close();
        await().atMost(WAIT).until(() -> b.listenerGuard().perAddress().count(LOOPBACK) == 2);
        final Socket again = connect("127.0.0.1", b.tcpPort());
        assertFalse(closedByPeer(again, Duration.ofMillis(300)));
    }

    @Test
    void preConnectBytes_overLimit_closed() throws Exception {
        final EmbeddedBroker b = start(new ConnectionLimits(32, 4096, Duration.ofSeconds(30), 1 << 20, 65 * 1024));
        final Socket s = connect("127.0.0.1", b.tcpPort());
        final OutputStream out = s.getOutputStream();
        // A CONNECT fixed header announcing 60000 bytes (under HiveMQ's 64 KiB packet limit, so
        // HiveMQ alone would wait for the rest), then more than the 4 KiB pre-CONNECT budget.
        out.write(new byte[] {0x10, (byte) 0xe0, (byte) 0xd4, 0x03});
        out.flush();
        try {
            for (int i = 0; i < 8; i++) {
                out.write(new byte[1024]);
                out.flush();
            }
        } catch (final SocketException closedWhileWriting) {
            // the guard closed it mid-way: what we expect
        }
        assertTrue(closedByPeer(s, WAIT));
        assertEquals(1, b.refusals().count(RefusalReason.PRE_CONNECT_BYTES));
    }

    @Test
    void slowHandshake_tricklingBytes_closedAtConnectTimeout() throws Exception {
        final EmbeddedBroker b = start(new ConnectionLimits(32, 96 * 1024, Duration.ofSeconds(1), 256 * 1024, 65 * 1024));
        final Socket s = connect("127.0.0.1", b.tcpPort());
        final OutputStream out = s.getOutputStream();
        out.write(new byte[] {0x10, (byte) 0xe0, (byte) 0xd4, 0x03});
        boolean closed = false;
        // One byte every 200 ms keeps any idle timer happy; the guard's deadline is absolute.
        for (int i = 0; i < 40 && !closed; i++) {
            try {
                out.write(0);
                out.flush();
            } catch (final SocketException e) {
                closed = true;
            }
            closed = closed || closedByPeer(s, Duration.ofMillis(200));
        }
        assertTrue(closed, "a CONNECT trickled over more than the connect timeout is closed");
        await().atMost(WAIT).until(() -> b.refusals().count(RefusalReason.SLOW_HANDSHAKE) == 1);
    }

    @Test
    void webSocketFrame_overLimit_closedWith1009() throws Exception {
        final EmbeddedBroker b = start(new ConnectionLimits(32, 256 * 1024, Duration.ofSeconds(30), 1 << 20, 8 * 1024));
        final Socket s = connect("127.0.0.1", b.webSocketPort());
        s.setSoTimeout(10_000);
        final OutputStream out = s.getOutputStream();
        out.write(("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                + "Sec-WebSocket-Protocol: mqtt\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        final InputStream in = s.getInputStream();
        final String response = readHeaders(in);
        assertTrue(response.startsWith("HTTP/1.1 101"), response);
        // RFC 6455 §5.2: FIN + binary, MASK + 64-bit length 100000, masking key, then some payload.
        out.write(new byte[] {(byte) 0x82, (byte) 0xff, 0, 0, 0, 0, 0, 1, (byte) 0x86, (byte) 0xa0, 1, 2, 3, 4});
        out.write(new byte[1024]);
        out.flush();
        // The server's close frame: 0x88, unmasked length, then the status code (RFC 6455 §5.5.1).
        assertEquals(0x88, in.read());
        final int length = in.read();
        assertTrue(length >= 2 && length < 126, "close frame length " + length);
        final int status = (in.read() << 8) | in.read();
        assertEquals(1009, status, "RFC 6455 §7.4.1: 1009 = message too big");
        await().atMost(WAIT).until(() -> b.refusals().count(RefusalReason.WEBSOCKET_FRAME_TOO_BIG) == 1);
    }

    private static String readHeaders(final InputStream in) throws IOException {
        final StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 8192 && !headers.toString().endsWith("\r\n\r\n"); i++) {
            final int c = in.read();
            if (c < 0) {
                break;
            }
            headers.append((char) c);
        }
        return headers.toString();
    }

    @Test
    void readLimit_aSenderOverTheSustainedRate_isReadAtIt_andKeepsItsConnection() throws Exception {
        final int rate = 16 * 1024;
        final EmbeddedBroker b = start(new ConnectionLimits(32, 96 * 1024, Duration.ofSeconds(10), rate, 65 * 1024));
        try (TestPeer sender = new TestPeer(); TestPeer receiver = new TestPeer()) {
            assertFalse(receiver.tryConnect(receiver.builder(b.tcpPort()), receiver.id, KeyProof.METHOD,
                    receiver.spki, TestPeer.HONEST).getReasonCode().isError());
            assertEquals(1, receiver.subscribe(receiver.inbox()));
            assertFalse(sender.tryConnect(sender.builder(b.tcpPort()), sender.id, KeyProof.METHOD, sender.spki,
                    TestPeer.HONEST).getReasonCode().isError());
            // Eight messages of 8 KiB, each once the last one's PUBACK is back: 64 KiB, four seconds' worth.
            final String filler = "x".repeat(8 * 1024);
            final long start = System.nanoTime();
            for (int i = 0; i < 8; i++) {
                assertEquals(0, sender.publish(receiver.inbox(), "{\"v\":1,\"type\":\"hi\",\"pad\":\"" + filler + "\"}").code());
            }
            final double seconds = (System.nanoTime() - start) / 1e9;
            // One second's budget is read at once and the last message's bytes pass before the hold
            // they cause: the rest, about 40 KiB, cannot have been read in under 2.5 s at 16 KiB/s.
            assertTrue(seconds >= 2.0, "64 KiB read in " + seconds + " s at " + rate + " bytes/s");
            for (int i = 0; i < 8; i++) {
                assertEquals(List.of(sender.id), TestPeer.senders(receiver.next(receiver.inbox())), "message " + i);
            }
            assertTrue(sender.isConnected(), "a fast sender is slowed, not disconnected");
        }
        assertEquals(0, b.refusals().counts().values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void honestClients_passTheGuard_overTcpAndWebSocket() throws Exception {
        final EmbeddedBroker b = start(ConnectionLimits.DEFAULTS);
        try (TestPeer tcp = new TestPeer(); TestPeer ws = new TestPeer()) {
            assertFalse(tcp.tryConnect(tcp.builder(b.tcpPort()), tcp.id, KeyProof.METHOD, tcp.spki, TestPeer.HONEST)
                    .getReasonCode().isError());
            assertFalse(ws.tryConnect(ws.builder(b.webSocketPort()).webSocketConfig().serverPath("mqtt").applyWebSocketConfig(),
                    ws.id, KeyProof.METHOD, ws.spki, TestPeer.HONEST).getReasonCode().isError());
            assertEquals(1, ws.subscribe(ws.inbox()));
            assertEquals(0, tcp.publish(ws.inbox(), "{\"v\":1,\"type\":\"hi\"}").code());
            assertEquals(List.of(tcp.id), TestPeer.senders(ws.next(ws.inbox())));
        }
        assertEquals(0, b.refusals().counts().values().stream().mapToLong(Long::longValue).sum());
    }
}
