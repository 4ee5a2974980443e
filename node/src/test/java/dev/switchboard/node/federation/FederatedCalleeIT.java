package dev.switchboard.node.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.node.callee.CalleeRegistry;
import dev.switchboard.node.metrics.NodeStatus;
import dev.switchboard.node.metrics.StatusTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A callee registered on node 2 called from node 1 ({@code docs/protocol.md} §5.3, "Across
 * nodes"), between two node processes with real MQTT 5 clients: node 1 says "offline" for it
 * until node 2 announces a waiting tab (and "unknown" for an id nobody registered); the call crosses the link to the home node and rings there with
 * the caller's verified id; only a client of the home node may answer; the offer is relayed by
 * both nodes (its candidate is node 1's relay at node 2's link, node 2's relay at the tab); the
 * secret is checked on the home node only (node 1 refuses the right secret); when the last tab
 * leaves, node 1 says "offline" at once. The status table lists the link with its state and
 * traffic in and out, the same counts as the metrics; one node's "out" is the other's "in".
 */
class FederatedCalleeIT {

    private static final Duration LINK = Duration.ofSeconds(90);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SUCCESS = 0x00;
    private static final int IMPLEMENTATION_SPECIFIC_ERROR = 0x83;
    private static final int NOT_AUTHORIZED = 0x87;

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private TestPeer peerOn(final NodeProcess n) {
        final TestPeer p = new TestPeer();
        open.add(p);
        p.connect(n.tcpPort);
        assertEquals(1, p.subscribe(p.inbox()));
        return p;
    }

    private static String random() {
        final byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String b64(final byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String call(final TestPeer caller, final String callId) {
        return "{\"v\":1,\"type\":\"call\",\"context\":\"call:" + callId + "\",\"key\":\"" + b64(caller.spki)
                + "\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"caps\":[\"FILE\"]}";
    }

    private static String accept(final TestPeer tab, final String callId) {
        return "{\"v\":1,\"type\":\"accept\",\"context\":\"call:" + callId + "\",\"key\":\"" + b64(tab.spki)
                + "\",\"nonce\":\"Zx8Hn4Ja6Ue5Rt2Wm0Qk3s\",\"mode\":\"relay\"}";
    }

    private static String offer(final String callId) throws IOException {
        final String sdp;
        try (InputStream in = FederatedCalleeIT.class.getResourceAsStream("/sdp/chromium/datachannel-offer-gathered.sdp")) {
            sdp = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        final byte[] sig = new byte[64];
        RANDOM.nextBytes(sig);
        return JSON.createObjectNode().put("v", 1).put("type", "offer").put("context", "call:" + callId)
                .put("sdp", sdp).put("sig", b64(sig)).toString();
    }

    /**
     * @return the next message on {@code topic} within the link timeout, skipping others and the
     *     node's own notices (the errors that came with refused publishes, sender {@code node}).
     */
    private static Mqtt5Publish next(final TestPeer p, final String topic) throws InterruptedException {
        final long deadline = System.nanoTime() + LINK.toNanos();
        while (System.nanoTime() < deadline) {
            final Mqtt5Publish m = p.received.poll(1, java.util.concurrent.TimeUnit.SECONDS);
            if (m != null && m.getTopic().toString().equals(topic) && !TestPeer.senders(m).equals(List.of("node"))) {
                return m;
            }
        }
        throw new AssertionError("nothing on " + topic + " within " + LINK);
    }

    private static String prop(final Mqtt5Publish m, final String name) {
        return m.getUserProperties().asList().stream().filter(u -> u.getName().toString().equals(name))
                .map(u -> u.getValue().toString()).findFirst().orElse(null);
    }

    private static HttpResponse<String> calleeJson(final NodeProcess n, final String id) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + n.webPort + "/callee.json?id=" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** @return the ports of the relay candidates in {@code sdp}. */
    private static List<Integer> relayPorts(final String sdp) {
        final List<Integer> ports = new ArrayList<>();
        final Matcher m = Pattern.compile("a=candidate:\\S+ \\d+ udp \\d+ (\\S+) (\\d+) typ (\\S+)").matcher(sdp);
        while (m.find()) {
            assertEquals("relay", m.group(3), sdp);
            ports.add(Integer.parseInt(m.group(2)));
        }
        return ports;
    }

    @Test
    void calleeOnNode2_calledFromNode1_ringsAnswersRelayedByBoth_secretStaysHome() throws Exception {
        final NodeProcess n1 = new NodeProcess(dir, "n1", "47400-47419");
        open.add(n1);
        final NodeProcess n2 = new NodeProcess(dir, "n2", "47420-47439");
        open.add(n2);
        n1.start();
        n2.start();
        n1.peers(Map.of(n2.id, n2.federationPort));
        n2.peers(Map.of(n1.id, n1.federationPort));
        await().atMost(LINK).until(() -> n1.linkUp(n2) && n2.linkUp(n1));

        final String calleeId = random();
        final String secret = random();
        final TestPeer owner = peerOn(n2);
        final TestPeer.Ack registered = owner.publish("sb/v1/callee/" + calleeId, "{\"v\":1,\"type\":\"register\",\"secretHash\":\""
                + CalleeRegistry.hashOf(secret) + "\",\"label\":\"Desk at site 2\"}");
        assertEquals(SUCCESS, registered.code(), registered.reason());

        // before a tab waits, node 1 knows the callee is registered at its linked home and says
        // "offline" (not "unknown"); an id nobody registered stays unknown
        final TestPeer caller = peerOn(n1);
        assertEquals(404, calleeJson(n1, random()).statusCode());
        await().atMost(LINK).until(() -> calleeJson(n1, calleeId).statusCode() == 200);
        final TestPeer.Ack offline = caller.publish("sb/v1/callee/" + calleeId, call(caller, "early"));
        assertTrue(offline.code() == IMPLEMENTATION_SPECIFIC_ERROR && offline.reason().startsWith("recipient-unavailable")
                && offline.reason().contains("offline"), offline.toString());
        final TestPeer.Ack unknown = caller.publish("sb/v1/callee/" + random(), call(caller, "early2"));
        assertTrue(unknown.code() == IMPLEMENTATION_SPECIFIC_ERROR && unknown.reason().startsWith("unknown-callee"),
                unknown.toString());

        // the secret is checked at the home node only: node 1 refuses even the right one
        final TestPeer impostorTab = peerOn(n1);
        assertEquals(NOT_AUTHORIZED, impostorTab.subscribe("sb/v1/callee/" + calleeId,
                Map.of("sb-callee-secret", secret)).code());

        final TestPeer tab = peerOn(n2);
        assertEquals(1, tab.subscribe("sb/v1/callee/" + calleeId, Map.of("sb-callee-secret", secret)).code());
        await().atMost(LINK).until(() -> "Desk at site 2".equals(JSON.readTree(calleeJson(n1, calleeId).body()).path("label").asText()));
        final JsonNode info = JSON.readTree(calleeJson(n1, calleeId).body());
        assertEquals(calleeId, info.get("id").asText());
        assertEquals("Desk at site 2", info.get("label").asText());

        // the call rings at the home node with the caller's verified id
        final TestPeer.Ack called = caller.publish("sb/v1/callee/" + calleeId, call(caller, "c1"));
        assertEquals(SUCCESS, called.code(), called.reason());
        final Mqtt5Publish rang = next(tab, "sb/v1/callee/" + calleeId);
        assertEquals(List.of(caller.id), TestPeer.senders(rang));
        assertEquals(n1.id, prop(rang, "sb-origin"));
        assertEquals("call", JSON.readTree(TestPeer.payload(rang)).get("type").asText());

        // at the caller's node only a client of the home node may answer
        final TestPeer.Ack notCallee = impostorTab.publish(caller.inbox(), accept(impostorTab, "c1"));
        assertTrue(notCallee.code() == IMPLEMENTATION_SPECIFIC_ERROR && notCallee.reason().startsWith("not-callee"),
                notCallee.toString());
        final TestPeer.Ack accepted = tab.publish(caller.inbox(), accept(tab, "c1"));
        assertEquals(SUCCESS, accepted.code(), accepted.reason());
        final Mqtt5Publish accept = next(caller, caller.inbox());
        assertEquals(List.of(tab.id), TestPeer.senders(accept));
        assertEquals("accept", JSON.readTree(TestPeer.payload(accept)).get("type").asText());

        // the caller's offer is relayed by both nodes: the tab sees only node 2's relay
        final TestPeer.Ack offered = caller.publish(tab.inbox(), offer("c1"));
        assertEquals(SUCCESS, offered.code(), offered.reason());
        final Mqtt5Publish atTab = next(tab, tab.inbox());
        final List<Integer> ports = relayPorts(JSON.readTree(TestPeer.payload(atTab)).get("sdp").asText());
        assertTrue(!ports.isEmpty() && ports.stream().allMatch(p -> p >= 47420 && p <= 47439),
                "the tab's offer names node 2's relay only: " + ports);

        // the caller gives up: the hangup reaches the ringing tab at the home node
        assertEquals(SUCCESS, caller.publish("sb/v1/callee/" + calleeId, "{\"v\":1,\"type\":\"hangup\",\"context\":\"call:c1\"}").code());
        final Mqtt5Publish hangup = next(tab, "sb/v1/callee/" + calleeId);
        assertEquals("hangup", JSON.readTree(TestPeer.payload(hangup)).get("type").asText());

        // the last tab leaves: node 1 says "offline" at once
        open.remove(tab);
        tab.close();
        await().atMost(LINK).pollInterval(Duration.ofMillis(500)).until(() -> {
            final TestPeer.Ack a = caller.publish("sb/v1/callee/" + calleeId, call(caller, "late" + System.nanoTime()));
            return a.code() == IMPLEMENTATION_SPECIFIC_ERROR && a.reason().startsWith("recipient-unavailable")
                    && a.reason().contains("offline");
        });

        // the status table shows each link's state and traffic, the same counts as the metrics, and
        // what one node sent over the link is what the other received (compared once traffic is quiet)
        await().atMost(LINK).pollInterval(Duration.ofSeconds(1)).until(() -> {
            final NodeStatus.PeerLink l1 = link(n1, n2);
            final NodeStatus.PeerLink l2 = link(n2, n1);
            return l1.messagesIn() > 0 && l1.messagesOut() > 0 && l1.bytesIn() > 0 && l1.bytesOut() > 0
                    && l1.messagesOut() == l2.messagesIn() && l1.bytesOut() == l2.bytesIn()
                    && l1.messagesIn() == l2.messagesOut() && l1.bytesIn() == l2.bytesOut()
                    && l1.equals(withSince(link(n1, n2), l1.sinceSeconds()));
        });
        final NodeStatus.PeerLink l1 = link(n1, n2);
        final String peer = "peer=\"" + n2.id + "\"";
        assertEquals(l1.messagesIn(), (long) n1.metric("switchboard_peer_link_messages_total", peer, "direction=\"in\""));
        assertEquals(l1.messagesOut(), (long) n1.metric("switchboard_peer_link_messages_total", peer, "direction=\"out\""));
        assertEquals(l1.bytesIn(), (long) n1.metric("switchboard_peer_link_bytes_total", peer, "direction=\"in\""));
        assertEquals(l1.bytesOut(), (long) n1.metric("switchboard_peer_link_bytes_total", peer, "direction=\"out\""));
        assertEquals(1.0, n1.metric("switchboard_peer_link_up", peer));
        final String table = StatusTable.format(n1.status());
        final String row = table.lines().filter(l -> l.contains(n2.id)).findFirst().orElseThrow(() -> new AssertionError(table));
        assertTrue(row.matches("\\s+" + n2.id + "\\s+up\\s+\\S+\\s+" + Pattern.quote(String.format(java.util.Locale.ROOT, "%,d", l1.messagesIn()))
                + " \\([^)]+\\)\\s+" + Pattern.quote(String.format(java.util.Locale.ROOT, "%,d", l1.messagesOut())) + " \\([^)]+\\)"), table);
    }

    private static NodeStatus.PeerLink link(final NodeProcess at, final NodeProcess peer) throws Exception {
        return at.status().peerLinks().stream().filter(l -> l.peer().equals(peer.id)).findFirst()
                .orElseThrow(() -> new AssertionError("no link to " + peer.id + " in " + at.name + "'s status"));
    }

    private static NodeStatus.PeerLink withSince(final NodeStatus.PeerLink l, final long since) {
        return new NodeStatus.PeerLink(l.peer(), l.state(), since, l.messagesIn(), l.bytesIn(), l.messagesOut(), l.bytesOut());
    }
}
