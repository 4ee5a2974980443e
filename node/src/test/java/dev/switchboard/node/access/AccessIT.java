package dev.switchboard.node.access;

import dev.switchboard.node.Node;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.stun.Stun;
import dev.switchboard.node.stun.StunMessageBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The allow-lists and the scanner blocking on a whole node, from loopback addresses that play
 * other machines (127.0.0.2, 127.0.0.3): refused on the web server (with exactly the answer an
 * unknown path gets), on the broker's TCP and WebSocket listeners and on STUN; a country not on
 * the list is refused; a scanner is blocked after the threshold and unblocked after the block,
 * others unaffected; the rules reload from the file without a restart.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AccessIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final InetAddress HOME = address("127.0.0.1");
    private static final InetAddress OUTSIDE = address("127.0.0.2");
    private static final InetAddress SCANNER = address("127.0.0.3");

    @TempDir
    Path dir;
    private Node node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private static InetAddress address(final String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (final java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private String yaml(final String access) {
        return """
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: 46200-46219, maxSessions: 10 }
                metrics: { port: -1 }
                access: %s
                """.formatted(dir.resolve("data").toString().replace("\\", "/"), access);
    }

    private Node start(final String access, final UnaryOperator<InetAddress> seam) throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml(access));
        node = Node.start(ConfigLoader.load(file, true), Node.Options.defaults().withConfigFile(file)
                .withCountryAddress(seam));
        return node;
    }

    @Test
    void outsideTheCidrs_refusedOnWebBrokerAndStun_likeAnUnknownPath() throws Exception {
        start("{ allow: [127.0.0.1/32, '::1/128'] }", UnaryOperator.identity());
        final int web = node.webPort();
        assertEquals(200, RawHttp.status(RawHttp.get(HOME, web, "/")));

        // Web: the refusal is byte for byte the answer to an unknown path.
        final byte[][] pair = RawHttp.pairInOneSecond(OUTSIDE, "/", HOME, "/no-such-page", web);
        assertEquals(404, RawHttp.status(pair[0]));
        assertArrayEquals(pair[1], pair[0], () -> new String(pair[0], StandardCharsets.ISO_8859_1) + "\n---\n"
                + new String(pair[1], StandardCharsets.ISO_8859_1));

        // Broker, TCP and WebSocket listeners: closed at accept, before any answer.
        assertClosedWithoutAnswer(OUTSIDE, node.broker().tcpPort(), CONNECT);
        assertAnswers(HOME, node.broker().tcpPort(), CONNECT);
        assertClosedWithoutAnswer(OUTSIDE, node.broker().webSocketPort(), UPGRADE);
        assertAnswers(HOME, node.broker().webSocketPort(), UPGRADE);

        // STUN: no answer to the outsider, while an insider's request is answered.
        try (DatagramSocket outside = new DatagramSocket(new InetSocketAddress(OUTSIDE, 0));
             DatagramSocket home = new DatagramSocket(new InetSocketAddress(HOME, 0))) {
            final InetSocketAddress stun = new InetSocketAddress(HOME, node.stun().localAddress().getPort());
            send(outside, stun);
            send(home, stun);
            home.setSoTimeout(10_000);
            home.receive(new DatagramPacket(new byte[1500], 1500));
            // Sent first, so an answer to it would be there by now; wait a little longer anyway.
            outside.setSoTimeout(1_000);
            assertThrows(SocketTimeoutException.class, () -> outside.receive(new DatagramPacket(new byte[1500], 1500)),
                    "STUN answered a source outside the allow-list");
        }
        // web, TCP, WebSocket, STUN: recorded for the super-admin (one entry per minute and address, counted)
        assertTrue(node.access().events().snapshot().stream()
                .filter(e -> e.kind() == AccessEvent.Kind.REFUSED_CONNECTION && OUTSIDE.equals(e.address()))
                .mapToLong(AccessEvent::count).sum() >= 4, () -> node.access().events().snapshot().toString());
    }

    @Test
    void countryNotOnTheList_isRefused_andTheListReloads() throws Exception {
        final Path db = GeoIpCountriesTest.testDatabase(dir);
        // The test-only seam: 127.0.0.2 looks Swedish, 127.0.0.3 British.
        start("{ countries: [SE], geoipDatabase: '" + db + "' }", a -> a.equals(OUTSIDE) ? address("89.160.20.112")
                : a.equals(SCANNER) ? address("81.2.69.142") : a);
        final int web = node.webPort();
        assertEquals(200, RawHttp.status(RawHttp.get(OUTSIDE, web, "/")), "SE is on the list");
        assertEquals(404, RawHttp.status(RawHttp.get(SCANNER, web, "/")), "GB is not");
        assertClosedWithoutAnswer(SCANNER, node.broker().tcpPort());
        assertEquals(200, RawHttp.status(RawHttp.get(HOME, web, "/")), "loopback is local: no country needed");

        Files.writeString(dir.resolve("switchboard.yaml"),
                yaml("{ countries: [SE, GB], geoipDatabase: '" + db + "' }"));
        node.reloadConfiguration();
        assertEquals(200, RawHttp.status(RawHttp.get(SCANNER, web, "/")), "GB added without a restart");
    }

    @Test
    void scanner_blockedAfterTheThreshold_unblockedAfterTheBlock_othersUnaffected() throws Exception {
        start("{ block: { unknownPaths: 5, failedProofs: 3, window: 30s, duration: 3s } }", UnaryOperator.identity());
        final int web = node.webPort();
        for (int i = 0; i < 4; i++) {
            // GET and POST probes count alike (a POST to a path the node does not serve is a 404)
            assertEquals(404, RawHttp.status(i % 2 == 0 ? RawHttp.get(SCANNER, web, "/probe-" + i)
                    : RawHttp.request(SCANNER, web, "POST /probe-" + i + " HTTP/1.1\r\nHost: 127.0.0.1:" + web
                            + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")));
        }
        assertEquals(200, RawHttp.status(RawHttp.get(SCANNER, web, "/")), "below the threshold");
        assertEquals(404, RawHttp.status(RawHttp.get(SCANNER, web, "/probe-4")));
        // Blocked everywhere now: the home page answers like an unknown path, the broker closes.
        final byte[][] pair = RawHttp.pairInOneSecond(SCANNER, "/", HOME, "/no-such-page", web);
        assertArrayEquals(pair[1], pair[0]);
        assertClosedWithoutAnswer(SCANNER, node.broker().tcpPort());
        assertEquals(200, RawHttp.status(RawHttp.get(HOME, web, "/")), "others are unaffected");
        assertTrue(node.access().events().snapshot().stream()
                .anyMatch(e -> e.kind() == AccessEvent.Kind.BLOCKED && SCANNER.equals(e.address())));
        await().atMost(WAIT).pollInterval(Duration.ofMillis(250))
                .until(() -> RawHttp.status(RawHttp.get(SCANNER, web, "/")) == 200);
    }

    @Test
    void failedKeyProofs_blockTheAddress() throws Exception {
        start("{ block: { unknownPaths: 50, failedProofs: 3, window: 30s, duration: 1h } }", UnaryOperator.identity());
        final int tcp = node.broker().tcpPort();
        for (int i = 0; i < 3; i++) {
            assertAnswers(SCANNER, tcp); // a CONNECT without the sb-key-v1 method: refused with CONNACK 0x8C
        }
        await().atMost(WAIT).until(() -> node.access().blocker().isBlocked(SCANNER));
        assertClosedWithoutAnswer(SCANNER, tcp);
        assertEquals(404, RawHttp.status(RawHttp.get(SCANNER, node.webPort(), "/")));
        assertAnswers(HOME, tcp);
    }

    /** An MQTT 5 CONNECT without authentication (client id "x"): the broker answers CONNACK. */
    private static final byte[] CONNECT = {0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3C, 0x00,
        0x00, 0x01, 'x'};

    /** A WebSocket upgrade to the broker's MQTT path (RFC 6455 §4.1): the broker answers 101. */
    private static final byte[] UPGRADE = ("GET /mqtt HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
            + "Sec-WebSocket-Protocol: mqtt\r\n\r\n").getBytes(StandardCharsets.US_ASCII);

    private static void assertAnswers(final InetAddress source, final int port) throws Exception {
        assertAnswers(source, port, CONNECT);
    }

    private static void assertAnswers(final InetAddress source, final int port, final byte[] hello) throws Exception {
        try (Socket s = connect(source, port)) {
            s.getOutputStream().write(hello);
            final int first = s.getInputStream().read();
            assertTrue(first >= 0, "the listener on port " + port + " answered " + source);
        }
    }

    private static void assertClosedWithoutAnswer(final InetAddress source, final int port) throws Exception {
        assertClosedWithoutAnswer(source, port, CONNECT);
    }

    private static void assertClosedWithoutAnswer(final InetAddress source, final int port, final byte[] hello)
            throws Exception {
        try (Socket s = connect(source, port)) {
            try {
                s.getOutputStream().write(hello);
            } catch (final java.io.IOException e) {
                return; // reset at once: closed
            }
            final InputStream in = s.getInputStream();
            try {
                assertEquals(-1, in.read(), "port " + port + " sent something to a refused source");
            } catch (final java.net.SocketException e) {
                // connection reset: closed without an answer (a timeout would fail the test instead)
            }
        }
    }

    private static Socket connect(final InetAddress source, final int port) throws Exception {
        final Socket s = new Socket();
        s.setSoTimeout(10_000);
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress(HOME, port), 10_000);
        return s;
    }

    private static void send(final DatagramSocket socket, final InetSocketAddress to) throws Exception {
        final byte[] request = new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId())
                .fingerprint().build();
        socket.send(new DatagramPacket(request, request.length, to));
    }
}
