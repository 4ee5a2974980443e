package dev.switchboard.node.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.node.Node;
import dev.switchboard.node.callee.CalleeRegistry;
import dev.switchboard.node.config.ConfigLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * P2P only by mutual consent ({@code docs/protocol.md} §5.2, §8) on a real node with real MQTT 5
 * clients: a call asks for a direct link ({@code "p2p":true}), the called side's {@code accept}
 * gives its final choice, and only then does an {@code offer}/{@code answer} with
 * {@code "mode":"p2p"} travel unchanged, with no relay session; without that consent it is refused
 * ({@code p2p-not-agreed}) and nothing reaches the recipient, while relayed descriptions are
 * rewritten as always. Every "nothing arrived" check takes every message up to a barrier.
 */
class DirectLinkIT {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int SUCCESS = 0x00;
    private static final int IMPLEMENTATION_SPECIFIC_ERROR = 0x83;
    private static final String OFFER_SDP = ChromiumFixtures.fixture("datachannel-offer-gathered.sdp");
    private static final String ANSWER_SDP = ChromiumFixtures.fixture("datachannel-answer-gathered.sdp");

    @TempDir
    static Path dataDir;
    private static Node node;
    private final List<TestPeer> peers = new ArrayList<>();
    private TestPeer caller;
    private TestPeer called;

