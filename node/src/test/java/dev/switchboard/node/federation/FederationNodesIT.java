package dev.switchboard.node.federation;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.broker.topic.Topics;
import dev.switchboard.node.stun.Stun;
import dev.switchboard.node.stun.StunMessageBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Federation between real node processes (one embedded broker per JVM), peered by configuration
 * reload: a triangle delivers a message to each other node exactly once; a line of four delivers
 * end to end within the hop limit and carries origin and hop count, and a call between its first
 * and third node is relayed by every node on the way (real ICE checks over UDP); {@code kill -9} of a node and
 * its restart heal without a storm of connection attempts; a peer whose key is not the pinned one
 * stays refused and nothing from its clients is delivered.
 * The line also carries a callee's announcements and calls two links from its home.
 */
class FederationNodesIT {

    private static final Duration LINK = Duration.ofSeconds(90);
    private static final String LEAVE = "{\"v\":1,\"type\":\"leave\"}";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private NodeProcess node(final String name, final int index) throws Exception {
        final int lo = 46650 + index * 20;
        final NodeProcess n = new NodeProcess(dir, name, lo + "-" + (lo + 19));
        open.add(n);
        return n;
    }

    private TestPeer peerOn(final NodeProcess n) {
        final TestPeer p = new TestPeer();
        open.add(p);
        p.connect(n.tcpPort);
        return p;
    }

    private static String room(final char c) {
        return Topics.presence(String.valueOf(c).repeat(43));
    }

    private static void link(final NodeProcess n, final NodeProcess... peers) throws Exception {
        final Map<String, Integer> m = new LinkedHashMap<>();
        for (final NodeProcess p : peers) {
            m.put(p.id, p.federationPort);
        }
        n.peers(m);
    }

    private static void awaitUp(final NodeProcess n, final NodeProcess... peers) {
        for (final NodeProcess p : peers) {
            await().atMost(LINK).until(() -> n.linkUp(p));
        }
    }

    /**
     * @return every message that arrived until one on {@code barrier} and one on {@code topic} both
     *     did (bridged messages on different topics may overtake each other), then for a second more
     */
    private static List<Mqtt5Publish> until(final TestPeer p, final String topic, final String barrier)
            throws InterruptedException {
        final List<Mqtt5Publish> got = new ArrayList<>();
        final long deadline = System.nanoTime() + LINK.toNanos();
        while (System.nanoTime() < deadline && !(seen(got, topic) && seen(got, barrier))) {
            final Mqtt5Publish m = p.received.poll(1, java.util.concurrent.TimeUnit.SECONDS);
            if (m != null) {
                got.add(m);
            }
        }
        final long settle = System.nanoTime() + Duration.ofSeconds(1).toNanos();
        while (System.nanoTime() < settle) {
            final Mqtt5Publish m = p.received.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
            if (m != null) {
                got.add(m);
            }
        }
        return got;
    }

    private static boolean seen(final List<Mqtt5Publish> got, final String topic) {
        return got.stream().anyMatch(m -> m.getTopic().toString().equals(topic));
    }

    private static String prop(final Mqtt5Publish m, final String name) {
        return m.getUserProperties().asList().stream().filter(u -> u.getName().toString().equals(name))
                .map(u -> u.getValue().toString()).findFirst().orElse(null);
    }

