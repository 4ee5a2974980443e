package dev.switchboard.node.relay.udp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.relay.IceCredentials;
import dev.switchboard.node.relay.PortRange;
import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.Relay;
import dev.switchboard.node.relay.RelayLimitException;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.stun.StunMessageBuilder;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link UdpRelay#open} on real loopback sockets: it never blocks, binds asynchronously and
 * handles every way a binding session can end; plus the two uses the relay interface must allow
 * beyond browsers: a session whose far side is a peer node's relay (federation) and a session
 * driven by a load generator (benchmark). Each test has its own port range (43400-43599), apart
 * from every other test's.
 *
 * <p>To catch a session while it binds, a test occupies the relay's only event loop with a task
 * that waits for a latch: every bind step queues behind it.
 */
class UdpRelayOpenIT {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ProvenAddresses proven = new ProvenAddresses(Duration.ofMinutes(1), 1000);
    private final CountDownLatch loopReleased = new CountDownLatch(1);
    private UdpRelay relay;

    private UdpRelay start(final int firstPort, final int lastPort, final int perPeer) {
        relay = new UdpRelay(new NodeConfig.Relay(LOOPBACK, LOOPBACK, new PortRange(firstPort, lastPort), 50, perPeer,
                Duration.ofSeconds(30), 1000, Duration.ofSeconds(30), true), 1, proven);
        return relay;
    }

