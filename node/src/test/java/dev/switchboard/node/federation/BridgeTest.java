package dev.switchboard.node.federation;

import dev.switchboard.broker.guard.PublishLimits;
import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.topic.Topics;
import dev.switchboard.node.identity.NodeKey;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bridge's checks, one by one, with a node that forwards everything its rules see. */
class BridgeTest {

    private static final String SELF = NodeKey.generate().id();
    private static final String PEER = NodeKey.generate().id();
    private static final String OTHER_NODE = NodeKey.generate().id();
    private static final String ALICE = NodeKey.generate().id();
    private static final String BOB = NodeKey.generate().id();
    private static final String OWN_CLIENT = NodeKey.generate().id();
    private static final String ROOM = Topics.presence("r".repeat(43));
    private static final byte[] LEAVE = "{\"v\":1,\"type\":\"leave\"}".getBytes(StandardCharsets.UTF_8);

    private record Delivered(String topic, String sender, Map<String, String> properties) {
    }

    private final List<Delivered> delivered = new ArrayList<>();
    private final PeerLinks stats = new PeerLinks();
    private Bridge bridge;

    @BeforeEach
    void setUp() {
        bridge = new Bridge(SELF, 3, SignalingInterceptor.FORWARD_ALL,
                (topic, payload, sender, properties) -> delivered.add(new Delivered(topic, sender, properties)),
                new PublishLimits(1, 5, 1_000_000, 1_000_000, 1000, java.time.Duration.ofSeconds(10)), stats);
        bridge.attach(new Presence() {
            @Override
            public boolean isConnected(final @NotNull String peerId) {
                return peerId.equals(OWN_CLIENT);
            }

            @Override
            public boolean isInRoom(final @NotNull String peerId, final @NotNull String roomId) {
                return false;
            }

            @Override
            public @Nullable InetAddress addressOf(final @NotNull String peerId) {
                return null;
            }
        });
    }

    private static List<UserProperty> props(final String sender, final @Nullable String origin, final @Nullable String hops) {
        final List<UserProperty> p = new ArrayList<>();
        p.add(new UserProperty("sb-sender", sender));
        if (origin != null) {
            p.add(new UserProperty("sb-origin", origin));
        }
        if (hops != null) {
            p.add(new UserProperty("sb-hops", hops));
        }
        return p;
    }

    @Test
    void firstMessage_deliveredWithSenderOriginAndHopCount_copyDropped() {
        bridge.receive(PEER, ROOM, LEAVE, props(ALICE, null, null));
        assertEquals(1, delivered.size());
        assertEquals(ALICE, delivered.get(0).sender());
        assertEquals(Map.of("sb-origin", PEER, "sb-hops", "1"), delivered.get(0).properties());
        // the same message again (e.g. over another path): a duplicate, not delivered
        bridge.receive(PEER, ROOM, LEAVE, props(ALICE, PEER, "1"));
        assertEquals(1, delivered.size());
        assertEquals(1, stats.counted(PEER, "duplicate"));
    }

    @Test
    void ringTopic_crossesOnlyTowardsTheHomeNode_callAndHangupOnly() {
        final String home = "h".repeat(43);
        final String elsewhere = "e".repeat(43);
        bridge.localCallees(home::equals);
        final byte[] call = "{\"v\":1,\"type\":\"call\"}".getBytes(StandardCharsets.UTF_8);
        final byte[] hangup = "{\"v\":1,\"type\":\"hangup\"}".getBytes(StandardCharsets.UTF_8);
        final byte[] register = "{\"v\":1,\"type\":\"register\"}".getBytes(StandardCharsets.UTF_8);
        bridge.receive(PEER, "sb/v1/callee/" + elsewhere, call, props(ALICE, null, null));
        assertTrue(delivered.isEmpty(), "a call for a callee of another node is not taken here");
        assertEquals(1, stats.counted(PEER, "not-bridged"));
        bridge.receive(PEER, "sb/v1/callee/" + home, register, props(ALICE, null, null));
        assertTrue(delivered.isEmpty(), "a register never crosses");
        assertEquals(1, stats.counted(PEER, "refused-topic"));
        bridge.receive(PEER, "sb/v1/callee/" + home, call, props(ALICE, null, null));
        bridge.receive(PEER, "sb/v1/callee/" + home, hangup, props(ALICE, null, null));
        assertEquals(List.of("sb/v1/callee/" + home, "sb/v1/callee/" + home),
                delivered.stream().map(Delivered::topic).toList());
        assertEquals(ALICE, delivered.get(0).sender());
    }