    @Test
    void triangle_exactlyOnceAtEachNode_killNineAndRestartHealsWithoutStorm() throws Exception {
        final NodeProcess n1 = node("n1", 0);
        final NodeProcess n2 = node("n2", 1);
        final NodeProcess n3 = node("n3", 2);
        n1.start();
        n2.start();
        n3.start();
        link(n1, n2, n3);
        link(n2, n1, n3);
        link(n3, n1, n2);
        awaitUp(n1, n2, n3);
        awaitUp(n2, n1, n3);
        awaitUp(n3, n1, n2);

        final String r = room('A');
        final String barrier = room('B');
        final TestPeer a = peerOn(n1);
        final TestPeer b = peerOn(n2);
        final TestPeer c = peerOn(n3);
        for (final TestPeer p : List.of(b, c)) {
            p.subscribe(r);
            p.subscribe(barrier);
        }
        a.publish(r, LEAVE);
        a.publish(barrier, LEAVE);
        for (final TestPeer p : List.of(b, c)) {
            final List<Mqtt5Publish> got = until(p, r, barrier);
            assertEquals(1, got.stream().filter(m -> m.getTopic().toString().equals(r)).count(), TestPeer.describe(got));
            final Mqtt5Publish first = got.stream().filter(m -> m.getTopic().toString().equals(r)).findFirst().orElseThrow();
            assertEquals(a.id, TestPeer.senders(first).get(0), "verified sender kept");
            assertEquals(n1.id, prop(first, "sb-origin"));
            assertEquals("1", prop(first, "sb-hops"));
        }
        // the copy over the third link is seen and dropped, never delivered
        await().atMost(LINK).until(() -> n2.peerMessages(n3, "duplicate") >= 1 && n3.peerMessages(n2, "duplicate") >= 1);
        b.assertNothingArrives(Duration.ofSeconds(3));
        c.assertNothingArrives(Duration.ofSeconds(1));

        // kill -9 node 3, keep it down a while, start it again on the same ports with the same key
        final long before1 = n1.peerMessages(n3, "attempt");
        final long before2 = n2.peerMessages(n3, "attempt");
        open.remove(c);
        n3.kill9();
        await().atMost(LINK).until(() -> !n1.linkUp(n3) && !n2.linkUp(n3));
        // the outage lasts until node 1 has retried a few times (backoff: 0.5, 1, 2 s ...)
        await().atMost(LINK).until(() -> n1.peerMessages(n3, "attempt") - before1 >= 3);
        n3.start();
        awaitUp(n1, n3);
        awaitUp(n2, n3);
        awaitUp(n3, n1, n2);
        final long tries1 = n1.peerMessages(n3, "attempt") - before1;
        final long tries2 = n2.peerMessages(n3, "attempt") - before2;
        // backoff 0.5 s doubling to 30 s with jitter: at most ~6 tries in ~10-20 s, not hundreds
        assertTrue(tries1 >= 1 && tries1 <= 10, "node 1 tried " + tries1 + " times");
        assertTrue(tries2 >= 1 && tries2 <= 10, "node 2 tried " + tries2 + " times");
        final long downLines = n1.lines().stream().filter(l -> l.contains("peer link " + n3.id + ": down")).count();
        assertTrue(downLines <= 2, "one log line per state change, not per try: " + downLines);

        // and messages flow again both ways across the healed links
        final TestPeer c2 = peerOn(n3);
        c2.subscribe(room('C'));
        c2.subscribe(barrier);
        a.publish(room('C'), LEAVE);
        a.publish(barrier, LEAVE);
        final List<Mqtt5Publish> got = until(c2, room('C'), barrier);
        assertEquals(1, got.stream().filter(m -> m.getTopic().toString().equals(room('C'))).count(), TestPeer.describe(got));
    }

    @Test
    void lineOfFour_deliversEndToEndWithinHopLimit_relaysACallTwoLinksApartAtEachNode_wrongKeyPeerRefused()
            throws Exception {
        final NodeProcess n1 = node("n1", 0);
        final NodeProcess n2 = node("n2", 1);
        final NodeProcess n3 = node("n3", 2);
        final NodeProcess n4 = node("n4", 3);
        for (final NodeProcess n : List.of(n1, n2, n3, n4)) {
            n.start();
        }
        link(n1, n2);
        link(n2, n1, n3);
        link(n3, n2, n4);
        // node 4 expects node 3's key at node 3's address, and a "peer" whose key is not the one there
        final Map<String, Integer> wrong = new LinkedHashMap<>();
        wrong.put(n3.id, n3.federationPort);
        final String impostor = dev.switchboard.node.identity.NodeKey.generate().id();
        wrong.put(impostor, n1.federationPort);
        n4.peers(wrong);
        awaitUp(n1, n2);
        awaitUp(n2, n1, n3);
        awaitUp(n3, n2, n4);
        awaitUp(n4, n3);

        final String r = room('L');
        final String barrier = room('M');
        final TestPeer a = peerOn(n1);
        final TestPeer d = peerOn(n4);
        d.subscribe(r);
        d.subscribe(barrier);
        a.publish(r, LEAVE);
        a.publish(barrier, LEAVE);
        final List<Mqtt5Publish> got = until(d, r, barrier);
        final List<Mqtt5Publish> onRoom = got.stream().filter(m -> m.getTopic().toString().equals(r)).toList();
        assertEquals(1, onRoom.size(), TestPeer.describe(got));
        assertEquals(a.id, TestPeer.senders(onRoom.get(0)).get(0));
        assertEquals(n1.id, prop(onRoom.get(0), "sb-origin"));
        assertEquals("3", prop(onRoom.get(0), "sb-hops"));
        assertEquals(LEAVE, new String(onRoom.get(0).getPayloadAsBytes(), StandardCharsets.UTF_8));

        // the impostor entry: node 1 answers at that address with its own key; node 4 refuses it
        await().atMost(LINK).until(() -> n4.lines().stream().anyMatch(l ->
                l.contains("refused peer " + impostor) && l.contains("presented the key of node " + n1.id)));
        assertFalse(n4.linkUp(n1));
        // nothing from node 1's clients reaches node 4 over the refused link: the message above came
        // once, over the line, and node 4 counted nothing from the impostor entry
        assertEquals(0, n4.peerMessages(n1, "delivered"));
        d.assertNothingArrives(Duration.ofSeconds(2));

        callTwoLinksApart(a, n1, n2, peerOn(n3), n3, n4);
        calleeTwoLinksApart(a, n3);
    }

