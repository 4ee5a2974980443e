package dev.switchboard.node.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.node.Node;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.relay.RelayCounters;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.stun.Stun;
import dev.switchboard.node.stun.StunMessageBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's signaling rules end to end: one real {@link Node} on 127.0.0.1 (plain TCP, free
 * ports) and real MQTT 5 clients ({@link TestPeer}, sb-key-v1 authentication) exchanging the
 * messages of {@code docs/protocol.md}. Every refusal is checked in the sender's inbox
 * ({@code {"v":1,"type":"error",...}} with {@code sb-sender=node}), and after it the same two
 * clients still exchange messages normally; a refused message reaching the recipient would show
 * up there as the recipient's first message.
 */
class SignalingServiceIT {

    private static final int MAX_SDP_BYTES = 16 * 1024;
    private static final String RELAY_HOST = "127.0.0.1";
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A sealed box and a membership MAC (docs/protocol.md §5.1, §6.1): the node checks only their shape. */
    private static final String BOX = "c2VhbGVkIG5hbWUsIG9wYXF1ZSB0byB0aGUgbm9kZSwgNDArIGNoYXJz";
    private static final String MAC = "M".repeat(43);
    /** PUBACK reason codes (MQTT 5 §3.4.2.1). */
    private static final int SUCCESS = 0x00;
    private static final int IMPLEMENTATION_SPECIFIC_ERROR = 0x83;
    private static final int NOT_AUTHORIZED = 0x87;

    @TempDir
    static Path dataDir;
    private static Node node;

    private final List<TestPeer> peers = new ArrayList<>();
    private TestPeer a;
    private TestPeer b;
    private String roomId;
    private String context;
    private int messageIds;

