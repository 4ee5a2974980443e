package dev.switchboard.node.federation;

import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.broker.topic.Topics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Federation between real node processes (one embedded broker per JVM), peered by configuration
 * reload: a triangle delivers a message to each other node exactly once; a line of four delivers
 * end to end within the hop limit and carries origin and hop count; {@code kill -9} of a node and
 * its restart heal without a storm of connection attempts; a peer whose key is not the pinned one
 * stays refused and nothing from its clients is delivered.
 */
class FederationNodesIT {

    private static final Duration LINK = Duration.ofSeconds(90);
    private static final String LEAVE = "{\"v\":1,\"type\":\"leave\"}";

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
    void lineOfFour_deliversEndToEndWithinHopLimit_andWrongKeyPeerRefused() throws Exception {
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
    }
}