    @BeforeAll
    static void startNode() throws Exception {
        node = Node.start(ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: 47200-47299, maxSessions: 20, idleTimeout: 60s }
                metrics: { port: -1 }
                """.formatted(dataDir.toString().replace("\\", "/")), "DirectLinkIT"), Node.Options.defaults());
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void connect() {
        caller = peer();
        called = peer();
    }

    @AfterEach
    void close() {
        peers.forEach(TestPeer::close);
    }

    private TestPeer peer() {
        final TestPeer p = new TestPeer();
        peers.add(p);
        p.connect(node.broker().tcpPort());
        assertEquals(1, p.subscribe(p.inbox()));
        return p;
    }

    private static String randomId() {
        final byte[] b = new byte[16];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static String b64(final byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static ObjectNode call(final TestPeer from, final String context, final boolean p2p) {
        final ObjectNode m = JSON.createObjectNode().put("v", 1).put("type", "call").put("context", context)
                .put("key", b64(from.spki)).put("nonce", "q3Vw1bM7cXrT9kLp2sYd0g");
        if (p2p) {
            m.put("p2p", true);
        }
        return m;
    }

    private static ObjectNode accept(final TestPeer from, final String context, final String mode) {
        return JSON.createObjectNode().put("v", 1).put("type", "accept").put("context", context)
                .put("key", b64(from.spki)).put("nonce", "Zx8Hn4Ja6Ue5Rt2Wm0Qk3s").put("mode", mode);
    }

    private static ObjectNode description(final String type, final String context, final String sdp,
                                          final String mode) {
        final byte[] sig = new byte[64];
        RANDOM.nextBytes(sig);
        final ObjectNode m = JSON.createObjectNode().put("v", 1).put("type", type).put("id", randomId())
                .put("context", context).put("sdp", sdp).put("sig", b64(sig));
        if (mode != null) {
            m.put("mode", mode);
        }
        return m;
    }

    private static ObjectNode candidate(final String context) {
        return JSON.createObjectNode().put("v", 1).put("type", "candidate").put("context", context)
                .put("candidate", "candidate:1 1 udp 2122260223 127.0.0.1 50123 typ host generation 0")
                .put("sdpMid", "0").put("sdpMLineIndex", 0);
    }

    private static JsonNode json(final Mqtt5Publish p) throws Exception {
        return JSON.readTree(TestPeer.payload(p));
    }

    private static void sent(final TestPeer from, final String topic, final ObjectNode m) {
        final TestPeer.Ack ack = from.publish(topic, m.toString());
        assertEquals(SUCCESS, ack.code(), ack.reason());
    }

    /** @return the next message in {@code to}'s inbox, from {@code from}. */
    private static JsonNode received(final TestPeer to, final TestPeer from) throws Exception {
        final Mqtt5Publish p = to.next(to.inbox());
        assertNotNull(p, "nothing arrived in the inbox");
        assertEquals(List.of(from.id), TestPeer.senders(p), TestPeer.payload(p));
        return json(p);
    }

    /** The call and its accept, each delivered. */
    private void agreed(final String context, final boolean asks, final String mode) throws Exception {
        sent(caller, called.inbox(), call(caller, context, asks));
        assertEquals("call", received(called, caller).get("type").asText());
        sent(called, caller.inbox(), accept(called, context, mode));
        assertEquals(mode, received(caller, called).get("mode").asText());
    }

    /**
     * Refused with {@code code}; the sender gets the node's error, and the recipient receives
     * nothing before a barrier message sent after it.
     */
    private static String refused(final TestPeer from, final TestPeer to, final ObjectNode m, final String code)
            throws Exception {
        final TestPeer.Ack ack = from.publish(to.inbox(), m.toString());
        assertEquals(IMPLEMENTATION_SPECIFIC_ERROR, ack.code(), ack.reason());
        assertTrue(ack.reason().startsWith(code + ": "), ack.reason());
        final Mqtt5Publish error = from.next(from.inbox());
        assertNotNull(error, "the node's error");
        assertEquals(List.of("node"), TestPeer.senders(error));
        assertEquals(code, json(error).get("code").asText());
        final String barrier = "{\"v\":1,\"type\":\"error\",\"code\":\"barrier\"}";
        assertEquals(SUCCESS, from.publish(to.inbox(), barrier).code());
        final List<Mqtt5Publish> arrived = to.takeUntil(p -> TestPeer.payload(p).contains("\"barrier\""));
        assertEquals(1, arrived.size(), "nothing but the barrier arrived: " + TestPeer.describe(arrived));
        return json(error).get("message").asText();
    }

    @Test
    void consentedCall_p2pOfferAnswerCandidate_forwardedUnchanged_noRelaySession() throws Exception {
        final String context = "call:" + randomId();
        agreed(context, true, "p2p");

        final ObjectNode offer = description("offer", context, OFFER_SDP, "p2p");
        sent(caller, called.inbox(), offer);
        final JsonNode deliveredOffer = received(called, caller);
        assertEquals(offer, deliveredOffer, "the offer travels unchanged, its SDP with every host candidate");
        final ObjectNode answer = description("answer", context, ANSWER_SDP, "p2p");
        sent(called, caller.inbox(), answer);
        assertEquals(answer, received(caller, called), "the answer travels unchanged");
        final ObjectNode trickled = candidate(context);
        sent(caller, called.inbox(), trickled);
        assertEquals(trickled, received(called, caller), "a trickled candidate travels too");

        assertEquals(List.of(), node.relay().sessionsOf(caller.id), "no relay session for the caller");
        assertEquals(List.of(), node.relay().sessionsOf(called.id), "no relay session for the called side");

        // only the two sides of the call: a third peer's P2P offer to the called side in that context is refused
        final TestPeer stranger = peer();
        refused(stranger, called, description("offer", context, OFFER_SDP, "p2p"), SignalingError.P2P_NOT_AGREED);
        // after a hangup the consent is gone
        sent(caller, called.inbox(), JSON.createObjectNode().put("v", 1).put("type", "hangup").put("context", context));
        assertEquals("hangup", received(called, caller).get("type").asText());
        refused(caller, called, description("offer", context, OFFER_SDP, "p2p"), SignalingError.P2P_NOT_AGREED);
    }

    @Test
    void callerDidNotAsk_p2pOfferRefused_relayedOfferRewritten() throws Exception {
        final String context = "call:" + randomId();
        agreed(context, false, "relay");
        refused(caller, called, description("offer", context, OFFER_SDP, "p2p"), SignalingError.P2P_NOT_AGREED);
        assertEquals(List.of(), node.relay().sessionsOf(caller.id), "a refused offer opens nothing");

        final ObjectNode relayed = description("offer", context, OFFER_SDP, null);
        sent(caller, called.inbox(), relayed);
        final JsonNode delivered = received(called, caller);
        final String sdp = delivered.get("sdp").asText();
        assertTrue(sdp.contains(" typ relay") && !sdp.contains(" typ host"), "rewritten to name the relay: " + sdp);
        assertEquals(1, node.relay().sessionsOf(caller.id).size(), "the relayed offer opened a session");
        // a trickled candidate in a relayed call still never reaches the other side
        assertEquals(SUCCESS, caller.publish(called.inbox(), candidate(context).toString()).code());
        assertEquals(SUCCESS, caller.publish(called.inbox(), "{\"v\":1,\"type\":\"error\",\"code\":\"barrier\"}").code());
        final List<Mqtt5Publish> arrived = called.takeUntil(p -> TestPeer.payload(p).contains("\"barrier\""));
        assertEquals(1, arrived.size(), TestPeer.describe(arrived));
    }

    @Test
    void callerAsked_calledChoseRelay_p2pRefusedBothWays_choiceFinal() throws Exception {
        final String context = "call:" + randomId();
        agreed(context, true, "relay");
        refused(caller, called, description("offer", context, OFFER_SDP, "p2p"), SignalingError.P2P_NOT_AGREED);
        refused(called, caller, description("answer", context, ANSWER_SDP, "p2p"), SignalingError.P2P_NOT_AGREED);
        // the called side cannot change its mind: its choice is final
        final String again = refused(called, caller, accept(called, context, "p2p"), SignalingError.BAD_FIELD);
        assertTrue(again.contains("final"), again);
        refused(caller, called, description("offer", context, OFFER_SDP, "p2p"), SignalingError.P2P_NOT_AGREED);
    }

    @Test
    void accept_p2pForACallThatDidNotAsk_refusedBadField() throws Exception {
        final String context = "call:" + randomId();
        sent(caller, called.inbox(), call(caller, context, false));
        assertEquals("call", received(called, caller).get("type").asText());
        refused(called, caller, accept(called, context, "p2p"), SignalingError.BAD_FIELD);
        // and a peer that was not called cannot consent for the called one
        final String asked = "call:" + randomId();
        sent(caller, called.inbox(), call(caller, asked, true));
        assertEquals("call", received(called, caller).get("type").asText());
        final TestPeer stranger = peer();
        refused(stranger, caller, accept(stranger, asked, "p2p"), SignalingError.BAD_FIELD);
        refused(caller, called, description("offer", asked, OFFER_SDP, "p2p"), SignalingError.P2P_NOT_AGREED);
    }

    @Test
    void roomContext_p2pOffer_refused() throws Exception {
        final String roomId = b64(new byte[32]).substring(0, 43);
        refused(caller, called, description("offer", "room:" + roomId, OFFER_SDP, "p2p").put("mac", "M".repeat(43)),
                SignalingError.P2P_NOT_AGREED);
    }

    @Test
    void calleeRingCall_tabConsents_p2pForwardedToThatTabOnly() throws Exception {
        final String calleeId = b64(randomBytes(32));
        final String secret = b64(randomBytes(32));
        final String ring = "sb/v1/callee/" + calleeId;
        sent(called, ring, JSON.createObjectNode().put("v", 1).put("type", "register")
                .put("secretHash", CalleeRegistry.hashOf(secret)));
        final TestPeer otherTab = peer();
        for (final TestPeer tab : List.of(called, otherTab)) {
            assertEquals(1, tab.subscribe(ring, Map.of("sb-callee-secret", secret)).code());
        }
        final String context = "call:" + randomId();
        sent(caller, ring, call(caller, context, true));
        assertNotNull(called.next(ring));
        assertNotNull(otherTab.next(ring));
        sent(called, caller.inbox(), accept(called, context, "p2p"));
        assertEquals("p2p", received(caller, called).get("mode").asText());

        final ObjectNode offer = description("offer", context, OFFER_SDP, "p2p");
        sent(caller, called.inbox(), offer);
        assertEquals(offer, received(called, caller));
        assertEquals(List.of(), node.relay().sessionsOf(caller.id));
        // the tab that did not answer never consented
        refused(caller, otherTab, description("offer", context, OFFER_SDP, "p2p"), SignalingError.P2P_NOT_AGREED);
    }

    private static byte[] randomBytes(final int n) {
        final byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