    /** Occupies the relay's single event loop until {@link #releaseLoop()}; waits until it is occupied. */
    private void blockLoop() throws InterruptedException {
        final CountDownLatch occupied = new CountDownLatch(1);
        relay.eventLoops().next().execute(() -> {
            occupied.countDown();
            try {
                loopReleased.await(WAIT.toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertTrue(occupied.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
    }

    private void releaseLoop() {
        loopReleased.countDown();
    }

    @AfterEach
    void stop() {
        releaseLoop();
        if (relay != null) {
            relay.close();
        }
    }

    private static Throwable failure(final CompletableFuture<?> f) {
        final ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        return e.getCause();
    }

    private static void assertBindable(final int port) throws IOException {
        try (DatagramSocket again = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
            assertEquals(port, again.getLocalPort());
        }
    }

    @Test
    void open_eventLoopBusy_returnsAtOnceAndCompletesOnceBoundOffTheLoop() throws Exception {
        start(43400, 43409, 8);
        blockLoop();
        final SessionKey key = SessionKey.of("room", "a", "b");
        final CompletableFuture<RelaySession> f = assertTimeoutPreemptively(Duration.ofSeconds(2),
                () -> relay.open(key, "a", "b"), "open must not wait for the sockets");
        assertFalse(f.isDone());
        assertEquals(1, relay.reservedSessions(), "the place is reserved at once");
        assertEquals(0, relay.sessionCount(), "not handed out before both ports are bound");
        assertNull(relay.session(key));
        assertTrue(relay.sessions().isEmpty());

        final CompletableFuture<Thread> completedOn = f.thenApply(ignored -> Thread.currentThread());
        releaseLoop();
        final RelaySession s = f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertTrue(s.isOpen());
        assertFalse(relay.eventLoops().next().inEventLoop(completedOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)),
                "dependent stages do not run on the thread that forwards packets");
        final int pA = s.advertisedAddress("a").getPort();
        final int pB = s.advertisedAddress("b").getPort();
        assertNotEquals(pA, pB);
        assertTrue(pA >= 43400 && pA <= 43409 && pB >= 43400 && pB <= 43409, pA + ", " + pB);
        assertSame(s, relay.session(key));
        assertEquals(List.of(s), relay.sessionsOf("b"));
        assertEquals(1, relay.sessionCount());
        assertEquals(8, relay.availablePorts());
    }

    @Test
    void open_sameKeyConcurrentlyWhileBinding_bothCallersGetTheSameSessionCountedForBoth() throws Exception {
        start(43410, 43419, 1);
        blockLoop();
        final SessionKey key = SessionKey.of("room", "a", "b");
        final ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            final CountDownLatch go = new CountDownLatch(1);
            final Future<CompletableFuture<RelaySession>> byA = callers.submit(() -> {
                go.await();
                return relay.open(key, "a", "b");
            });
            final Future<CompletableFuture<RelaySession>> byB = callers.submit(() -> {
                go.await();
                return relay.open(key, "b", "a");
            });
            go.countDown();
            final CompletableFuture<RelaySession> fa = byA.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            final CompletableFuture<RelaySession> fb = byB.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals(1, relay.reservedSessions(), "one session for the key");
            releaseLoop();
            final RelaySession s = fa.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertSame(s, fb.get(WAIT.toMillis(), TimeUnit.MILLISECONDS));
            // both peers took part: each is now at its limit of one session
            for (final String peer : List.of("a", "b")) {
                final Throwable refused = failure(relay.open(SessionKey.of("room", peer, "c"), peer, "c"));
                assertEquals(RelayLimitException.Reason.SESSIONS_PER_PEER, ((RelayLimitException) refused).reason());
            }
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void open_manyKeysRacedFromTwoThreads_eachKeyOneSessionAndNoPortLeaked() throws Exception {
        start(43420, 43519, 50);
        final int keys = 40;
        final ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            final CountDownLatch go = new CountDownLatch(1);
            final List<Future<List<CompletableFuture<RelaySession>>>> runs = new ArrayList<>();
            for (final boolean reversed : new boolean[] {false, true}) {
                runs.add(callers.submit(() -> {
                    go.await();
                    final List<CompletableFuture<RelaySession>> out = new ArrayList<>();
                    for (int i = 0; i < keys; i++) {
                        final String a = "a" + i;
                        final String b = "b" + i;
                        out.add(reversed ? relay.open(SessionKey.of("r", a, b), b, a)
                                : relay.open(SessionKey.of("r", a, b), a, b));
                    }
                    return out;
                }));
            }
            go.countDown();
            final List<CompletableFuture<RelaySession>> first = runs.get(0).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            final List<CompletableFuture<RelaySession>> second = runs.get(1).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            for (int i = 0; i < keys; i++) {
                assertSame(first.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS),
                        second.get(i).get(WAIT.toMillis(), TimeUnit.MILLISECONDS), "key " + i);
            }
            assertEquals(keys, relay.sessionCount());
            assertEquals(100 - 2 * keys, relay.availablePorts());
            relay.sessions().forEach(RelaySession::close);
            await().atMost(WAIT).until(() -> relay.availablePorts() == 100 && relay.reservedSessions() == 0);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void closeSessionsOf_beforeBindStarted_futureFailsAndReservationReleased() throws Exception {
        start(43520, 43529, 1);
        blockLoop();
        final CompletableFuture<RelaySession> f = relay.open(SessionKey.of("room", "a", "b"), "a", "b");
        assertEquals(0, relay.closeSessionsOf("a"), "none was handed out yet");
        assertEquals(0, relay.reservedSessions(), "the reservation is released at once");
        releaseLoop();
        assertInstanceOf(IllegalStateException.class, failure(f));
        assertEquals(10, relay.availablePorts());
        // the peer's per-peer limit (1) is free again
        assertTrue(relay.open(SessionKey.of("room", "a", "c"), "a", "c").get(WAIT.toMillis(), TimeUnit.MILLISECONDS).isOpen());
    }

    @Test
    void close_whileASocketIsBinding_futureFailsAndThePortIsClosedAndReturned() throws Exception {
        start(43530, 43539, 1);
        blockLoop();
        final CompletableFuture<RelaySession> f = relay.open(SessionKey.of("room", "a", "b"), "a", "b");
        // queued behind the first bind step: it runs after pA's socket was created and its bind
        // queued, before that bind completes
        relay.eventLoops().next().execute(() -> relay.closeSessionsOf("a"));
        releaseLoop();
        final Throwable cause = failure(f);
        assertInstanceOf(IllegalStateException.class, cause);
        assertTrue(cause.getMessage().contains("closed while its ports were binding"), cause.getMessage());
        await().atMost(WAIT).until(() -> relay.availablePorts() == 10 && relay.reservedSessions() == 0);
        assertBindable(43530); // the port the pool handed out first is really closed
    }

    @Test
    void closeRelay_whileBinding_futureFailsRelayClosedAndLaterOpensRefused() throws Exception {
        start(43540, 43549, 1);
        blockLoop();
        final CompletableFuture<RelaySession> f = relay.open(SessionKey.of("room", "a", "b"), "a", "b");
        final Thread closer = new Thread(relay::close, "relay-closer"); // waits for the busy loop
        closer.start();
        final Throwable cause = failure(f);
        assertInstanceOf(IllegalStateException.class, cause);
        assertEquals("relay is closed", cause.getMessage());
        releaseLoop();
        closer.join(WAIT.toMillis());
        assertFalse(closer.isAlive());
        assertInstanceOf(IllegalStateException.class, failure(relay.open(SessionKey.of("room", "c", "d"), "c", "d")));
        assertBindable(43540);
    }

    @Test
    void open_portsRunOutWhileBinding_failsPortsExhaustedAndReleasesFirstPortAndReservation() throws Exception {
        start(43550, 43552, 8);
        final RelaySession first = relay.open(SessionKey.of("r", "a", "b"), "a", "b").get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(1, relay.availablePorts());
        blockLoop(); // so that the stage below is added before the bind fails
        final CompletableFuture<RelaySession> f = relay.open(SessionKey.of("r", "c", "d"), "c", "d"); // gets one port of two
        final CompletableFuture<Thread> failedOn = f.handle((ignored, error) -> Thread.currentThread());
        releaseLoop();
        final Throwable cause = failure(f);
        assertEquals(RelayLimitException.Reason.PORTS_EXHAUSTED, ((RelayLimitException) cause).reason());
        assertFalse(relay.eventLoops().next().inEventLoop(failedOn.get(WAIT.toMillis(), TimeUnit.MILLISECONDS)),
                "the refusal's stages do not run on the thread that forwards packets either");
        await().atMost(WAIT).until(() -> relay.availablePorts() == 1 && relay.reservedSessions() == 1);
        assertTrue(first.isOpen());
    }

    // --- what the interface allows beyond browsers -----------------------------------------

    /** A UDP socket on loopback standing in for a browser's candidate or a peer node's relay port. */
    private static final class Endpoint implements AutoCloseable {
        final DatagramSocket socket;

        Endpoint() throws IOException {
            socket = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
            socket.setSoTimeout((int) WAIT.toMillis());
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        void send(final byte[] data, final InetSocketAddress to) throws IOException {
            socket.send(new DatagramPacket(data, data.length, to));
        }

        DatagramPacket receive() throws IOException {
            final DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            socket.receive(p);
            return p;
        }

        /** Fails if anything at all arrives within 300 ms. */
        void assertNothingArrives() throws IOException {
            socket.setSoTimeout(300);
            try {
                final DatagramPacket p = receive();
                throw new AssertionError("unexpectedly received " + p.getLength() + " bytes from " + p.getSocketAddress());
            } catch (final SocketTimeoutException expected) {
                // nothing came
            } finally {
                socket.setSoTimeout((int) WAIT.toMillis());
            }
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    private static String text(final DatagramPacket p) {
        return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    }

    @Test
    void permitPeerRelay_farSideIsAnotherNodesRelay_forwardedBothWaysWithoutProofFromIt() throws Exception {
        start(43560, 43569, 8);
        final IceCredentials iceA = new IceCredentials("aaaa", "passwordOfAliceAAAAAAAA");
        final IceCredentials iceRemote = new IceCredentials("rrrr", "passwordOfRemoteRRRRRRRR");
        try (Endpoint browserA = new Endpoint(); Endpoint peerRelay = new Endpoint(); Endpoint stranger = new Endpoint()) {
            final RelaySession s = relay.open(SessionKey.of("call:x", "a", "remote"), "a", "remote")
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            s.setIceCredentials("a", iceA);
            s.setIceCredentials("remote", iceRemote); // from the remote peer's SDP, bridged by federation
            s.permitPeerRelay("remote", peerRelay.address());
            final InetSocketAddress pA = s.advertisedAddress("a");      // what the peer relay sends to
            final InetSocketAddress pRemote = s.advertisedAddress("remote"); // what A sends to

            // A's very first check goes out to the peer relay at once, from pA
            final byte[] check = iceRemote.connectivityCheck(iceA.ufrag(), StunMessageBuilder.newTransactionId(), 1L);
            browserA.send(check, pRemote);
            final DatagramPacket atPeerRelay = peerRelay.receive();
            assertEquals(pA, atPeerRelay.getSocketAddress());
            assertEquals(check.length, atPeerRelay.getLength());
            // the peer relay needs no proof of its own; its traffic reaches A from pRemote
            peerRelay.send("from the other site".getBytes(StandardCharsets.UTF_8), pA);
            final DatagramPacket atA = browserA.receive();
            assertEquals("from the other site", text(atA));
            assertEquals(pRemote, atA.getSocketAddress());
            // a STUN-proven stranger on the peer relay's side is refused: the permit counts as ICE proof
            proven.markProven(stranger.address());
            stranger.send("spoofed site".getBytes(StandardCharsets.UTF_8), pA);
            await().atMost(WAIT).until(() -> s.counters().droppedUnproven() == 1);
            browserA.assertNothingArrives();
            browserA.send("still to the site".getBytes(StandardCharsets.UTF_8), pRemote);
            assertEquals("still to the site", text(peerRelay.receive()));
            stranger.assertNothingArrives();
        }
    }

    @Test
    void loadGenerator_sessionsWithoutBrowsers_validChecksThenDataAllForwarded() throws Exception {
        start(43570, 43599, 8);
        final Relay asInterface = relay; // the benchmark drives the relay only through the interface
        final int sessions = 10;
        final int packets = 50;
        final List<Endpoint> endpoints = new ArrayList<>();
        try {
            final List<RelaySession> opened = new ArrayList<>();
            for (int i = 0; i < sessions; i++) {
                final String a = "load-a" + i;
                final String b = "load-b" + i;
                final RelaySession s = asInterface.open(SessionKey.of("bench", a, b), a, b)
                        .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                final IceCredentials iceA = new IceCredentials("ua" + i + "xx", "passwordAAAAAAAAAAAAAA" + i);
                final IceCredentials iceB = new IceCredentials("ub" + i + "xx", "passwordBBBBBBBBBBBBBB" + i);
                s.setIceCredentials(a, iceA);
                s.setIceCredentials(b, iceB);
                final Endpoint ea = new Endpoint();
                final Endpoint eb = new Endpoint();
                endpoints.add(ea);
                endpoints.add(eb);
                // B proves itself first (held: A unknown), then A's check reaches B
                eb.send(iceA.connectivityCheck(iceB.ufrag(), StunMessageBuilder.newTransactionId(), 2L), s.advertisedAddress(a));
                await().atMost(WAIT).until(() -> ((UdpRelaySession) s).routing().heldCount() == 1);
                ea.send(iceB.connectivityCheck(iceA.ufrag(), StunMessageBuilder.newTransactionId(), 1L), s.advertisedAddress(b));
                assertEquals(s.advertisedAddress(a), eb.receive().getSocketAddress());
                opened.add(s);
            }
            final byte[] payload = new byte[200];
            for (int n = 0; n < packets; n++) {
                for (int i = 0; i < sessions; i++) {
                    endpoints.get(2 * i).send(payload, opened.get(i).advertisedAddress("load-b" + i));
                }
                for (int i = 0; i < sessions; i++) { // paced by the receivers: nothing is lost on loopback
                    assertEquals(payload.length, endpoints.get(2 * i + 1).receive().getLength());
                }
            }
            for (final RelaySession s : opened) {
                assertEquals(1 + packets, s.counters().packetsAtoB(), s.toString());
                assertEquals(0, s.counters().droppedUnproven());
            }
        } finally {
            endpoints.forEach(Endpoint::close);
        }
    }
}
