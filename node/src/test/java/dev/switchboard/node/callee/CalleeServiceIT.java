package dev.switchboard.node.callee;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.node.Node;
import dev.switchboard.node.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The callee service end to end on a real node with real MQTT 5 clients ({@code docs/protocol.md}
 * §5.3): registering a pair, proving the secret to wait for calls, the caller's clear outcomes
 * (unknown, offline, ringing), who may answer, persistence across a restart, and expiry on an
 * injected clock.
 */
class CalleeServiceIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int SUCCESS = 0x00;
    private static final int GRANTED_QOS_1 = 0x01;
    private static final int IMPLEMENTATION_SPECIFIC_ERROR = 0x83;
    private static final int NOT_AUTHORIZED = 0x87;

    @TempDir
    Path dataDir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-06-01T08:00:00Z"));
    private final List<TestPeer> peers = new ArrayList<>();
    private Node node;

    private Node start() throws Exception {
        node = Node.start(ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: 46150-46199, maxSessions: 20 }
                metrics: { port: -1 }
                callee: { expiry: 1h }
                """.formatted(dataDir.toString().replace("\\", "/")), "CalleeServiceIT"),
                Node.Options.defaults().withClock(clock));
        return node;
    }

    @AfterEach
    void stop() {
        peers.forEach(TestPeer::close);
        if (node != null) {
            node.close();
        }
    }

    private TestPeer peer() {
        final TestPeer p = new TestPeer();
        peers.add(p);
        p.connect(node.broker().tcpPort());
        assertEquals(GRANTED_QOS_1, p.subscribe(p.inbox()));
        return p;
    }

    private static String random() {
        return CalleeRegistryTest.random(32);
    }

    private static String ring(final String calleeId) {
        return "sb/v1/callee/" + calleeId;
    }

    private static String register(final String secret, final String label) {
        return "{\"v\":1,\"type\":\"register\",\"secretHash\":\"" + CalleeRegistry.hashOf(secret) + "\",\"label\":\"" + label + "\"}";
    }

    private static String call(final TestPeer caller, final String callId) {
        return "{\"v\":1,\"type\":\"call\",\"context\":\"call:" + callId + "\",\"key\":\""
                + Base64.getUrlEncoder().withoutPadding().encodeToString(caller.spki)
                + "\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"caps\":[\"FILE\"]}";
    }

    private static String accept(final TestPeer tab, final String callId) {
        return "{\"v\":1,\"type\":\"accept\",\"context\":\"call:" + callId + "\",\"key\":\""
                + Base64.getUrlEncoder().withoutPadding().encodeToString(tab.spki)
                + "\",\"nonce\":\"Zx8Hn4Ja6Ue5Rt2Wm0Qk3s\",\"mode\":\"relay\"}";
    }

    private static JsonNode json(final Mqtt5Publish p) throws Exception {
        return JSON.readTree(TestPeer.payload(p));
    }

    private void registered(final TestPeer owner, final String id, final String secret) {
        final TestPeer.Ack ack = owner.publish(ring(id), register(secret, "Ann's desk"));
        assertEquals(SUCCESS, ack.code(), ack.reason());
    }

    @Test
    void pair_registerWaitCall_ringsOnlyProvenTabs_firstAcceptWins() throws Exception {
        start();
        final TestPeer owner = peer();
        final String id = random();
        final String secret = random();
        registered(owner, id, secret);
        assertEquals(IMPLEMENTATION_SPECIFIC_ERROR, owner.publish(ring(id), register(random(), "again")).code(),
                "an id is registered once");

        final TestPeer caller = peer();
        final TestPeer.Ack offline = caller.publish(ring(id), call(caller, "c1"));
        assertEquals(IMPLEMENTATION_SPECIFIC_ERROR, offline.code());
        assertTrue(offline.reason().startsWith("recipient-unavailable") && offline.reason().contains("offline"),
                offline.reason());
        final TestPeer.Ack unknown = caller.publish(ring(random()), call(caller, "c2"));
        assertTrue(unknown.reason().startsWith("unknown-callee")
                && unknown.reason().contains("does not exist or has expired"), unknown.reason());

        // a page without the secret cannot wait for the calls; a wrong secret looks like an unknown id
        final TestPeer stranger = peer();
        final TestPeer.Ack noSecret = stranger.subscribe(ring(id), Map.of());
        assertEquals(NOT_AUTHORIZED, noSecret.code());
        assertTrue(noSecret.reason().contains("sb-callee-secret"), noSecret.reason());
        final TestPeer.Ack wrong = stranger.subscribe(ring(id), Map.of("sb-callee-secret", random()));
        final String otherId = random();
        final TestPeer.Ack nonexistent = stranger.subscribe(ring(otherId), Map.of("sb-callee-secret", random()));
        assertEquals(NOT_AUTHORIZED, wrong.code());
        assertEquals(NOT_AUTHORIZED, nonexistent.code());
        assertEquals(wrong.reason(), nonexistent.reason().replace(otherId, id), "the same refusal for both");

        final TestPeer tab1 = peer();
        final TestPeer tab2 = peer();
        assertEquals(GRANTED_QOS_1, tab1.subscribe(ring(id), Map.of("sb-callee-secret", secret)).code());
        assertEquals(GRANTED_QOS_1, tab2.subscribe(ring(id), Map.of("sb-callee-secret", secret)).code());

        assertEquals(SUCCESS, caller.publish(ring(id), call(caller, "c3")).code());
        for (final TestPeer tab : List.of(tab1, tab2)) {
            final Mqtt5Publish rang = tab.next(ring(id));
            assertNotNull(rang, "every waiting tab rings");
            assertEquals("call:c3", json(rang).get("context").asText());
            assertEquals(List.of(caller.id), TestPeer.senders(rang));
        }

        final TestPeer.Ack impostor = stranger.publish(caller.inbox(), accept(stranger, "c3"));
        assertTrue(impostor.reason().startsWith("not-callee"), impostor.reason());
        assertEquals(SUCCESS, tab2.publish(caller.inbox(), accept(tab2, "c3")).code());
        final TestPeer.Ack late = tab1.publish(caller.inbox(), accept(tab1, "c3"));
        assertTrue(late.reason().startsWith("call-taken"), late.reason());
        // the tab that answered tells the others to stop ringing; a stranger cannot
        assertTrue(stranger.publish(ring(id), "{\"v\":1,\"type\":\"hangup\",\"context\":\"call:c3\"}")
                .reason().startsWith("not-callee"));
        assertEquals(SUCCESS, tab2.publish(ring(id), "{\"v\":1,\"type\":\"hangup\",\"context\":\"call:c3\"}").code());
        assertEquals("hangup", json(tab1.next(ring(id))).get("type").asText());
        // before the accept, the caller's inbox holds only the node's errors for its refused calls
        final List<Mqtt5Publish> inbox = caller.takeUntil(p -> TestPeer.payload(p).contains("\"type\":\"accept\""));
        final Mqtt5Publish accepted = inbox.get(inbox.size() - 1);
        assertEquals(List.of(tab2.id), TestPeer.senders(accepted), "the first tab's accept, only");
        for (final Mqtt5Publish p : inbox.subList(0, inbox.size() - 1)) {
            assertEquals(List.of("node"), TestPeer.senders(p), TestPeer.describe(inbox));
            assertEquals("error", json(p).get("type").asText());
        }
    }

    /** GET callee.json for {@code id} from the node's web server. */
    private JsonNode calleeInfo(final String id) throws Exception {
        final HttpResponse<String> r = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(node.url() + "callee.json?id=" + id)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    @Test
    void register_emptyLabel_acceptedAsNoLabel() throws Exception {
        start();
        final TestPeer owner = peer();
        final String empty = random();
        final String blank = random();
        final String named = random();
        assertEquals(SUCCESS, owner.publish(ring(empty), register(random(), "")).code(), "an empty label is no label");
        assertEquals(SUCCESS, owner.publish(ring(blank), register(random(), "  \\u0007 ")).code(),
                "a label that is empty once cleaned is no label");
        assertEquals(SUCCESS, owner.publish(ring(named), register(random(), "Desk")).code());
        for (final String id : List.of(empty, blank)) {
            final JsonNode info = calleeInfo(id);
            assertEquals(id, info.get("id").asText());
            assertFalse(info.has("label"), "no label field: " + info);
        }
        assertEquals("Desk", calleeInfo(named).get("label").asText());
    }

    @Test
    void pair_survivesRestart_thenExpiresOnTheInjectedClock() throws Exception {
        start();
        final String id = random();
        final String secret = random();
        registered(peer(), id, secret);
        peers.forEach(TestPeer::close);
        peers.clear();
        node.close();

        start();
        final TestPeer tab = peer();
        assertEquals(GRANTED_QOS_1, tab.subscribe(ring(id), Map.of("sb-callee-secret", secret)).code(),
                "the pair survived the restart");
        final TestPeer caller = peer();
        assertEquals(SUCCESS, caller.publish(ring(id), call(caller, "r1")).code());
        assertNotNull(tab.next(ring(id)));

        clock.advance(Duration.ofMinutes(59));
        assertEquals(SUCCESS, caller.publish(ring(id), call(caller, "r2")).code(), "used a minute ago");
        clock.advance(Duration.ofMinutes(61));
        final TestPeer.Ack expired = caller.publish(ring(id), call(caller, "r3"));
        assertTrue(expired.reason().startsWith("unknown-callee"), "expired pairs no longer ring: " + expired.reason());
        final TestPeer other = peer();
        assertEquals(NOT_AUTHORIZED, other.subscribe(ring(id), Map.of("sb-callee-secret", secret)).code());
    }
}
