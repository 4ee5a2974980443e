package dev.switchboard.node;

import dev.switchboard.broker.TestPeer;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.stun.Stun;
import dev.switchboard.node.stun.StunMessageBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The monitoring endpoint of a real node (loopback, free ports): the Prometheus families are
 * there and their values move when STUN answers, a message is refused, a relay session opens and
 * drops a packet, the web server answers; {@code /healthz}, {@code /readyz} (200 while serving,
 * 503 naming the part once one stops); {@code switchboard status} against the node, and without
 * one. The test that stops a part runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class MonitoringIT {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(WAIT).build();

    @TempDir
    static Path dataDir;
    private static Node node;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeAll
    static void startNode() throws Exception {
        node = Node.start(ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: 43100-43199, maxSessions: 20, idleTimeout: 120s }
                limits: { publishMessagesPerSecond: 1, publishBurst: 3 }
                metrics: { bind: 127.0.0.1, port: 0 }
                """.formatted(dataDir.toString().replace("\\", "/")), "MonitoringIT"), Node.Options.defaults());
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void capture() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    @Order(1)
    void metrics_scrape_everyFamilyInTextFormat() throws Exception {
        webGet("/node-info.json"); // a family with labels shows once it has a sample
        final HttpResponse<String> response = get("/metrics");
        assertEquals(200, response.statusCode());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"),
                response.headers().toString());
        final String text = response.body();
        for (final String family : new String[] {
                "switchboard_start_time_seconds gauge", "switchboard_connections gauge", "switchboard_rooms gauge",
                "switchboard_authentications_total counter", "switchboard_messages_total counter",
                "switchboard_refusals_total counter",
                "switchboard_relay_sessions gauge", "switchboard_relay_packets_total counter",
                "switchboard_relay_bytes_total counter", "switchboard_relay_dropped_packets_total counter",
                "switchboard_stun_answered_total counter", "switchboard_stun_dropped_total counter",
                "switchboard_web_responses_total counter", "switchboard_peer_links gauge",
                "jvm_memory_used_bytes gauge", "jvm_gc_collection_seconds summary",
                "process_resident_memory_bytes gauge"}) {
            assertTrue(text.contains("# TYPE " + family + "\n"), "missing family " + family + " in\n" + text);
        }
    }

    @Test
    @Order(2)
    void stunRequest_answered_counterMoves() throws Exception {
        final double before = sample("switchboard_stun_answered_total");
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout((int) WAIT.toMillis());
            final byte[] request = new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId())
                    .fingerprint().build();
            socket.send(new DatagramPacket(request, request.length, node.stun().localAddress()));
            socket.receive(new DatagramPacket(new byte[1500], 1500));
        }
        assertEquals(before + 1, sample("switchboard_stun_answered_total"));
    }

    @Test
    @Order(3)
    void refusedMessage_authenticatedPeer_countersMove() throws Exception {
        final double invalid = sample("switchboard_messages_total{type=\"invalid\",verdict=\"reject\"}");
        final double authenticated = sample("switchboard_authentications_total{result=\"success\"}");
        try (TestPeer peer = new TestPeer()) {
            peer.connect(node.broker().tcpPort());
            assertEquals(1, peer.subscribe(peer.inbox()));
            assertEquals(authenticated + 1, sample("switchboard_authentications_total{result=\"success\"}"));
            await().atMost(WAIT).until(() -> sample("switchboard_connections") >= 1);
            peer.publish(peer.inbox(), "{not json");
            await().atMost(WAIT).until(
                    () -> sample("switchboard_messages_total{type=\"invalid\",verdict=\"reject\"}") == invalid + 1);
        }
    }

    @Test
    @Order(3)
    void publishFasterThanTheBudget_rateLimitedRefusalCounted() throws Exception {
        final double refused = sample("switchboard_refusals_total{reason=\"rate-limited\"}");
        try (TestPeer peer = new TestPeer()) {
            peer.connect(node.broker().tcpPort());
            assertEquals(1, peer.subscribe(peer.inbox()));
            for (int i = 0; i < 6; i++) { // burst 3 at 1/s: the later ones are over the budget
                peer.publishNoWait(peer.inbox(), "{\"v\":1,\"type\":\"hangup\"}");
            }
            await().atMost(WAIT).until(() -> sample("switchboard_refusals_total{reason=\"rate-limited\"}") > refused);
        }
    }

    @Test
    @Order(4)
    void relaySession_openDropClose_gaugeFollowsAndDropsStay() throws Exception {
        final double dropped = sample("switchboard_relay_dropped_packets_total{reason=\"unproven\"}");
        final RelaySession session = node.relay().open(SessionKey.of("metrics-test", "peer-a", "peer-b"),
                "peer-a", "peer-b").get();
        assertEquals(1, sample("switchboard_relay_sessions"));
        try (DatagramSocket stranger = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            final byte[] junk = {1, 2, 3, 4};
            stranger.send(new DatagramPacket(junk, junk.length, session.advertisedAddress("peer-a")));
        }
        await().atMost(WAIT).until(
                () -> sample("switchboard_relay_dropped_packets_total{reason=\"unproven\"}") == dropped + 1);
        session.close();
        await().atMost(WAIT).until(() -> sample("switchboard_relay_sessions") == 0);
        assertEquals(dropped + 1, sample("switchboard_relay_dropped_packets_total{reason=\"unproven\"}"),
                "a closed session's drops still count");
    }

    @Test
    @Order(5)
    void webResponses_byStatus_counterMoves() throws Exception {
        assertEquals(404, webGet("/no-such-page").statusCode()); // the first 404 creates the sample
        final double notFound = sample("switchboard_web_responses_total{status=\"404\"}");
        assertEquals(404, webGet("/no-such-page").statusCode());
        assertEquals(notFound + 1, sample("switchboard_web_responses_total{status=\"404\"}"));
    }

    @Test
    @Order(6)
    void status_runningNode_printsTheTable() throws Exception {
        final Path config = dataDir.resolve("status.yaml");
        Files.writeString(config, "metrics: { port: " + node.monitoringAddress().getPort() + " }\n");
        assertEquals(0, Main.run("status", "--config", config.toString()), err.toString(StandardCharsets.UTF_8));
        final String table = out.toString(StandardCharsets.UTF_8);
        assertTrue(table.contains("node             " + node.key().id()), table);
        for (final String row : new String[] {"uptime", "connections", "rooms", "relay sessions", "relay traffic",
                "peer links       none"}) {
            assertTrue(table.contains(row), "row " + row + " in\n" + table);
        }
    }

    @Test
    @Order(7)
    void status_noNodeAtTheAddress_exit1NamingIt() throws Exception {
        final int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        final Path config = dataDir.resolve("nobody.yaml");
        Files.writeString(config, "metrics: { port: " + port + " }\n");
        assertEquals(1, Main.run("status", "--config", config.toString()));
        final String message = err.toString(StandardCharsets.UTF_8);
        assertTrue(message.contains("no node answered at http://127.0.0.1:" + port + "/status.json"), message);
        assertTrue(message.contains("Is the node running"), message);
    }

    @Test
    @Order(8)
    void status_metricsDisabled_exit2() throws Exception {
        final Path config = dataDir.resolve("disabled.yaml");
        Files.writeString(config, "metrics: { port: -1 }\n");
        assertEquals(2, Main.run("status", "--config", config.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("metrics.port is -1"));
    }

    @Test
    @Order(9)
    void healthAndReadiness_servingNode_200() throws Exception {
        final HttpResponse<String> health = get("/healthz");
        assertEquals(200, health.statusCode());
        assertEquals("ok\n", health.body());
        final HttpResponse<String> ready = get("/readyz");
        assertEquals(200, ready.statusCode(), ready.body());
        assertEquals("broker: serving\nstun: serving\nrelay: serving\nweb: serving\n", ready.body());
    }

    @Test
    @Order(100)
    void readiness_partsStopped_503NamingThem() throws Exception {
        node.stun().close();
        final HttpResponse<String> ready = get("/readyz");
        assertEquals(503, ready.statusCode(), ready.body());
        assertEquals("broker: serving\nstun: not serving\nrelay: serving\nweb: serving\n", ready.body());
        node.broker().stop();
        node.relay().close();
        node.web().close();
        assertEquals("broker: not serving\nstun: not serving\nrelay: not serving\nweb: not serving\n",
                get("/readyz").body());
        assertEquals(200, get("/healthz").statusCode());
    }

    private static HttpResponse<String> webGet(final String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.webPort() + path))
                .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(final String path) throws Exception {
        final InetSocketAddress address = node.monitoringAddress();
        assertNotNull(address, "monitoring endpoint enabled");
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + address.getPort() + path))
                .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** @return the value of the sample {@code nameAndLabels} in a fresh scrape; fails if absent */
    private static double sample(final String nameAndLabels) throws Exception {
        final String text = get("/metrics").body();
        final Matcher m = Pattern.compile("(?m)^" + Pattern.quote(nameAndLabels) + " (\\S+)$").matcher(text);
        assertTrue(m.find(), "no sample " + nameAndLabels + " in\n" + text);
        return Double.parseDouble(m.group(1));
    }
}