    @Test
    void calleeAnnouncement_knownByIdFromItsHash_offlineWhenLinkDown_firstAnnouncerKeepsIt() {
        final String callee = "c".repeat(43);
        assertNull(bridge.remoteCallee(callee));
        bridge.receive(PEER, Bridge.calleeTopic(callee), "{\"online\":true,\"label\":\"desk\"}"
                .getBytes(StandardCharsets.UTF_8), List.of());
        assertEquals(new dev.switchboard.node.callee.FederatedCallees.Remote(PEER, "desk", true), bridge.remoteCallee(callee));
        assertFalse(Bridge.calleeTopic(callee).contains(callee), "the topic names the hash, not the id");
        bridge.receive(OTHER_NODE, Bridge.calleeTopic(callee), "{\"online\":true}".getBytes(StandardCharsets.UTF_8), List.of());
        assertEquals(PEER, bridge.remoteCallee(callee).home());
        assertEquals(1, stats.counted(OTHER_NODE, "refused-callee"));
        bridge.down(PEER);
        assertFalse(bridge.remoteCallee(callee).online());
        bridge.receive(PEER, Bridge.calleeTopic(callee), "{\"label\":\"no state\"}".getBytes(StandardCharsets.UTF_8), List.of());
        assertEquals(1, stats.counted(PEER, "refused-malformed"));
    }

    @Test
    void calleeAnnouncement_passedOnWithItsPath_loopIgnored_ringTakenOnlyTowardsTheHome() {
        final List<String> passedOn = new ArrayList<>();
        bridge.passCalleesOnWith((topic, payload) -> passedOn.add(topic + " " + new String(payload, StandardCharsets.UTF_8)));
        final String callee = "d".repeat(43);
        final String topic = Bridge.calleeTopic(callee);
        final String far = NodeKey.generate().id();
        final byte[] longer = ("{\"online\":true,\"label\":\"desk\",\"path\":[\"" + PEER + "\",\"" + far
                + "\",\"" + OTHER_NODE + "\"]}").getBytes(StandardCharsets.UTF_8);
        bridge.receive(PEER, topic, "{\"online\":true,\"label\":\"desk\"}".getBytes(StandardCharsets.UTF_8), List.of());
        assertEquals(List.of(topic + " {\"online\":true,\"label\":\"desk\",\"path\":[\"" + PEER + "\",\"" + SELF + "\"]}"),
                passedOn);
        // a longer way to the same home changes nothing; one through this node went round
        bridge.receive(OTHER_NODE, topic, longer, List.of());
        bridge.receive(OTHER_NODE, topic, ("{\"online\":true,\"path\":[\"" + PEER + "\",\"" + SELF + "\",\"" + OTHER_NODE
                + "\"]}").getBytes(StandardCharsets.UTF_8), List.of());
        assertEquals(1, stats.counted(OTHER_NODE, "loop"));
        bridge.receive(OTHER_NODE, topic, ("{\"online\":true,\"path\":[\"" + PEER + "\",\"" + far + "\"]}")
                .getBytes(StandardCharsets.UTF_8), List.of());
        assertEquals(1, stats.counted(OTHER_NODE, "refused-malformed"), "a path must end at the link's node");
        assertEquals(1, passedOn.size());
        assertEquals(new dev.switchboard.node.callee.FederatedCallees.Remote(PEER, "desk", true), bridge.remoteCallee(callee));

        // a call on its ring topic crosses towards the home (PEER), never back from it
        final byte[] call = "{\"v\":1,\"type\":\"call\"}".getBytes(StandardCharsets.UTF_8);
        bridge.receive(PEER, "sb/v1/callee/" + callee, call, props(ALICE, null, null));
        assertEquals(1, stats.counted(PEER, "not-bridged"));
        bridge.receive(OTHER_NODE, "sb/v1/callee/" + callee, call, props(ALICE, null, null));
        assertEquals(List.of("sb/v1/callee/" + callee), delivered.stream().map(Delivered::topic).toList());

        // the direct link goes down: the longer way is taken, too long to pass on (hop limit 3); that
        // way had ended with the announcement that went round, and comes again
        bridge.receive(OTHER_NODE, topic, longer, List.of());
        bridge.down(PEER);
        assertTrue(bridge.remoteCallee(callee).online());
        assertEquals(topic + " ", passedOn.get(passedOn.size() - 1));
        // expired at its home: forgotten once no link announces it any more
        bridge.receive(OTHER_NODE, topic, new byte[0], List.of());
        assertFalse(bridge.remoteCallee(callee).online(), "only the link that is down still knows it");
        bridge.receive(PEER, topic, new byte[0], List.of());
        assertNull(bridge.remoteCallee(callee));
        assertEquals(topic + " ", passedOn.get(passedOn.size() - 1));

        // a callee of this node: nobody else announces it
        final String mine = "m".repeat(43);
        bridge.ownCallee(mine, true);
        bridge.receive(PEER, Bridge.calleeTopic(mine), "{\"online\":true}".getBytes(StandardCharsets.UTF_8), List.of());
        assertNull(bridge.remoteCallee(mine));
        assertEquals(1, stats.counted(PEER, "refused-callee"));
    }