    /**
     * A callee registered on node 3 and called by {@code a} on node 1, two links away: node 2
     * passes node 3's announcements on, so node 1 says "offline" before any tab waits (not
     * "unknown"), and rings it once one does; the call crosses node 2 towards the home, and the
     * tab's accept comes back.
     */
    private void calleeTwoLinksApart(final TestPeer a, final NodeProcess n3) throws Exception {
        final byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        final String calleeId = b64(random);
        final String secret = b64(java.util.Arrays.copyOf(random, 20)) + "s";
        final String ring = "sb/v1/callee/" + calleeId;
        final TestPeer owner = peerOn(n3);
        final TestPeer.Ack registered = owner.publish(ring, "{\"v\":1,\"type\":\"register\",\"secretHash\":\""
                + dev.switchboard.node.callee.CalleeRegistry.hashOf(secret) + "\"}");
        assertEquals(0, registered.code(), registered.reason());
        final int[] attempt = {0};
        await().atMost(LINK).pollInterval(Duration.ofMillis(500)).until(() -> {
            final TestPeer.Ack x = a.publish(ring, calleeCall(a, "off" + attempt[0]++));
            return x.code() == 0x83 && x.reason().startsWith("recipient-unavailable") && x.reason().contains("offline");
        });
        final TestPeer tab = peerOn(n3);
        assertEquals(1, tab.subscribe(ring, Map.of("sb-callee-secret", secret)).code());
        await().atMost(LINK).pollInterval(Duration.ofMillis(500))
                .until(() -> a.publish(ring, calleeCall(a, "on" + attempt[0]++)).code() == 0);
        final String callId = "on" + (attempt[0] - 1);
        final Mqtt5Publish rang = nextFrom(tab, ring, a);
        assertEquals("call:" + callId, JSON.readTree(TestPeer.payload(rang)).get("context").asText());
        assertEquals(0, tab.publish(a.inbox(), "{\"v\":1,\"type\":\"accept\",\"context\":\"call:" + callId
                + "\",\"key\":\"" + b64(tab.spki) + "\",\"nonce\":\"Zx8Hn4Ja6Ue5Rt2Wm0Qk3s\",\"mode\":\"relay\"}").code());
        assertEquals("accept", JSON.readTree(TestPeer.payload(nextFrom(a, a.inbox(), tab))).get("type").asText());
    }

    private static String calleeCall(final TestPeer caller, final String callId) {
        return "{\"v\":1,\"type\":\"call\",\"context\":\"call:" + callId + "\",\"key\":\"" + b64(caller.spki)
                + "\",\"nonce\":\"q3Vw1bM7cXrT9kLp2sYd0g\",\"caps\":[\"FILE\"]}";
    }