    @BeforeAll
    static void startNode() throws Exception {
        node = Node.start(ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: 42000-42199, maxSessions: 50, idleTimeout: 120s }
                limits: { maxSdpBytes: %d }
                """.formatted(dataDir.toString().replace("\\", "/"), MAX_SDP_BYTES), "SignalingServiceIT"),
                Node.Options.defaults());
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    @BeforeEach
    void connectPeers() {
        roomId = randomId();
        context = Context.room(roomId).toString();
        a = connectedPeer();
        b = connectedPeer();
    }

    @AfterEach
    void closePeers() {
        peers.forEach(TestPeer::close);
    }

    // --- 1. offer / answer -----------------------------------------------------------------

    @ParameterizedTest(name = "{0}-{1}")
    @CsvSource({"datachannel, initial", "datachannel, gathered", "audio-video, initial", "audio-video, gathered"})
    void offerAndAnswer_chromiumSdp_deliveredWithOnlyTheRelayCandidate(final String kind, final String variant)
            throws Exception {
        final String offerSdp = fixture(kind + "-offer-" + variant + ".sdp");
        final String answerSdp = fixture(kind + "-answer-" + variant + ".sdp");

        final ObjectNode offer = description("offer", offerSdp);
        assertEquals(SUCCESS, send(a, b, offer).code());
        final Mqtt5Publish offerAtB = receive(b, b.inbox());
        assertEquals(List.of(a.id), TestPeer.senders(offerAtB));
        final List<RelaySession> sessions = node.relay().sessionsOf(a.id);
        assertEquals(1, sessions.size(), "one relay session for A");
        final RelaySession session = sessions.get(0);
        assertSame(session, node.relay().session(SessionKey.of(context, a.id, b.id)));
        assertEquals(a.id, session.peerA());
        final ObjectNode delivered = json(offerAtB);
        assertUnchangedApartFromSdp(offer, delivered);
        assertRelayed(offerSdp, delivered.get("sdp").asText(), session.advertisedAddress(a.id).getPort());

        final ObjectNode answer = description("answer", answerSdp);
        assertEquals(SUCCESS, send(b, a, answer).code());
        final Mqtt5Publish answerAtA = receive(a, a.inbox());
        assertEquals(List.of(b.id), TestPeer.senders(answerAtA));
        assertEquals(List.of(session), node.relay().sessionsOf(b.id), "the answer reuses the session");
        final ObjectNode deliveredAnswer = json(answerAtA);
        assertUnchangedApartFromSdp(answer, deliveredAnswer);
        assertRelayed(answerSdp, deliveredAnswer.get("sdp").asText(), session.advertisedAddress(b.id).getPort());

        assertIceCredentialsSet(session, ice(offerSdp), ice(answerSdp));
        assertExchangeWorks();
    }

    @Test
    void offer_toOwnInbox_refusedBadField() {
        final ObjectNode offer = description("offer", fixture("datachannel-offer-gathered.sdp"));
        assertRefused(a.publish(a.inbox(), offer.toString()), a, a.inbox(), offer, SignalingError.BAD_FIELD,
                "another peer");
        assertTrue(node.relay().sessionsOf(a.id).isEmpty());
        assertExchangeWorks();
    }

    // --- 2. trickled candidates ------------------------------------------------------------

    @Test
    void candidate_valid_droppedWithoutError() {
        for (final String candidate : List.of(trickled().get(0), "")) {
            final ObjectNode m = message("candidate").put("context", context).put("candidate", candidate)
                    .put("sdpMid", "0").put("sdpMLineIndex", 0);
            assertEquals(SUCCESS, send(a, b, m).code(), "dropped with PUBACK 0x00");
        }
        // B's first message must be the exchange's, not a candidate; A's first one not an error.
        assertExchangeWorks();
    }

    @Test
    void candidate_malformed_refusedBadCandidate() {
        final ObjectNode m = message("candidate").put("context", context)
                .put("candidate", "candidate:1 1 udp notanumber 127.0.0.1 5000 typ host");
        final JsonNode error = assertRefused(send(a, b, m), a, b.inbox(), m, SignalingError.BAD_CANDIDATE,
                "notanumber");
        assertFalse(error.get("message").asText().isBlank());
        assertExchangeWorks();
    }

    // --- 3. message validation -------------------------------------------------------------

    @Test
    void payload_notJson_refusedBadJson() {
        final TestPeer.Ack ack = a.publish(b.inbox(), "{\"v\":1,\"type\":\"hello\",");
        final JsonNode error = assertError(a, b.inbox(), SignalingError.BAD_JSON, null, null);
        assertEquals(IMPLEMENTATION_SPECIFIC_ERROR, ack.code());
        assertTrue(error.get("message").asText().contains("JSON"), error.toString());
        assertExchangeWorks();
    }

    @Test
    void payload_jsonArray_refusedBadJson() {
        assertEquals(IMPLEMENTATION_SPECIFIC_ERROR, a.publish(b.inbox(), "[1,2]").code());
        assertError(a, b.inbox(), SignalingError.BAD_JSON, null, null);
        assertExchangeWorks();
    }

    @Test
    void message_versionTwo_refusedBadVersion() {
        final ObjectNode m = hello(a).put("v", 2);
        assertRefused(send(a, b, m), a, b.inbox(), m, SignalingError.BAD_VERSION, "2");
        assertExchangeWorks();
    }

    @Test
    void message_unknownType_refusedUnknownType() {
        final ObjectNode m = message("greeting");
        assertRefused(send(a, b, m), a, b.inbox(), m, SignalingError.UNKNOWN_TYPE, "greeting");
        assertExchangeWorks();
    }

    @Test
    void offer_missingSdp_refusedBadField() {
        final ObjectNode m = description("offer", "v=0\r\n");
        m.remove("sdp");
        assertRefused(send(a, b, m), a, b.inbox(), m, SignalingError.BAD_FIELD, "'sdp'");
        assertExchangeWorks();
    }

    @Test
    void offer_onPresenceTopic_refusedBadField() {
        final ObjectNode m = description("offer", fixture("datachannel-offer-gathered.sdp"));
        final String presence = presence();
        assertRefused(a.publish(presence, m.toString()), a, presence, m, SignalingError.BAD_FIELD, presence);
        assertTrue(node.relay().sessionsOf(a.id).isEmpty());
        assertPresenceWorks();
        assertExchangeWorks();
    }

    @Test
    void hello_fromNamesAnotherPeer_refusedForgedSender() {
        final ObjectNode m = hello(a).put("from", b.id);
        assertRefused(send(a, b, m), a, b.inbox(), m, SignalingError.FORGED_SENDER, b.id);
        assertExchangeWorks();
    }

    @Test
    void join_keyOfAnotherPeer_refusedKeyMismatch() {
        final ObjectNode m = message("join").put("key", b64(b.spki)).put("nonce", randomNonce()).put("box", BOX);
        final String presence = presence();
        assertRefused(a.publish(presence, m.toString()), a, presence, m, SignalingError.KEY_MISMATCH, a.id);
        assertPresenceWorks();
        assertExchangeWorks();
    }

    // --- 4. SDP ----------------------------------------------------------------------------

    @Test
    void offer_brokenMediaLine_refusedBadSdpNamingTheLine() {
        final String sdp = fixture("datachannel-offer-gathered.sdp")
                .replace("m=application 58740 UDP/DTLS/SCTP", "m=application x UDP/DTLS/SCTP");
        final int line = lineNumberOf(sdp, "m=application x");
        final ObjectNode m = description("offer", sdp);
        final JsonNode error = assertRefused(send(a, b, m), a, b.inbox(), m, SignalingError.BAD_SDP, "\"x\"");
        assertTrue(error.get("message").asText().startsWith("line " + line + ":"), error.toString());
        assertTrue(node.relay().sessionsOf(a.id).isEmpty(), "no relay session for a refused offer");
        assertExchangeWorks();
    }

    @Test
    void offer_withoutIceCredentials_refusedBadSdp() {
        final String sdp = fixture("datachannel-offer-gathered.sdp")
                .replaceAll("a=ice-(ufrag|pwd):[^\r\n]*\r\n", "");
        final ObjectNode m = description("offer", sdp);
        assertRefused(send(a, b, m), a, b.inbox(), m, SignalingError.BAD_SDP, "ice-ufrag");
        assertTrue(node.relay().sessionsOf(a.id).isEmpty(), "no relay session for a refused offer");
        assertExchangeWorks();
    }

    @Test
    void offer_sdpOverLimit_refusedTooLarge() {
        final ObjectNode m = description("offer", padded(fixture("datachannel-offer-gathered.sdp"),
                MAX_SDP_BYTES + 1));
        assertRefused(send(a, b, m), a, b.inbox(), m, SignalingError.TOO_LARGE, String.valueOf(MAX_SDP_BYTES));
        assertTrue(node.relay().sessionsOf(a.id).isEmpty(), "no relay session for a refused offer");
        assertExchangeWorks();
    }

    @Test
    void offer_sdpExactlyAtLimit_delivered() throws Exception {
        final String sdp = padded(fixture("datachannel-offer-gathered.sdp"), MAX_SDP_BYTES);
        assertEquals(SUCCESS, send(a, b, description("offer", sdp)).code());
        final Mqtt5Publish got = receive(b, b.inbox());
        assertEquals("offer", json(got).get("type").asText());
        assertEquals(1, node.relay().sessionsOf(a.id).size());
    }

    // --- relay limits ------------------------------------------------------------------------

    @Test
    void offer_overSendersSessionLimit_refusedRelayUnavailable() {
        final String sdp = fixture("datachannel-offer-gathered.sdp");
        final int limit = node.config().relay().maxSessionsPerPeer();
        for (int i = 0; i < limit; i++) { // offers to other members of the room, never answered
            final TestPeer other = connectedPeer();
            assertEquals(SUCCESS, send(a, other, description("offer", sdp)).code());
        }
        assertEquals(limit, node.relay().sessionsOf(a.id).size());
        final ObjectNode m = description("offer", sdp);
        assertRefused(send(a, b, m), a, b.inbox(), m, SignalingError.RELAY_UNAVAILABLE, a.id);
        assertNull(node.relay().session(SessionKey.of(context, a.id, b.id)));
        assertExchangeWorks();
    }

    @Test
    void offer_toPeerNotConnected_refusedRecipientUnavailable_noRelaySession() {
        final String nobody = randomId();
        final ObjectNode m = description("offer", fixture("datachannel-offer-gathered.sdp"));
        assertRefused(a.publish("sb/v1/inbox/" + nobody, m.toString()), a, "sb/v1/inbox/" + nobody, m,
                SignalingError.RECIPIENT_UNAVAILABLE, nobody);
        assertEquals(0, node.relay().sessionsOf(a.id).size());
        assertExchangeWorks();
    }

    @Test
    void offer_toPeerNotInTheRoom_refusedRecipientUnavailable() {
        final TestPeer outside = new TestPeer();
        peers.add(outside);
        outside.connect(node.broker().tcpPort());
        assertEquals(1, outside.subscribe(outside.inbox()));
        final ObjectNode m = description("offer", fixture("datachannel-offer-gathered.sdp"));
        assertRefused(send(a, outside, m), a, outside.inbox(), m, SignalingError.RECIPIENT_UNAVAILABLE, outside.id);
        assertEquals(0, node.relay().sessionsOf(a.id).size());
    }

    @Test
    void offer_fromPeerNotInTheRoom_refusedNotInRoom() {
        final TestPeer outside = new TestPeer();
        peers.add(outside);
        outside.connect(node.broker().tcpPort());
        assertEquals(1, outside.subscribe(outside.inbox()));
        final ObjectNode m = description("offer", fixture("datachannel-offer-gathered.sdp"));
        assertRefused(send(outside, b, m), outside, b.inbox(), m, SignalingError.NOT_IN_ROOM, roomId);
        assertEquals(0, node.relay().sessionsOf(b.id).size());
    }

    @Test
    void offer_strangerOfferedToRecipientInManyContexts_stillRelayed() throws Exception {
        final TestPeer stranger = connectedPeer();
        final String sdp = fixture("datachannel-offer-gathered.sdp");
        for (int i = 0; i < node.config().relay().maxSessionsPerPeer(); i++) {
            final ObjectNode offer = description("offer", sdp).put("context", "call:" + randomId());
            assertEquals(SUCCESS, send(stranger, b, offer).code());
            assertEquals("offer", json(receive(b, b.inbox())).get("type").asText());
        }
        // B never answered any of them, so they do not count against B's own per-peer limit
        assertEquals(SUCCESS, send(a, b, description("offer", sdp)).code(), "A's offer to B is relayed");
        assertEquals("offer", json(receive(b, b.inbox())).get("type").asText());
    }

    // --- 5. topics -------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"sb/v1/elsewhere", "sb/v2/inbox/x", "sb/v1/node/info", "elsewhere"})
    void publish_topicOutsideGrammar_refusedForbiddenTopicClientStaysConnected(final String topic) {
        final ObjectNode m = hello(a);
        final TestPeer.Ack ack = a.publish(topic, m.toString());
        assertEquals(NOT_AUTHORIZED, ack.code(), ack.reason());
        assertError(a, topic, "forbidden-topic", "hello", m.get("id").asText());
        assertTrue(a.isConnected());
        assertExchangeWorks();
    }

    @Test
    void publish_retained_refusedForbiddenTopicClientStaysConnected() {
        final ObjectNode m = hello(a);
        final TestPeer.Ack ack = a.publish(b.inbox(), m.toString(), true, p -> { });
        assertEquals(NOT_AUTHORIZED, ack.code(), ack.reason());
        assertError(a, b.inbox(), "forbidden-topic", "hello", m.get("id").asText());
        assertTrue(a.isConnected());
        assertExchangeWorks();
    }

    // --- 6. ending sessions ----------------------------------------------------------------

    @Test
    void hangup_afterOfferAndAnswer_closesThePairsRelaySession() throws Exception {
        final RelaySession session = offerAndAnswer();
        final ObjectNode hangup = message("hangup").put("context", context);
        assertEquals(SUCCESS, send(a, b, hangup).code());
        assertDelivered(b, b.inbox(), a, hangup);
        assertFalse(session.isOpen());
        assertNull(node.relay().session(SessionKey.of(context, a.id, b.id)));
        assertTrue(node.relay().sessionsOf(a.id).isEmpty());
        assertTrue(node.relay().sessionsOf(b.id).isEmpty());

        final RelaySession again = offerAndAnswer();
        assertTrue(again.isOpen(), "a new offer opens a new session");
        assertExchangeWorks();
    }

    @Test
    void disconnect_afterOfferAndAnswer_closesRelaySessionsAndAnnouncesLeave() throws Exception {
        final RelaySession session = offerAndAnswer();
        a.disconnect();
        await().atMost(WAIT).until(() -> node.relay().sessionsOf(a.id).isEmpty());
        assertFalse(session.isOpen());
        assertTrue(node.relay().sessionsOf(b.id).isEmpty());
        final Mqtt5Publish leave = receive(b, presence());
        assertEquals(List.of(a.id), TestPeer.senders(leave));
        assertEquals(JSON.readTree("{\"v\":1,\"type\":\"leave\"}"), JSON.readTree(TestPeer.payload(leave)));

        // the remaining member still talks to a newcomer
        a = connectedPeer();
        assertExchangeWorks();
    }

    // --- helpers: peers and messages -------------------------------------------------------

    private TestPeer connectedPeer() {
        final TestPeer p = new TestPeer();
        peers.add(p);
        p.connect(node.broker().tcpPort());
        assertEquals(1, p.subscribe(p.inbox()), "own inbox granted with QoS 1");
        assertEquals(1, p.subscribe(presence()), "room presence granted with QoS 1");
        return p;
    }

    private String presence() {
        return "sb/v1/room/" + roomId + "/presence";
    }

    private ObjectNode message(final String type) {
        final ObjectNode m = JSON.createObjectNode();
        m.put("v", 1);
        m.put("type", type);
        m.put("id", "m" + ++messageIds);
        return m;
    }

    private ObjectNode hello(final TestPeer from) {
        return message("hello").put("room", roomId).put("key", b64(from.spki)).put("nonce", randomNonce())
                .put("box", BOX).put("mac", MAC);
    }

    private ObjectNode description(final String type, final String sdp) {
        final byte[] sig = new byte[64]; // the node relays signatures without checking them
        RANDOM.nextBytes(sig);
        return message(type).put("context", context).put("sdp", sdp).put("sig", b64(sig)).put("mac", MAC);
    }

    private static TestPeer.Ack send(final TestPeer from, final TestPeer to, final ObjectNode message) {
        return from.publish(to.inbox(), message.toString());
    }

    /** A offers, B answers; returns their relay session. */
    private RelaySession offerAndAnswer() throws Exception {
        assertEquals(SUCCESS, send(a, b, description("offer", fixture("datachannel-offer-gathered.sdp"))).code());
        assertEquals("offer", json(receive(b, b.inbox())).get("type").asText());
        assertEquals(SUCCESS, send(b, a, description("answer", fixture("datachannel-answer-gathered.sdp"))).code());
        assertEquals("answer", json(receive(a, a.inbox())).get("type").asText());
        final RelaySession session = node.relay().session(SessionKey.of(context, a.id, b.id));
        assertNotNull(session);
        return session;
    }

    /**
     * A and B each send a hello to the other, and each receives it as its very next inbox message
     * with the verified sender: nothing refused was delivered before it, nothing broke.
     */
    private void assertExchangeWorks() {
        final ObjectNode toB = hello(a);
        assertEquals(SUCCESS, send(a, b, toB).code());
        assertDelivered(b, b.inbox(), a, toB);
        final ObjectNode toA = hello(b);
        assertEquals(SUCCESS, send(b, a, toA).code());
        assertDelivered(a, a.inbox(), b, toA);
    }

    /** A's honest join is the next message B sees on the room's presence topic. */
    private void assertPresenceWorks() {
        final ObjectNode join = message("join").put("key", b64(a.spki)).put("nonce", randomNonce()).put("box", BOX);
        assertEquals(SUCCESS, a.publish(presence(), join.toString()).code());
        assertDelivered(b, presence(), a, join);
    }

    private static void assertDelivered(final TestPeer to, final String topic, final TestPeer from,
                                        final ObjectNode expected) {
        final Mqtt5Publish got = receive(to, topic);
        assertEquals(List.of(from.id), TestPeer.senders(got), "sb-sender");
        assertEquals(expected, json(got), "the first message on " + topic);
    }

    // --- helpers: errors -------------------------------------------------------------------

    /** The publish was refused with PUBACK 0x83 and {@code code}; returns the error message. */
    private static JsonNode assertRefused(final TestPeer.Ack ack, final TestPeer sender, final String topic,
                                          final ObjectNode refused, final String code, final String mentions) {
        assertEquals(IMPLEMENTATION_SPECIFIC_ERROR, ack.code(), "PUBACK reason code");
        assertTrue(ack.reason().startsWith(code + ": "), ack.reason());
        final JsonNode error = assertError(sender, topic, code, refused.get("type").asText(),
                refused.get("id").asText());
        assertTrue(error.get("message").asText().contains(mentions),
                "message should name '" + mentions + "': " + error);
        return error;
    }

    /** The next message in the sender's inbox is the node's error about a publish to {@code topic}. */
    private static JsonNode assertError(final TestPeer sender, final String topic, final String code,
                                        final String refType, final String refId) {
        final Mqtt5Publish got = receive(sender, sender.inbox());
        assertEquals(List.of("node"), TestPeer.senders(got), "sb-sender of an error");
        final JsonNode error = json(got);
        assertEquals(1, error.get("v").asInt(), error.toString());
        assertEquals("error", error.get("type").asText(), error.toString());
        assertEquals(code, error.get("code").asText(), error.toString());
        assertTrue(error.get("message").isTextual() && !error.get("message").asText().isBlank(), error.toString());
        final JsonNode ref = error.get("ref");
        assertNotNull(ref, error.toString());
        assertEquals(topic, ref.get("topic").asText(), error.toString());
        assertEquals(refType, ref.hasNonNull("type") ? ref.get("type").asText() : null, error.toString());
        assertEquals(refId, ref.hasNonNull("id") ? ref.get("id").asText() : null, error.toString());
        return error;
    }

    private static Mqtt5Publish receive(final TestPeer peer, final String topic) {
        final Mqtt5Publish p = peer.next(topic);
        assertNotNull(p, "nothing arrived on " + topic + " within " + TestPeer.WAIT);
        return p;
    }

    private static ObjectNode json(final Mqtt5Publish p) {
        try {
            return (ObjectNode) JSON.readTree(TestPeer.payload(p));
        } catch (final IOException e) {
            throw new AssertionError("delivered payload is not JSON: " + TestPeer.payload(p), e);
        }
    }

    // --- helpers: SDP ----------------------------------------------------------------------

    /** Everything the sender wrote arrives unchanged except the SDP. */
    private static void assertUnchangedApartFromSdp(final ObjectNode sent, final ObjectNode delivered) {
        final ObjectNode s = sent.deepCopy();
        final ObjectNode d = delivered.deepCopy();
        s.remove("sdp");
        d.remove("sdp");
        assertEquals(s, d);
    }

    /**
     * docs/protocol.md §8: every candidate replaced by one relay candidate per used m-section naming
     * the relay port, no trace of the original candidates, and the DTLS/ICE lines byte for byte.
     */
    private static void assertRelayed(final String original, final String rewritten, final int relayPort) {
        assertTrue(rewritten.endsWith("\r\n") && rewritten.split("\n", -1).length == rewritten.split("\r\n", -1).length,
                "CRLF line endings kept");
        final List<String> in = Arrays.asList(original.split("\r\n"));
        final List<String> out = Arrays.asList(rewritten.split("\r\n"));

        // one relay candidate in each m-section that has a port, nothing else
        final List<List<String>> sections = sections(out);
        final List<List<String>> originalSections = sections(in);
        assertEquals(originalSections.size(), sections.size(), "same m-sections");
        for (int i = 0; i < sections.size(); i++) {
            final List<String> section = sections.get(i);
            final int port = Integer.parseInt(section.get(0).split(" ")[1]);
            final List<String> candidates = section.stream().filter(l -> l.startsWith("a=candidate:")).toList();
            if (port == 0) {
                assertEquals(List.of(), candidates, "no candidate in a rejected section");
                continue;
            }
            assertEquals(relayPort, port, "m= port of section " + i);
            assertEquals(1, candidates.size(), "exactly one candidate in section " + i + ": " + candidates);
            final String[] f = candidates.get(0).substring("a=candidate:".length()).split(" ");
            assertEquals("1", f[1], "component");
            assertEquals("udp", f[2].toLowerCase(), "transport");
            assertEquals(RELAY_HOST, f[4], "relay address");
            assertEquals(String.valueOf(relayPort), f[5], "relay port");
            assertEquals("typ relay", f[6] + " " + f[7]);
            for (final String l : section) {
                if (l.startsWith("c=")) {
                    assertEquals("c=IN IP4 " + RELAY_HOST, l);
                } else if (l.startsWith("a=rtcp:")) {
                    assertTrue(l.startsWith("a=rtcp:" + relayPort), l);
                }
            }
        }
        assertFalse(out.stream().anyMatch(l -> l.startsWith("a=remote-candidates")));

        // no original candidate, address or port left
        final List<String[]> originalCandidates = in.stream().filter(l -> l.startsWith("a=candidate:"))
                .map(l -> l.split(" ")).toList();
        final List<String> tokens = Arrays.asList(rewritten.split("[ \r\n:/]+"));
        for (final String[] c : originalCandidates) {
            assertFalse(out.contains(String.join(" ", c)), "original candidate kept: " + String.join(" ", c));
            final int port = Integer.parseInt(c[5]);
            if (port != 9) { // 9 (discard) is Chromium's placeholder for active TCP; it is also a payload type
                assertFalse(tokens.contains(c[5]), "original candidate port " + c[5] + " still in the SDP");
            }
        }
        assertTrue(out.stream().filter(l -> l.contains(RELAY_HOST))
                        .allMatch(l -> l.startsWith("c=") || l.startsWith("a=rtcp:" + relayPort + " ")
                                || l.startsWith("a=candidate:") && l.contains(" typ relay")),
                "only c=, a=rtcp and relay candidate lines name " + RELAY_HOST + ": " + out);

        // DTLS and ICE identity pass byte for byte, in order
        final Predicate<String> identity = l -> l.startsWith("a=fingerprint:") || l.startsWith("a=ice-ufrag:")
                || l.startsWith("a=ice-pwd:") || l.startsWith("a=setup:");
        final List<String> kept = in.stream().filter(identity).toList();
        assertFalse(kept.isEmpty());
        assertEquals(kept, out.stream().filter(identity).toList());
    }

    private static List<List<String>> sections(final List<String> lines) {
        final List<List<String>> sections = new ArrayList<>();
        for (final String l : lines) {
            if (l.startsWith("m=")) {
                sections.add(new ArrayList<>());
            }
            if (!sections.isEmpty()) {
                sections.get(sections.size() - 1).add(l);
            }
        }
        assertFalse(sections.isEmpty(), "SDP without m-sections");
        return sections;
    }

    /** @return {ufrag, pwd} of the first m-section */
    private static String[] ice(final String sdp) {
        final Matcher u = Pattern.compile("a=ice-ufrag:(\\S+)").matcher(sdp);
        final Matcher p = Pattern.compile("a=ice-pwd:(\\S+)").matcher(sdp);
        assertTrue(u.find() && p.find(), "fixture has ICE credentials");
        return new String[] {u.group(1), p.group(1)};
    }

    /**
     * The relay accepts a sender only after a connectivity check keyed with the credentials of
     * the side it sends to (RFC 8445 §7.2.2). From two UDP sockets standing in for the browsers:
     * a check with a wrong password is dropped as unproven, B's right check to pA proves B, and
     * A's right check to pB is then forwarded to B.
     */
    private static void assertIceCredentialsSet(final RelaySession session, final String[] iceA,
                                                final String[] iceB) throws IOException {
        final InetSocketAddress pA = session.advertisedAddress(session.peerA());
        final InetSocketAddress pB = session.advertisedAddress(session.peerB());
        try (DatagramSocket socketA = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket socketB = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socketB.setSoTimeout((int) WAIT.toMillis());
            final RelayCounters before = session.counters();
            sendCheck(socketB, pA, iceA[0] + ":" + iceB[0], "wrongwrongwrongwrongwrong");
            await().atMost(WAIT).until(() -> session.counters().droppedUnproven() == before.droppedUnproven() + 1);

            // proven; A has no address yet, so the relay holds it until A's check arrives (either order works)
            sendCheck(socketB, pA, iceA[0] + ":" + iceB[0], iceA[1]);

            final byte[] tid = sendCheck(socketA, pB, iceB[0] + ":" + iceA[0], iceB[1]);
            final DatagramPacket got = new DatagramPacket(new byte[1500], 1500);
            socketB.receive(got);
            assertEquals(pA, got.getSocketAddress(), "B gets A's check from pA");
            assertEquals(Stun.BINDING_REQUEST, ((got.getData()[0] & 0xff) << 8) | (got.getData()[1] & 0xff));
            assertTrue(Arrays.equals(tid, Arrays.copyOfRange(got.getData(), 8, 20)), "same transaction");
        }
    }

    private static byte[] sendCheck(final DatagramSocket from, final InetSocketAddress to, final String username,
                                    final String pwd) throws IOException {
        final byte[] tid = StunMessageBuilder.newTransactionId();
        final byte[] check = new StunMessageBuilder(Stun.BINDING_REQUEST, tid)
                .username(username)
                .attribute(Stun.ATTR_PRIORITY, new byte[] {0x6e, 0, 1, (byte) 0xff})
                .messageIntegrity(pwd.getBytes(StandardCharsets.UTF_8))
                .fingerprint().build();
        from.send(new DatagramPacket(check, check.length, to));
        return tid;
    }

    /** @return {@code sdp} with an extra attribute line so that it is exactly {@code bytes} long */
    private static String padded(final String sdp, final int bytes) {
        final String prefix = "a=x-padding:";
        final int fill = bytes - sdp.getBytes(StandardCharsets.UTF_8).length - prefix.length() - 2;
        assertTrue(fill > 0);
        final String out = sdp + prefix + "p".repeat(fill) + "\r\n";
        assertEquals(bytes, out.getBytes(StandardCharsets.UTF_8).length);
        return out;
    }

    private static int lineNumberOf(final String sdp, final String start) {
        final String[] lines = sdp.split("\r\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith(start)) {
                return i + 1;
            }
        }
        throw new AssertionError("no line starts with " + start);
    }

    private static String fixture(final String name) {
        return ChromiumFixtures.fixture(name);
    }

    private static List<String> trickled() {
        return Arrays.stream(fixture("trickle-candidates.txt").split("\n")).filter(s -> !s.isEmpty()).toList();
    }

    private static String randomId() {
        final byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return b64(bytes);
    }

    private static String randomNonce() {
        final byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return b64(bytes);
    }

    private static String b64(final byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
