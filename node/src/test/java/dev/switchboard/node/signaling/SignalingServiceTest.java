package dev.switchboard.node.signaling;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.node.relay.IceCredentials;
import dev.switchboard.node.relay.RelayLimitException;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.sdp.SdpParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SignalingService} on its own: typed dispatch and the relay rules against an in-memory
 * {@link FakeRelay}, no broker and no sockets. The IT ({@code SignalingServiceIT}) checks the same
 * rules end to end through a real node.
 */
class SignalingServiceTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int MAX_SDP = 16 * 1024;
    private static final byte[] SPKI_A = spki(1);
    private static final String A = MessageValidator.peerIdOf(b64(SPKI_A));
    private static final String B = MessageValidator.peerIdOf(b64(spki(2)));
    private static final String ROOM = "R".repeat(43);
    private static final String OTHER_ROOM = "S".repeat(43);
    private static final String CONTEXT = Context.room(ROOM).toString();
    /** A sealed box and a membership MAC (docs/protocol.md §5.1, §6.1): the node checks only their shape. */
    private static final String BOX = "c2VhbGVkIG5hbWUsIG9wYXF1ZSB0byB0aGUgbm9kZSwgNDArIGNoYXJz";
    private static final String MAC = "M".repeat(43);

    private final FakeRelay relay = new FakeRelay();
    private final SignalingService service = new SignalingService(new MessageValidator(MAX_SDP),
            SdpParser.withDefaults(), relay);

    // --- offer / answer ----------------------------------------------------------------------

    @Test
    void offer_valid_rewrittenToTheSendersRelayPortWithEveryOtherFieldUnchanged() throws Exception {
        final ObjectNode offer = description("offer", fixture("datachannel-offer-gathered.sdp"))
                .put("future", "kept");
        final Verdict verdict = inspect(toInbox(A, B, offer));

        final RelaySession session = relay.session(SessionKey.of(CONTEXT, A, B));
        assertNotNull(session, "a session for the context and the pair");
        assertEquals(List.of(CONTEXT + " " + A + " " + B), relay.opens);
        final ObjectNode delivered = rewritten(verdict);
        final String sdp = delivered.get("sdp").asText();
        final int port = session.advertisedAddress(A).getPort();
        assertTrue(sdp.contains("a=candidate:1 1 udp ") && sdp.contains(" 127.0.0.2 " + port + " typ relay"), sdp);
        assertFalse(sdp.contains("58740"), "the sender's own port is gone: " + sdp);
        assertTrue(sdp.contains("a=fingerprint:sha-256 "), "fingerprints pass");
        delivered.remove("sdp");
        offer.remove("sdp");
        assertEquals(offer, delivered, "everything but the SDP unchanged, unknown fields included");
        assertEquals(new IceCredentials("pmNq", "pLbZF548TWkpzRrGiKukcg6V"),
                ((FakeRelay.FakeSession) session).credentials.get(A));
    }

    /** A presence view for the presence rules: who is connected, who is in which room, from where. */
    private static final class StubPresence implements Presence {
        final java.util.Set<String> connected = new java.util.HashSet<>();
        final java.util.Set<String> inRoom = new java.util.HashSet<>();

        @Override
        public boolean isConnected(final String peerId) {
            return connected.contains(peerId);
        }

        @Override
        public boolean isInRoom(final String peerId, final String roomId) {
            return inRoom.contains(peerId + " " + roomId);
        }

        @Override
        public java.net.InetAddress addressOf(final String peerId) {
            return java.net.InetAddress.getLoopbackAddress();
        }
    }

    @Test
    void offer_presenceRules_recipientConnectedAndBothInTheRoom_elseRefusedWithoutASession() throws Exception {
        final StubPresence presence = new StubPresence();
        service.attach(presence);
        final String sdp = fixture("datachannel-offer-gathered.sdp");

        Verdict v = inspect(toInbox(A, B, description("offer", sdp)));
        assertEquals(SignalingError.RECIPIENT_UNAVAILABLE, ((Verdict.Reject) v).code(), "B is not connected");
        presence.connected.add(B);
        v = inspect(toInbox(A, B, description("offer", sdp)));
        assertEquals(SignalingError.NOT_IN_ROOM, ((Verdict.Reject) v).code(), "A is not in the room");
        presence.inRoom.add(A + " " + ROOM);
        v = inspect(toInbox(A, B, description("offer", sdp)));
        assertEquals(SignalingError.RECIPIENT_UNAVAILABLE, ((Verdict.Reject) v).code(), "B is not in the room");
        assertTrue(((Verdict.Reject) v).message().contains(B), ((Verdict.Reject) v).message());
        assertEquals(List.of(), relay.opens, "no relay session for any refused offer");

        presence.inRoom.add(B + " " + ROOM);
        assertTrue(inspect(toInbox(A, B, description("offer", sdp))) instanceof Verdict.Rewrite);
        assertEquals(List.of("127.0.0.1"), relay.openerAddresses, "the session counts against A's address");
    }

    @Test
    void answer_afterOffer_joinsTheSessionAndNamesTheAnswerersPort() throws Exception {
        inspect(toInbox(A, B, description("offer", fixture("datachannel-offer-gathered.sdp"))));
        final Verdict verdict = inspect(toInbox(B, A, description("answer", fixture("datachannel-answer-gathered.sdp"))));
        final RelaySession session = relay.session(SessionKey.of(CONTEXT, A, B));
        assertNotNull(session);
        assertEquals(List.of(session), relay.sessions(), "one session for both");
        final String sdp = rewritten(verdict).get("sdp").asText();
        assertTrue(sdp.contains(" 127.0.0.2 " + session.advertisedAddress(B).getPort() + " typ relay"), sdp);
        assertEquals(2, ((FakeRelay.FakeSession) session).credentials.size(), "both sides' ICE credentials");
    }

    @Test
    @Timeout(10) // an implementation that waited for the relay would never return here
    void offer_whileTheRelaySessionIsStillOpening_answersLaterWithoutBlocking() throws Exception {
        relay.holdOpens();
        final CompletableFuture<Verdict> pending = service.inspect(
                toInbox(A, B, description("offer", fixture("datachannel-offer-gathered.sdp"))));
        assertFalse(pending.isDone(), "inspect returned before the relay session was open");
        relay.releaseOpens();
        assertInstanceOf(Verdict.Rewrite.class, pending.get(5, TimeUnit.SECONDS));
    }

    @Test
    void offer_relayAtItsLimit_refusedRelayUnavailableNamingTheLimit() throws Exception {
        relay.failOpensWith(new RelayLimitException(RelayLimitException.Reason.SESSIONS_PER_PEER,
                "peer " + A + " has 5 sessions, the limit"));
        final Verdict.Reject reject = rejected(inspect(toInbox(A, B,
                description("offer", fixture("datachannel-offer-gathered.sdp")))));
        assertEquals(SignalingError.RELAY_UNAVAILABLE, reject.code());
        assertTrue(reject.message().contains(A), reject.message());
    }

    @Test
    void offer_relayFailsOtherwise_futureFailsSoTheBrokerAnswersInternal() {
        relay.failOpensWith(new IllegalStateException("relay closed"));
        final CompletableFuture<Verdict> f = service.inspect(
                toInbox(A, B, description("offer", fixture("datachannel-offer-gathered.sdp"))));
        final ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, e.getCause());
    }

    // --- candidates --------------------------------------------------------------------------

    @Test
    void candidate_valid_droppedAndEndOfCandidatesToo() throws Exception {
        final String trickled = fixture("trickle-candidates.txt").split("\n")[0];
        for (final String candidate : List.of(trickled, "")) {
            final ObjectNode m = message("candidate").put("context", CONTEXT).put("candidate", candidate)
                    .put("sdpMid", "0").put("sdpMLineIndex", 0);
            assertSame(Verdict.drop(), inspect(toInbox(A, B, m)), candidate);
        }
        assertTrue(relay.opens.isEmpty());
    }

    @Test
    void candidate_malformed_refusedBadCandidateNamingTheValue() throws Exception {
        final ObjectNode m = message("candidate").put("context", CONTEXT)
                .put("candidate", "candidate:1 1 udp notanumber 127.0.0.1 5000 typ host");
        final Verdict.Reject reject = rejected(inspect(toInbox(A, B, m)));
        assertEquals(SignalingError.BAD_CANDIDATE, reject.code());
        assertTrue(reject.message().contains("notanumber"), reject.message());
    }

    // --- ending sessions ---------------------------------------------------------------------

    @Test
    void hangup_closesOnlyThePairsSessionInThatContextAndIsForwarded() throws Exception {
        final RelaySession session = offer(A, B, CONTEXT);
        final RelaySession elsewhere = offer(A, B, Context.room(OTHER_ROOM).toString());
        assertSame(Verdict.forward(), inspect(toInbox(B, A, message("hangup").put("context", CONTEXT))));
        assertFalse(session.isOpen());
        assertTrue(elsewhere.isOpen());
        assertEquals(List.of(elsewhere), relay.sessions());
    }

    @Test
    void leave_closesTheSendersSessionsInThatRoomOnlyAndIsForwarded() throws Exception {
        final RelaySession inRoom = offer(A, B, CONTEXT);
        final RelaySession otherRoom = offer(A, B, Context.room(OTHER_ROOM).toString());
        assertSame(Verdict.forward(), inspect(toPresence(A, ROOM, message("leave"))));
        assertFalse(inRoom.isOpen());
        assertTrue(otherRoom.isOpen());
    }

    @Test
    void disconnect_closesEverySessionOfThatPeerOnly() throws Exception {
        final String c = MessageValidator.peerIdOf(b64(spki(3)));
        final RelaySession ab = offer(A, B, CONTEXT);
        final RelaySession ab2 = offer(B, A, "call:" + "c".repeat(20));
        final RelaySession bc = offer(B, c, CONTEXT);
        service.onClientDisconnected(A);
        assertFalse(ab.isOpen());
        assertFalse(ab2.isOpen());
        assertTrue(bc.isOpen());
        assertEquals(List.of(bc), relay.sessions());
    }

    // --- the rest is delivered as it is ------------------------------------------------------

    @Test
    void joinHelloAndPeerError_valid_forwarded() throws Exception {
        final ObjectNode join = message("join").put("key", b64(SPKI_A)).put("nonce", "abcdefghijklmnop").put("box", BOX);
        assertSame(Verdict.forward(), inspect(toPresence(A, ROOM, join)));
        final ObjectNode hello = message("hello").put("room", ROOM).put("key", b64(SPKI_A)).put("nonce", "abcdefghijklmnop")
                .put("box", BOX).put("mac", MAC);
        assertSame(Verdict.forward(), inspect(toInbox(A, B, hello)));
        assertSame(Verdict.forward(), inspect(toInbox(A, B, message("error").put("code", "busy"))));
        assertTrue(relay.opens.isEmpty());
    }

    @Test
    void joinAndHello_withoutKey_fromAClientWhoseKeyTheBrokerSaw_deliveredWithThatKey() throws Exception {
        final ObjectNode join = message("join").put("nonce", "abcdefghijklmnop").put("box", BOX);
        final ObjectNode deliveredJoin = rewritten(inspect(new SignalingMessage(new Topic.RoomPresence(ROOM), A,
                join.toString().getBytes(StandardCharsets.UTF_8), null, SPKI_A)));
        assertEquals(b64(SPKI_A), deliveredJoin.get("key").asText());
        assertEquals(join.get("box"), deliveredJoin.get("box"));
        assertEquals(join.get("nonce"), deliveredJoin.get("nonce"));
        final ObjectNode hello = message("hello").put("room", ROOM).put("nonce", "abcdefghijklmnop").put("box", BOX).put("mac", MAC);
        final ObjectNode deliveredHello = rewritten(inspect(new SignalingMessage(new Topic.Inbox(B), A,
                hello.toString().getBytes(StandardCharsets.UTF_8), null, SPKI_A)));
        assertEquals(b64(SPKI_A), deliveredHello.get("key").asText());
        assertEquals(MAC, deliveredHello.get("mac").asText());
        // A key that is there is checked and delivered as it is, the broker's knowledge aside.
        final ObjectNode withKey = message("join").put("key", b64(SPKI_A)).put("nonce", "abcdefghijklmnop").put("box", BOX);
        assertSame(Verdict.forward(), inspect(new SignalingMessage(new Topic.RoomPresence(ROOM), A,
                withKey.toString().getBytes(StandardCharsets.UTF_8), null, SPKI_A)));
    }

    @Test
    void join_withoutKey_senderKeyUnknown_refusedNamingTheField() throws Exception {
        // A federation link (or any message without the key the broker saw) must carry the key.
        final ObjectNode join = message("join").put("nonce", "abcdefghijklmnop").put("box", BOX);
        final Verdict.Reject reject = rejected(inspect(toPresence(A, ROOM, join)));
        assertEquals(SignalingError.BAD_FIELD, reject.code());
        assertTrue(reject.message().contains("'key'"), reject.message());
    }

    @Test
    void handles_presenceAndInboxOnly() {
        assertTrue(service.handles(new Topic.Inbox(B)));
        assertTrue(service.handles(new Topic.RoomPresence(ROOM)));
        assertFalse(service.handles(Topic.NodeInfo.INSTANCE));
    }

    // --- bad input ---------------------------------------------------------------------------

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"{not json", "[1,2]"})
    void payload_notAnObject_refusedBadJson(final String payload) throws Exception {
        final Verdict.Reject reject = rejected(inspect(new SignalingMessage(new Topic.Inbox(B), A,
                payload.getBytes(StandardCharsets.UTF_8))));
        assertEquals(SignalingError.BAD_JSON, reject.code());
    }

    @Test
    void offer_toOwnInbox_refusedBadFieldWithoutASession() throws Exception {
        final Verdict.Reject reject = rejected(inspect(toInbox(A, A,
                description("offer", fixture("datachannel-offer-gathered.sdp")))));
        assertEquals(SignalingError.BAD_FIELD, reject.code());
        assertTrue(reject.message().contains("another peer"), reject.message());
        assertTrue(relay.opens.isEmpty());
    }

    @Test
    void offer_brokenSdp_refusedBadSdpWithoutASession() throws Exception {
        final String sdp = fixture("datachannel-offer-gathered.sdp").replace("m=application 58740", "m=application x");
        final Verdict.Reject reject = rejected(inspect(toInbox(A, B, description("offer", sdp))));
        assertEquals(SignalingError.BAD_SDP, reject.code());
        assertTrue(reject.message().contains("\"x\""), reject.message());
        assertTrue(relay.opens.isEmpty());
    }

    @Test
    void offer_withoutIceCredentials_refusedBadSdpWithoutASession() throws Exception {
        final String sdp = fixture("datachannel-offer-gathered.sdp").replaceAll("a=ice-(ufrag|pwd):[^\r\n]*\r\n", "");
        final Verdict.Reject reject = rejected(inspect(toInbox(A, B, description("offer", sdp))));
        assertEquals(SignalingError.BAD_SDP, reject.code());
        assertTrue(reject.message().contains("ice-ufrag"), reject.message());
        assertTrue(relay.opens.isEmpty());
    }

    @Test
    void offer_sdpOverLimit_refusedTooLarge() throws Exception {
        final Verdict.Reject reject = rejected(inspect(toInbox(A, B, description("offer", "v=0\r\n" + "a".repeat(MAX_SDP)))));
        assertEquals(SignalingError.TOO_LARGE, reject.code());
        assertTrue(relay.opens.isEmpty());
    }

    @Test
    void offer_onPresenceTopic_refusedBadField() throws Exception {
        final Verdict.Reject reject = rejected(inspect(toPresence(A, ROOM,
                description("offer", fixture("datachannel-offer-gathered.sdp")))));
        assertEquals(SignalingError.BAD_FIELD, reject.code());
        assertTrue(reject.message().contains("does not belong on topic"), reject.message());
        assertTrue(relay.opens.isEmpty());
    }

    @Test
    void join_keyOfAnotherPeer_refusedKeyMismatch() throws Exception {
        final ObjectNode join = message("join").put("key", b64(spki(2))).put("nonce", "abcdefghijklmnop").put("box", BOX);
        assertEquals(SignalingError.KEY_MISMATCH, rejected(inspect(toPresence(A, ROOM, join))).code());
    }

    @Test
    void hangup_badContext_refusedBadFieldNamingIt() throws Exception {
        final Verdict.Reject reject = rejected(inspect(toInbox(A, B, message("hangup").put("context", "lobby"))));
        assertEquals(SignalingError.BAD_FIELD, reject.code());
        assertTrue(reject.message().contains("'context'") && reject.message().contains("lobby"), reject.message());
    }

    // --- helpers -----------------------------------------------------------------------------

    /** A offers to B in {@code context}; returns the session. */
    private RelaySession offer(final String from, final String to, final String context) throws Exception {
        final ObjectNode offer = description("offer", fixture("datachannel-offer-gathered.sdp")).put("context", context);
        assertInstanceOf(Verdict.Rewrite.class, inspect(toInbox(from, to, offer)));
        final RelaySession s = relay.session(SessionKey.of(context, from, to));
        assertNotNull(s);
        return s;
    }

    private Verdict inspect(final SignalingMessage m) throws Exception {
        final Verdict v = service.inspect(m).get(5, TimeUnit.SECONDS);
        assertNotNull(v);
        return v;
    }

    private static Verdict.Reject rejected(final Verdict v) {
        return assertInstanceOf(Verdict.Reject.class, v);
    }

    private static ObjectNode rewritten(final Verdict v) throws IOException {
        return (ObjectNode) JSON.readTree(assertInstanceOf(Verdict.Rewrite.class, v).payload());
    }

    private static SignalingMessage toInbox(final String from, final String to, final ObjectNode m) {
        return new SignalingMessage(new Topic.Inbox(to), from, m.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static SignalingMessage toPresence(final String from, final String room, final ObjectNode m) {
        return new SignalingMessage(new Topic.RoomPresence(room), from, m.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static ObjectNode message(final String type) {
        return JSON.createObjectNode().put("v", 1).put("type", type).put("id", "m-" + type);
    }

    private static ObjectNode description(final String type, final String sdp) {
        final byte[] sig = new byte[64];
        Arrays.fill(sig, (byte) 7);
        return message(type).put("context", CONTEXT).put("sdp", sdp).put("sig", b64(sig)).put("mac", MAC);
    }

    private static byte[] spki(final int fill) {
        final byte[] b = new byte[91];
        Arrays.fill(b, (byte) fill);
        return b;
    }

    private static String b64(final byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String fixture(final String name) {
        return ChromiumFixtures.fixture(name);
    }
}