    /**
     * A room call between {@code a} on node 1 and {@code c} on node 3 (not linked to each other;
     * node 2 between them, node 4 past node 3): every node on the way relays it, so each side sees
     * only its own node's relay, the end-to-end fields pass unchanged, and real ICE checks from two
     * UDP sockets cross all three relays (A, node 1, node 2, node 3, C). Node 4, past the far end,
     * sees the description come back over node 3's link and opens nothing.
     */
    private static void callTwoLinksApart(final TestPeer a, final NodeProcess n1, final NodeProcess n2,
                                          final TestPeer c, final NodeProcess n3, final NodeProcess n4) throws Exception {
        final String roomId = "R".repeat(43);
        final String presence = Topics.presence(roomId);
        for (final TestPeer p : List.of(a, c)) {
            assertEquals(1, p.subscribe(p.inbox()));
            assertEquals(1, p.subscribe(presence));
        }
        assertEquals(0, a.publish(presence, join(a)).code());
        assertEquals(0, c.publish(presence, join(c)).code());
        // each sees the other's join: every node on the way knows both are in the room
        nextFrom(a, presence, c);
        nextFrom(c, presence, a);

        final String offerSdp = fixture("datachannel-offer-gathered.sdp");
        final TestPeer.Ack offered = a.publish(c.inbox(), description("offer", roomId, offerSdp));
        assertEquals(0, offered.code(), offered.reason());
        final String atC = JSON.readTree(TestPeer.payload(nextFrom(c, c.inbox(), a))).get("sdp").asText();
        final InetSocketAddress aAtN3 = relayOf(atC, 46690, 46709); // node 3's range: what C sees of A
        assertEquals(endToEnd(offerSdp), endToEnd(atC), "fingerprint and ICE credentials pass unchanged");

        final String answerSdp = fixture("datachannel-answer-gathered.sdp");
        final TestPeer.Ack answered = c.publish(a.inbox(), description("answer", roomId, answerSdp));
        assertEquals(0, answered.code(), answered.reason());
        final String atA = JSON.readTree(TestPeer.payload(nextFrom(a, a.inbox(), c))).get("sdp").asText();
        final InetSocketAddress cAtN1 = relayOf(atA, 46650, 46669); // node 1's range: what A sees of C
        assertEquals(endToEnd(answerSdp), endToEnd(atA));

        // ICE checks both ways, retransmitted as ICE does until each side got one of the other's
        final String[] iceA = ice(offerSdp);
        final String[] iceC = ice(answerSdp);
        try (DatagramSocket sa = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
             DatagramSocket sc = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            sa.setSoTimeout(250);
            sc.setSoTimeout(250);
            final Set<String> fromA = new HashSet<>();
            final Set<String> fromC = new HashSet<>();
            DatagramPacket gotByC = null;
            DatagramPacket gotByA = null;
            for (int round = 0; round < 120 && (gotByC == null || gotByA == null); round++) {
                fromA.add(sendCheck(sa, cAtN1, iceC[0] + ":" + iceA[0], iceC[1])); // RFC 8445 §7.2.2
                fromC.add(sendCheck(sc, aAtN3, iceA[0] + ":" + iceC[0], iceA[1]));
                gotByC = gotByC != null ? gotByC : receive(sc);
                gotByA = gotByA != null ? gotByA : receive(sa);
            }
            assertTrue(gotByC != null && gotByA != null, "checks crossed: to C " + gotByC + ", to A " + gotByA);
            assertEquals(aAtN3, gotByC.getSocketAddress(), "C hears A only from its own node's relay");
            assertTrue(fromA.contains(transaction(gotByC)), "C got one of A's checks");
            assertEquals(cAtN1, gotByA.getSocketAddress(), "A hears C only from its own node's relay");
            assertTrue(fromC.contains(transaction(gotByA)), "A got one of C's checks");
        }
        // node 2, in the middle, forwarded them between the relays of nodes 1 and 3
        assertTrue(n2.metric("switchboard_relay_packets_total") >= 2, "node 2 relayed the call");
        // the descriptions came back to node 4 (and node 2) over node 3's link: not taken, no session
        await().atMost(LINK).until(() -> n4.peerMessages(n3, "off-path") >= 2 && n2.peerMessages(n3, "off-path") >= 1);
        assertEquals(0.0, n4.metric("switchboard_relay_sessions"));
    }