    @Test
    void nodeInternalTopics_neverCross() {
        bridge.receive(PEER, Topics.NODE_INFO, LEAVE, props(ALICE, null, null));
        bridge.receive(PEER, "sb/v1/admin/x", LEAVE, props(ALICE, null, null));
        bridge.receive(PEER, "$SYS/broker/clients", LEAVE, props(ALICE, null, null));
        assertTrue(delivered.isEmpty());
        assertEquals(3, stats.counted(PEER, "refused-topic"));
    }

    @Test
    void loopsAndHopLimit_dropped() {
        bridge.receive(PEER, ROOM, LEAVE, props(ALICE, SELF, "2"));
        bridge.receive(PEER, ROOM, LEAVE, props(ALICE, OTHER_NODE, "3"));
        bridge.receive(PEER, ROOM, LEAVE, props(ALICE, OTHER_NODE, "-1"));
        bridge.receive(PEER, ROOM, LEAVE, props(ALICE, OTHER_NODE, "x"));
        assertTrue(delivered.isEmpty());
        assertEquals(1, stats.counted(PEER, "loop"));
        assertEquals(2, stats.counted(PEER, "hop-limit"));
        assertEquals(1, stats.counted(PEER, "refused-malformed"));
        bridge.receive(PEER, ROOM, LEAVE, props(ALICE, OTHER_NODE, "2"));
        assertEquals("3", delivered.get(0).properties().get("sb-hops"));
    }

    @Test
    void senderNotServedByThatNode_refused() {
        // a peer may not speak for this node's own clients, nor for this node
        bridge.receive(PEER, ROOM, LEAVE, props(OWN_CLIENT, null, null));
        bridge.receive(PEER, ROOM, LEAVE, props(SELF, null, null));
        // Alice is first heard of from OTHER_NODE; then PEER claims her as its own client
        bridge.receive(PEER, ROOM, LEAVE, props(ALICE, OTHER_NODE, "1"));
        bridge.receive(PEER, Topics.presence("s".repeat(43)), LEAVE, props(ALICE, null, null));
        assertEquals(1, delivered.size());
        assertEquals(3, stats.counted(PEER, "refused-sender"));
        assertEquals(OTHER_NODE, bridge.originOf(ALICE));
        // no sender at all, or the node's own notices: not bridged
        bridge.receive(PEER, ROOM, LEAVE, props("node", null, null));
        assertEquals(1, delivered.size());
    }