    private static String join(final TestPeer p) {
        return JSON.createObjectNode().put("v", 1).put("type", "join").put("key", b64(p.spki))
                .put("nonce", "q3Vw1bM7cXrT9kLp2sYd0g").put("box", "c2VhbGVkIG5hbWUsIG9wYXF1ZSB0byB0aGUgbm9kZSwgNDArIGNoYXJz")
                .toString();
    }

    private static String description(final String type, final String roomId, final String sdp) {
        final byte[] sig = new byte[64];
        new java.security.SecureRandom().nextBytes(sig);
        return JSON.createObjectNode().put("v", 1).put("type", type).put("context", "room:" + roomId)
                .put("sdp", sdp).put("sig", b64(sig)).put("mac", "M".repeat(43)).toString();
    }

    private static String fixture(final String name) throws java.io.IOException {
        try (java.io.InputStream in = FederationNodesIT.class.getResourceAsStream("/sdp/chromium/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static String b64(final byte[] b) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    /** @return the next message on {@code topic} from {@code sender} within the link timeout. */
    private static Mqtt5Publish nextFrom(final TestPeer p, final String topic, final TestPeer sender)
            throws InterruptedException {
        final long deadline = System.nanoTime() + LINK.toNanos();
        while (System.nanoTime() < deadline) {
            final Mqtt5Publish m = p.received.poll(1, java.util.concurrent.TimeUnit.SECONDS);
            if (m != null && m.getTopic().toString().equals(topic) && TestPeer.senders(m).equals(List.of(sender.id))) {
                return m;
            }
        }
        throw new AssertionError("nothing from " + sender.id + " on " + topic + " within " + LINK);
    }

    /** @return the one relay address every candidate of {@code sdp} names, checked to be in the port range. */
    private static InetSocketAddress relayOf(final String sdp, final int first, final int last) {
        final Matcher m = Pattern.compile("a=candidate:\\S+ \\d+ udp \\d+ (\\S+) (\\d+) typ (\\S+)").matcher(sdp);
        InetSocketAddress at = null;
        while (m.find()) {
            assertEquals("relay", m.group(3), sdp);
            final InetSocketAddress here = new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
            assertTrue(at == null || at.equals(here), sdp);
            at = here;
        }
        assertTrue(at != null && at.getPort() >= first && at.getPort() <= last, "relay in " + first + "-" + last + ": " + sdp);
        return at;
    }

    /** @return the lines the end-to-end signature and ICE depend on, in order. */
    private static List<String> endToEnd(final String sdp) {
        return sdp.lines().filter(l -> l.startsWith("a=fingerprint:") || l.startsWith("a=ice-ufrag:")
                || l.startsWith("a=ice-pwd:") || l.startsWith("a=setup:")).toList();
    }

    /** @return {ufrag, pwd} of the SDP. */
    private static String[] ice(final String sdp) {
        final Matcher u = Pattern.compile("a=ice-ufrag:(\\S+)").matcher(sdp);
        final Matcher p = Pattern.compile("a=ice-pwd:(\\S+)").matcher(sdp);
        assertTrue(u.find() && p.find(), sdp);
        return new String[] {u.group(1), p.group(1)};
    }

    /** @return the transaction id of the check sent, hex. */
    private static String sendCheck(final DatagramSocket from, final InetSocketAddress to, final String username,
                                    final String pwd) throws java.io.IOException {
        final byte[] tid = StunMessageBuilder.newTransactionId();
        final byte[] check = new StunMessageBuilder(Stun.BINDING_REQUEST, tid).username(username)
                .attribute(Stun.ATTR_PRIORITY, new byte[] {0x6e, 0, 1, (byte) 0xff})
                .messageIntegrity(pwd.getBytes(StandardCharsets.UTF_8)).fingerprint().build();
        from.send(new DatagramPacket(check, check.length, to));
        return java.util.HexFormat.of().formatHex(tid);
    }

    /** @return the next datagram within the socket's timeout, or null. */
    private static DatagramPacket receive(final DatagramSocket s) throws java.io.IOException {
        final DatagramPacket p = new DatagramPacket(new byte[1500], 1500);
        try {
            s.receive(p);
            return p;
        } catch (final java.net.SocketTimeoutException e) {
            return null;
        }
    }

    private static String transaction(final DatagramPacket p) {
        return java.util.HexFormat.of().formatHex(p.getData(), p.getOffset() + 8, p.getOffset() + 20);
    }
}