    @Test
    void peerOverItsBudget_refusedLikeAClient() {
        for (int i = 0; i < 8; i++) {
            bridge.receive(PEER, Topics.presence(String.valueOf((char) ('a' + i)).repeat(43)), LEAVE,
                    props(ALICE, null, null));
        }
        assertEquals(5, delivered.size());
        assertEquals(3, stats.counted(PEER, "refused-rate-limited"));
    }

    @Test
    void remotePresence_fromJoinAndLeave() {
        final String room = "q".repeat(43);
        final Presence seen = bridge.presence(new Presence() {
            @Override
            public boolean isConnected(final @NotNull String peerId) {
                return false;
            }

            @Override
            public boolean isInRoom(final @NotNull String peerId, final @NotNull String roomId) {
                return false;
            }

            @Override
            public @Nullable InetAddress addressOf(final @NotNull String peerId) {
                return null;
            }
        });
        assertFalse(seen.isConnected(ALICE));
        bridge.receive(PEER, Topics.presence(room), "{\"v\":1,\"type\":\"join\"}".getBytes(StandardCharsets.UTF_8),
                props(ALICE, null, null));
        assertTrue(seen.isConnected(ALICE));
        assertTrue(seen.isInRoom(ALICE, room));
        bridge.receive(PEER, Topics.presence(room), LEAVE, props(ALICE, null, null));
        assertFalse(seen.isInRoom(ALICE, room));
        assertNull(seen.addressOf(ALICE));
        assertEquals(Set.of(ALICE), Set.copyOf(bridge.remoteIds()));
    }

    private static final String SDP = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=ice-ufrag:abcd\r\na=ice-pwd:"
            + "a".repeat(22) + "\r\nm=application %d UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 127.0.0.1\r\n"
            + "a=candidate:1 1 udp 2130706431 127.0.0.1 %d typ host\r\n";

    private static dev.switchboard.node.sdp.Sdp sdp(final int port) throws Exception {
        return new dev.switchboard.node.sdp.SdpParser(dev.switchboard.node.sdp.SdpLimits.DEFAULTS)
                .parse(SDP.formatted(port, port));
    }

    @Test
    void relayAnnouncement_onlyAnnouncedRelayIsAFarEnd() throws Exception {
        bridge.receive(PEER, Bridge.RELAY_TOPIC, Bridge.announcement(InetAddress.getByName("127.0.0.1"), 46000, 46009),
                props("node", null, null));
        bridge.receive(PEER, ROOM, "{\"v\":1,\"type\":\"join\"}".getBytes(StandardCharsets.UTF_8), props(ALICE, null, null));
        final var inRange = bridge.decide(ALICE, PEER, sdp(46005));
        assertEquals(46005, inRange.relay().getPort());
        assertNull(inRange.refusal());
        final var outside = bridge.decide(ALICE, PEER, sdp(47000));
        assertNull(outside.relay());
        assertTrue(outside.refusal().contains("not on the relay"), outside.refusal());
        // this node's own clients are relayed as usual
        assertEquals(dev.switchboard.node.relay.PeerRelays.Decision.LOCAL, bridge.decide(OWN_CLIENT, null, sdp(47000)));
    }

    @Test
    void descriptionFromAfar_farEndIsTheNeighboursRelay_onlyOverTheLinkTowardsTheSendersNode() throws Exception {
        bridge.receive(PEER, Bridge.RELAY_TOPIC, Bridge.announcement(InetAddress.getByName("127.0.0.1"), 46000, 46009),
                List.of());
        bridge.receive(OTHER_NODE, Bridge.RELAY_TOPIC, Bridge.announcement(InetAddress.getByName("127.0.0.1"), 46100, 46109),
                List.of());
        final byte[] join = "{\"v\":1,\"type\":\"join\"}".getBytes(StandardCharsets.UTF_8);
        // Alice is a client of OTHER_NODE, heard of over PEER's link (one hop further): PEER relays for her
        bridge.receive(PEER, ROOM, join, props(ALICE, OTHER_NODE, "1"));
        assertEquals(PEER, bridge.towards(OTHER_NODE));
        assertEquals(46005, bridge.decide(ALICE, PEER, sdp(46005)).relay().getPort());
        final var otherLink = bridge.decide(ALICE, OTHER_NODE, sdp(46105));
        assertNull(otherLink.relay());
        assertTrue(otherLink.refusal().contains("over the link to " + PEER), otherLink.refusal());
        // her node's own link brings the same message with fewer hops: from now on that is the way
        bridge.receive(OTHER_NODE, ROOM, join, props(ALICE, null, null));
        assertEquals(1, stats.counted(OTHER_NODE, "duplicate"));
        assertEquals(OTHER_NODE, bridge.towards(OTHER_NODE));
        assertEquals(46105, bridge.decide(ALICE, OTHER_NODE, sdp(46105)).relay().getPort());
        assertTrue(bridge.decide(ALICE, PEER, sdp(46005)).refusal().contains("over the link to " + OTHER_NODE));
        // a longer way does not displace it; the link going down does, until a message comes again
        bridge.receive(PEER, Topics.presence("t".repeat(43)), join, props(ALICE, OTHER_NODE, "1"));
        assertEquals(OTHER_NODE, bridge.towards(OTHER_NODE));
        bridge.down(OTHER_NODE);
        assertNull(bridge.towards(OTHER_NODE));
        assertTrue(bridge.decide(ALICE, PEER, sdp(46005)).refusal().contains("no link"));
        bridge.receive(PEER, Topics.presence("u".repeat(43)), join, props(ALICE, OTHER_NODE, "1"));
        assertEquals(PEER, bridge.towards(OTHER_NODE));
        // equal hops: the smaller peer id, whichever came first
        final String small = PEER.compareTo(OTHER_NODE) < 0 ? PEER : OTHER_NODE;
        final String third = NodeKey.generate().id();
        bridge.receive(OTHER_NODE, Topics.presence("v".repeat(43)), join, props(BOB, third, "1"));
        bridge.receive(PEER, Topics.presence("v".repeat(43)), join, props(BOB, third, "1"));
        assertEquals(small, bridge.towards(third));
    }

    @Test
    void inboxMessage_forAClientBehindTheLinkItCameOver_notTaken() {
        final byte[] join = "{\"v\":1,\"type\":\"join\"}".getBytes(StandardCharsets.UTF_8);
        bridge.receive(PEER, ROOM, join, props(BOB, null, null));
        bridge.receive(OTHER_NODE, ROOM, join, props(ALICE, null, null));
        delivered.clear();
        final byte[] hello = "{\"v\":1,\"type\":\"hello\"}".getBytes(StandardCharsets.UTF_8);
        // Alice (OTHER_NODE) to Bob (PEER): this node is on the way
        bridge.receive(OTHER_NODE, Topics.inbox(BOB), hello, props(ALICE, null, null));
        assertEquals(List.of(Topics.inbox(BOB)), delivered.stream().map(Delivered::topic).toList());
        // PEER's copy of a message for Bob, or for its own client: that side has it; nothing here
        final byte[] other = "{\"v\":1,\"type\":\"hello\",\"n\":2}".getBytes(StandardCharsets.UTF_8);
        bridge.receive(PEER, Topics.inbox(BOB), other, props(ALICE, OTHER_NODE, "1"));
        assertEquals(1, delivered.size());
        assertEquals(1, stats.counted(PEER, "off-path"));
        // to this node's own client it is taken, whichever link
        bridge.receive(PEER, Topics.inbox(OWN_CLIENT), other, props(ALICE, OTHER_NODE, "1"));
        assertEquals(2, delivered.size());
    }
}
