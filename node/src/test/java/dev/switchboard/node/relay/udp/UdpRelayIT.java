package dev.switchboard.node.relay.udp;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.relay.PortRange;
import dev.switchboard.node.relay.RelayLeg;
import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.RelayCounters;
import dev.switchboard.node.relay.RelayLimitException;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.stun.Stun;
import dev.switchboard.node.stun.StunDecoder;
import dev.switchboard.node.stun.StunMessage;
import dev.switchboard.node.stun.StunMessageBuilder;
import dev.switchboard.node.udp.BatchedDatagramIo;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class UdpRelayIT {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ProvenAddresses proven = new ProvenAddresses(Duration.ofMinutes(1), 1000);
    private UdpRelay relay;

    /** A browser stand-in: one UDP socket (a host candidate) with ICE credentials. */
    static final class Peer implements AutoCloseable {
        final String id;
        final String ufrag;
        final String pwd;
        final DatagramSocket socket;

        Peer(final String id, final String ufrag, final String pwd) throws IOException {
            this(id, ufrag, pwd, LOOPBACK);
        }

        Peer(final String id, final String ufrag, final String pwd, final InetAddress host) throws IOException {
            this.id = id;
            this.ufrag = ufrag;
            this.pwd = pwd;
            this.socket = new DatagramSocket(new InetSocketAddress(host, 0));
            socket.setSoTimeout((int) WAIT.toMillis());
        }

        InetSocketAddress address() {
            return (InetSocketAddress) socket.getLocalSocketAddress();
        }

        /** Sends an ICE check as RFC 8445 §7.2.2 has it: USERNAME remote:local, MI with the remote pwd. */
        byte[] sendCheck(final Peer remote, final InetSocketAddress to, final String keyPwd) throws IOException {
            final byte[] tid = StunMessageBuilder.newTransactionId();
            final byte[] check = new StunMessageBuilder(Stun.BINDING_REQUEST, tid)
                    .username(remote.ufrag + ":" + ufrag)
                    .attribute(Stun.ATTR_PRIORITY, new byte[] {0x6e, 0, 1, (byte) 0xff})
                    .messageIntegrity(keyPwd.getBytes(StandardCharsets.UTF_8))
                    .fingerprint().build();
            send(check, to);
            return tid;
        }

        byte[] sendCheck(final Peer remote, final InetSocketAddress to) throws IOException {
            return sendCheck(remote, to, remote.pwd);
        }

        void send(final byte[] data, final InetSocketAddress to) throws IOException {
            socket.send(new DatagramPacket(data, data.length, to));
        }

        void sendText(final String text, final InetSocketAddress to) throws IOException {
            send(text.getBytes(StandardCharsets.UTF_8), to);
        }

        DatagramPacket receive() throws IOException {
            final DatagramPacket p = new DatagramPacket(new byte[2048], 2048);
            socket.receive(p);
            return p;
        }

        /** Receives until a datagram matches (skipping e.g. retransmitted checks), within the socket timeout each. */
        DatagramPacket receive(final Predicate<DatagramPacket> wanted) throws IOException {
            for (int i = 0; i < 20; i++) {
                final DatagramPacket p = receive();
                if (wanted.test(p)) {
                    return p;
                }
            }
            throw new AssertionError("no matching datagram");
        }

        void assertNothingArrives() throws IOException {
            socket.setSoTimeout(300); // bounded wait for the absence of a datagram
            try {
                final DatagramPacket p = receive();
                throw new AssertionError(id + " unexpectedly received " + p.getLength() + " bytes from " + p.getSocketAddress());
            } catch (SocketTimeoutException expected) {
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

    private static StunMessage stun(final DatagramPacket p) {
        return StunDecoder.decode(p.getData(), 0, p.getLength()).messageOrNull();
    }

    private static Predicate<DatagramPacket> isText(final String expected) {
        return p -> text(p).equals(expected);
    }

    private static Predicate<DatagramPacket> isStunType(final int type) {
        return p -> {
            final StunMessage m = stun(p);
            return m != null && m.messageType() == type;
        };
    }

    private UdpRelay start(final PortRange ports, final int maxSessions, final int maxSessionsPerPeer,
                           final Duration idleTimeout, final int ioThreads) {
        return start(ports, maxSessions, maxSessionsPerPeer, idleTimeout, ioThreads, true);
    }

    private UdpRelay start(final PortRange ports, final int maxSessions, final int maxSessionsPerPeer,
                           final Duration idleTimeout, final int ioThreads, final boolean stunProof) {
        relay = new UdpRelay(new NodeConfig.Relay(LOOPBACK, LOOPBACK, ports, maxSessions, maxSessionsPerPeer,
                idleTimeout, 1000, Duration.ofSeconds(30), stunProof), ioThreads, proven, batchedIo());
        // the build compiles the recvmmsg/sendmmsg library for this machine: it must load here
        assertEquals(batchedIo(), relay.batchedIo(), "batched I/O: " + BatchedDatagramIo.unavailableReason());
        return relay;
    }

    /**
     * @return whether this run's relay receives and sends in batches ({@link BatchedDatagramIo});
     *     {@link UdpRelayJdkPathIT} runs every test here again with one system call per datagram
     */
    boolean batchedIo() {
        return true;
    }

    private UdpRelay start() {
        return start(new PortRange(43000, 43099), 50, 8, Duration.ofSeconds(30), 2);
    }

    @AfterEach
    void stop() {
        if (relay != null) {
            relay.close();
        }
    }

    /** Opens a session and waits for it, throwing the relay's refusal as it is. */
    private static RelaySession open(final UdpRelay relay, final SessionKey key, final String opener, final String other)
            throws RelayLimitException {
        try {
            return relay.open(key, opener, other).join();
        } catch (final java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RelayLimitException limit) {
                throw limit;
            }
            throw e;
        }
    }

    private static RelaySession openWithCredentials(final UdpRelay relay, final Peer a, final Peer b) throws RelayLimitException {
        final RelaySession s = open(relay, SessionKey.of("room", a.id, b.id), a.id, b.id);
        s.setIceCredentials(a.id, a.ufrag, a.pwd);
        s.setIceCredentials(b.id, b.ufrag, b.pwd);
        return s;
    }

    /** @return how many datagrams the session holds for a side whose address it has not learned yet */
    private static int held(final RelaySession s) {
        return ((UdpRelaySession) s).routing().heldCount();
    }

    /** Runs the check exchange so that both peers are ICE-proven; returns nothing, asserts routing. */
    private static void proveBoth(final RelaySession s, final Peer a, final Peer b) throws IOException {
        final InetSocketAddress pA = s.advertisedAddress(a.id);
        final InetSocketAddress pB = s.advertisedAddress(b.id);
        a.sendCheck(b, pB); // proves A, but B has no proven address yet: held
        await().atMost(WAIT).until(() -> held(s) == 1);
        b.sendCheck(a, pA); // proves B, forwarded to A from pB; A's held check goes to B from pA
        final DatagramPacket checkAtA = a.receive(isStunType(Stun.BINDING_REQUEST));
        assertEquals(pB, checkAtA.getSocketAddress(), "A sees B's traffic coming from pB");
        final StunMessage check = stun(checkAtA);
        assertEquals(a.ufrag + ":" + b.ufrag, check.username());
        assertTrue(check.verifyMessageIntegrity(a.pwd.getBytes(StandardCharsets.UTF_8)), "payload untouched");
        // A answers the check; the relay routes the response to the requester (B) from pA
        a.send(StunMessageBuilder.bindingSuccess(check.transactionId(), (InetSocketAddress) checkAtA.getSocketAddress())
                .messageIntegrity(a.pwd.getBytes(StandardCharsets.UTF_8)).fingerprint().build(), pB);
        final DatagramPacket responseAtB = b.receive(isStunType(Stun.BINDING_SUCCESS_RESPONSE));
        assertEquals(pA, responseAtB.getSocketAddress(), "B sees A's traffic coming from pA");
    }

    @Test
    void provenPeers_dataBothWays_deliveredFromTheOtherSidesPort() throws Exception {
        start();
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            final InetSocketAddress pA = s.advertisedAddress(a.id);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            assertEquals(LOOPBACK, pA.getAddress());
            assertNotEquals(pA.getPort(), pB.getPort());
            assertTrue(pA.getPort() >= 43000 && pA.getPort() <= 43099);
            proveBoth(s, a, b);

            final byte[] dtlsLike = {0x16, (byte) 0xfe, (byte) 0xfd, 1, 2, 3, 4, 5};
            a.send(dtlsLike, pB);
            final DatagramPacket atB = b.receive(p -> p.getData()[0] == 0x16);
            assertArrayEquals(dtlsLike, Arrays.copyOf(atB.getData(), atB.getLength()), "payload passes untouched");
            assertEquals(pA, atB.getSocketAddress());
            b.sendText("hello A", pA);
            final DatagramPacket atA = a.receive(isText("hello A"));
            assertEquals(pB, atA.getSocketAddress());

            // forwarded: A->B held first check + response + data (3); B->A check + data (2)
            await().atMost(WAIT).until(() -> s.counters().packetsBtoA() == 2 && s.counters().packetsAtoB() == 3);
            final RelayCounters c = s.counters();
            // A->B: a Binding success response (header, MI, FP: > 20 bytes) and the 8-byte datagram
            assertTrue(c.bytesAtoB() > Stun.HEADER_LENGTH + 24 + dtlsLike.length, "bytes A->B " + c.bytesAtoB());
            // B->A: a check (header, USERNAME, PRIORITY, MI, FP) and "hello A" (7 bytes)
            assertTrue(c.bytesBtoA() > Stun.HEADER_LENGTH + 24 + 7, "bytes B->A " + c.bytesBtoA());
            assertEquals(0, c.droppedUnproven());
            assertEquals(0, c.droppedOther(), "A's first check was held until B was known, not dropped");
            assertEquals(0, held(s));
        }
    }

    /**
     * The relay's two other socket kinds: bound to the wildcard (a dual-stack IPv6 socket that sees
     * IPv4 peers as IPv4-mapped addresses, as a node on {@code 0.0.0.0} or {@code ::} runs) and to
     * the IPv6 loopback (IPv6 peers). In this test's loopback-only network namespace the wildcard
     * reaches nothing but loopback.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.CsvSource({"0.0.0.0, 127.0.0.1", "::1, ::1"})
    void dualStackAndIpv6Sockets_forwardBothWays(final String bind, final String peers) throws Exception {
        final InetAddress host = InetAddress.getByName(peers);
        relay = new UdpRelay(new NodeConfig.Relay(InetAddress.getByName(bind), host, new PortRange(43000, 43099), 50, 8,
                Duration.ofSeconds(30), 1000, Duration.ofSeconds(30), true), 1, proven, batchedIo());
        assertEquals(batchedIo(), relay.batchedIo());
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA", host);
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB", host)) {
            final RelaySession s = openWithCredentials(relay, a, b);
            // both kinds are IPv6 sockets: the wildcard's sees these IPv4 peers as IPv4-mapped
            assertEquals(batchedIo(), ((UdpRelaySession) s).portA.ipv6 && ((UdpRelaySession) s).portB.ipv6);
            proveBoth(s, a, b);
            final InetSocketAddress pA = s.advertisedAddress(a.id);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            for (int i = 0; i < 20; i++) {
                a.sendText("to B " + i, pB);
            }
            for (int i = 0; i < 20; i++) {
                final DatagramPacket atB = b.receive(isText("to B " + i));
                assertEquals(pA, atB.getSocketAddress());
            }
            b.sendText("to A", pA);
            assertEquals(pB, a.receive(isText("to A")).getSocketAddress());
            assertEquals(0, s.counters().droppedUnproven());
            assertEquals(0, s.counters().droppedOther());
        }
    }

    @Test
    void manyDatagramsAtOnce_eachDeliveredWhole_inOrder_upToTheLargestUdpPayload() throws Exception {
        start();
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            proveBoth(s, a, b);
            final InetSocketAddress pA = s.advertisedAddress(a.id);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            b.socket.setReceiveBufferSize(1 << 20);
            final long forwardedBefore = s.counters().packetsAtoB();
            // 20 rounds of 50 datagrams sent back to back (several per receive call on the relay),
            // of sizes 1 to 1,400 bytes, then one of the largest UDP payload over IPv4
            int sequence = 0;
            for (int round = 0; round < 20; round++) {
                final List<byte[]> sent = new ArrayList<>();
                for (int i = 0; i < 50; i++, sequence++) {
                    final byte[] datagram = new byte[1 + (sequence * 97) % 1_400];
                    Arrays.fill(datagram, (byte) 0x80); // RTP-like first byte, never STUN
                    if (datagram.length >= 3) {
                        datagram[1] = (byte) (sequence >> 8);
                        datagram[2] = (byte) sequence;
                    }
                    a.send(datagram, pB);
                    sent.add(datagram);
                }
                for (final byte[] expected : sent) {
                    final DatagramPacket atB = receiveLarge(b);
                    assertArrayEquals(expected, Arrays.copyOf(atB.getData(), atB.getLength()), "round " + round);
                    assertEquals(pA, atB.getSocketAddress());
                }
            }
            final byte[] largest = new byte[65_507];
            Arrays.fill(largest, (byte) 0x81);
            a.send(largest, pB);
            final DatagramPacket atB = receiveLarge(b);
            assertEquals(largest.length, atB.getLength(), "not truncated");
            assertArrayEquals(largest, Arrays.copyOf(atB.getData(), atB.getLength()));
            await().atMost(WAIT).until(() -> s.counters().packetsAtoB() == forwardedBefore + 1_000 + 1);
            assertEquals(0, s.counters().droppedOther());
        }
    }

    private static DatagramPacket receiveLarge(final Peer peer) throws IOException {
        final DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
        peer.socket.receive(p);
        return p;
    }

    @Test
    void forwarding_allocatesNothingPerDatagram_onTheRelaysThreads_onlyTheSelectorsBoxedDescriptor() throws Exception {
        start(new PortRange(43000, 43099), 50, 8, Duration.ofSeconds(30), 1);
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            proveBoth(s, a, b);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            final byte[] media = new byte[100];
            media[0] = (byte) 0x80;
            forwardInSteps(s, a, media, pB, 10_000); // warm-up: the compilers, the batch, the cached addresses
            final com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            final List<Long> relayThreads = new ArrayList<>();
            for (final Thread t : Thread.getAllStackTraces().keySet()) {
                if (t.getName().startsWith("relay-") && !t.getName().startsWith("relay-control")) {
                    relayThreads.add(t.getId());
                }
            }
            assertFalse(relayThreads.isEmpty());
            final long eventsBefore = ((UdpRelaySession) s).readyEvents();
            final long before = relayThreads.stream().mapToLong(threads::getThreadAllocatedBytes).sum();
            forwardInSteps(s, a, media, pB, 10_000);
            final long used = relayThreads.stream().mapToLong(threads::getThreadAllocatedBytes).sum() - before;
            final long events = ((UdpRelaySession) s).readyEvents() - eventsBefore;
            // The JDK's selector boxes each ready socket's file descriptor (Integer.valueOf in
            // EPollSelectorImpl.processEvents): 16 bytes per readiness event, however many datagrams
            // it brings; nothing per datagram may come on top (an address, a packet, a buffer).
            assertTrue(used <= 16 * events + 4_096, used + " bytes allocated on the relay's threads for 10,000"
                    + " forwarded datagrams in " + events + " readiness events");
        }
    }

    /**
     * Sends {@code count} datagrams from {@code from} to {@code to} in steps of 10, each step
     * once the relay has forwarded (or dropped) the one before, so that none is lost before the
     * relay reads it (a step stays far below the smallest receive buffer the kernel grants).
     */
    private static void forwardInSteps(final RelaySession s, final Peer from, final byte[] datagram,
                                       final InetSocketAddress to, final int count) throws IOException {
        final long start = s.counters().packetsAtoB() + s.counters().droppedOther();
        for (int sent = 0; sent < count; ) {
            for (int i = 0; i < 10; i++, sent++) {
                from.send(datagram, to);
            }
            final long expected = start + sent;
            try {
                await().atMost(WAIT).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> s.counters().packetsAtoB() + s.counters().droppedOther() >= expected);
            } catch (final org.awaitility.core.ConditionTimeoutException e) {
                throw new AssertionError("expected " + expected + ", sent " + sent + ": " + s.counters(), e);
            }
        }
    }

    @Test
    void firstCheckTowardASideNotYetLearned_heldAndDeliveredOnceThatSideIsProven() throws Exception {
        start();
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            final InetSocketAddress pA = s.advertisedAddress(a.id);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            final byte[] firstCheck = a.sendCheck(b, pB); // B unknown to the relay yet
            await().atMost(WAIT).until(() -> held(s) == 1);
            b.sendCheck(a, pA); // B proves itself: A's held check is delivered now, no retransmit needed
            final DatagramPacket atB = b.receive(isStunType(Stun.BINDING_REQUEST));
            assertEquals(pA, atB.getSocketAddress(), "from the port B sends to");
            assertArrayEquals(firstCheck, stun(atB).transactionId(), "A's first check itself");
            assertEquals(b.ufrag + ":" + a.ufrag, stun(atB).username(), "RFC 8445 §7.2.2: receiver:sender");
            assertTrue(stun(atB).verifyMessageIntegrity(b.pwd.getBytes(StandardCharsets.UTF_8)), "untouched");
            // B answers it; the answer goes back to A's socket
            b.send(StunMessageBuilder.bindingSuccess(firstCheck, (InetSocketAddress) atB.getSocketAddress())
                    .messageIntegrity(b.pwd.getBytes(StandardCharsets.UTF_8)).fingerprint().build(), pA);
            assertEquals(pB, a.receive(isStunType(Stun.BINDING_SUCCESS_RESPONSE)).getSocketAddress());
            await().atMost(WAIT).until(() -> held(s) == 0 && s.counters().packetsAtoB() == 1);
            assertEquals(0, s.counters().droppedOther());
        }
    }

    @Test
    void validCheckFromOneOfTheNodesOwnPorts_neverProven_nothingForwarded() throws Exception {
        start();
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            // A's socket stands for one of the node's own ports (a spoofed source): its valid
            // check must not make the relay send there, or the relay could loop into itself.
            relay.ownEndpoints().addServicePort(a.address().getPort());
            a.sendCheck(b, s.advertisedAddress(b.id));
            await().atMost(WAIT).until(() -> s.counters().droppedUnproven() == 1);
            b.sendCheck(a, s.advertisedAddress(a.id)); // B proves itself, but A has no destination: held
            await().atMost(WAIT).until(() -> held(s) == 1);
            assertEquals(0, s.counters().packetsBtoA(), "nothing is ever sent to the node's own port");
            assertEquals(0, s.counters().packetsAtoB());
        }
    }

    @Test
    void unprovenThirdParty_getsNothingAndItsPacketsAreDroppedAndCounted() throws Exception {
        start();
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB");
             Peer c = new Peer("peerC", "cccc", "passwordOfMalloryCCCCCCC")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            final InetSocketAddress pA = s.advertisedAddress(a.id);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            proveBoth(s, a, b);

            // garbage and data from the third party, to both ports, plus a check with the right
            // username but the wrong password: none proves C, nothing is forwarded
            c.sendText("garbage", pB);
            c.send(new byte[] {0, 1, 0, 0}, pA);
            c.send(new byte[0], pA);
            c.sendCheck(b, pB, "wrongPasswordXXXXXXXXXXX");
            c.sendCheck(a, pA, c.pwd);
            await().atMost(WAIT).until(() -> s.counters().droppedUnproven() == 5);
            c.assertNothingArrives();

            // the session keeps working for the proven peers
            a.sendText("still here", pB);
            assertEquals(pA, b.receive(isText("still here")).getSocketAddress());
            b.sendText("me too", pA);
            assertEquals(pB, a.receive(isText("me too")).getSocketAddress());
            // neither A nor B got any of C's packets (only the STUN retransmits and texts above)
            assertEquals(5, s.counters().droppedUnproven());
        }
    }

    @Test
    void checkWithWrongPassword_doesNotProve() throws Exception {
        start();
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            final InetSocketAddress pA = s.advertisedAddress(a.id);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            a.sendCheck(b, pB, a.pwd); // keyed with A's own pwd instead of B's: invalid
            b.sendCheck(a, pA);         // B proves itself; A is unknown, so no destination: held
            await().atMost(WAIT).until(() -> s.counters().droppedUnproven() == 1 && held(s) == 1);
            a.sendText("data", pB);
            await().atMost(WAIT).until(() -> s.counters().droppedUnproven() == 2);
            b.assertNothingArrives();
            assertEquals(0, s.counters().packetsAtoB());
        }
    }

    @Test
    void checkBeforeCredentialsKnown_doesNotProveUntilSet() throws Exception {
        start();
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = open(relay, SessionKey.of("room", a.id, b.id), a.id, b.id);
            a.sendCheck(b, s.advertisedAddress(b.id));
            await().atMost(WAIT).until(() -> s.counters().droppedUnproven() == 1);
            s.setIceCredentials(a.id, a.ufrag, a.pwd);
            s.setIceCredentials(b.id, b.ufrag, b.pwd);
            proveBoth(s, a, b);
        }
    }

    @Test
    void stunAnsweredAddress_isProvenWithoutIceCheck() throws Exception {
        start();
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = open(relay, SessionKey.of("room", a.id, b.id), a.id, b.id);
            proven.markProven(a.address()); // as if our STUN service had answered A
            proven.markProven(b.address());
            b.sendText("first", s.advertisedAddress(a.id)); // A not seen yet: no destination
            await().atMost(WAIT).until(() -> s.counters().droppedOther() == 1);
            a.sendText("from A", s.advertisedAddress(b.id));
            assertEquals(s.advertisedAddress(a.id), b.receive(isText("from A")).getSocketAddress());
            b.sendText("from B", s.advertisedAddress(a.id));
            assertEquals(s.advertisedAddress(b.id), a.receive(isText("from B")).getSocketAddress());
        }
    }

    @Test
    void stunProofOff_stunAnsweredAddressNotProven_onlyIceChecksCount() throws Exception {
        start(new PortRange(43000, 43099), 50, 8, Duration.ofSeconds(30), 2, false);
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            proven.markProven(a.address()); // our STUN service answered A: with relay.stunProof false, no proof
            proven.markProven(b.address());
            a.sendText("from A", s.advertisedAddress(b.id));
            await().atMost(WAIT).until(() -> s.counters().droppedUnproven() == 1);
            proveBoth(s, a, b); // ICE checks still prove both
            b.sendText("from B", s.advertisedAddress(a.id));
            assertEquals(s.advertisedAddress(b.id), a.receive(isText("from B")).getSocketAddress());
        }
    }

    /** Sockets of one attacking host, each of which our STUN service has answered. */
    private List<Peer> stunProvenAttackers(final int count) throws IOException {
        final List<Peer> attackers = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                final Peer m = new Peer("mallory" + i, "mmmm", "passwordOfMalloryMMMMMMM");
                attackers.add(m);
                proven.markProven(m.address()); // as if our STUN service had answered this port
            }
        } catch (IOException | RuntimeException e) {
            attackers.forEach(Peer::close);
            throw e;
        }
        return attackers;
    }

    @Test
    void stunProvenAttackerAfterIceProof_droppedAndCountedAndBsTrafficStillReachesA() throws Exception {
        start();
        final List<Peer> attackers = stunProvenAttackers(4);
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            final InetSocketAddress pA = s.advertisedAddress(a.id);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            proveBoth(s, a, b);
            a.sendText("hi B", pB);
            assertEquals(pA, b.receive(isText("hi B")).getSocketAddress());
            b.sendText("hi A", pA);
            assertEquals(pB, a.receive(isText("hi A")).getSocketAddress());
            final RelayCounters before = s.counters();
            assertEquals(0, before.droppedUnproven());

            // each STUN-proven socket sprays both relay ports (data, and a check keyed wrongly)
            for (final Peer m : attackers) {
                m.sendText("evil to B", pB);
                m.sendCheck(b, pB, m.pwd); // it does not know B's ice-pwd
                m.sendText("evil to A", pA);
            }
            final int sent = 3 * attackers.size();
            await().atMost(WAIT).until(() -> s.counters().droppedUnproven() == sent);
            b.assertNothingArrives();
            a.assertNothingArrives();

            // B's traffic still goes to A's ICE-proven address, none to the attacker
            b.sendText("after attack", pA);
            assertEquals(pB, a.receive(isText("after attack")).getSocketAddress());
            a.sendText("still you", pB);
            assertEquals(pA, b.receive(isText("still you")).getSocketAddress());
            for (final Peer m : attackers) {
                m.assertNothingArrives();
            }
            final RelayCounters after = s.counters();
            assertEquals(sent, after.droppedUnproven());
            assertEquals(before.packetsAtoB() + 1, after.packetsAtoB());
            assertEquals(before.packetsBtoA() + 1, after.packetsBtoA());
            assertEquals(before.droppedOther(), after.droppedOther());
        } finally {
            attackers.forEach(Peer::close);
        }
    }

    @Test
    void moreStunProvenSourcesThanRing_doNotEvictIceProvenDestination() throws Exception {
        start();
        final List<Peer> attackers = stunProvenAttackers(RelayLeg.MAX_PROVEN + 2);
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            final InetSocketAddress pA = s.advertisedAddress(a.id);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            proveBoth(s, a, b);

            // every attacker source in turn, twice over: under the old ring rule the later ones
            // evicted A and became the destination of B's traffic
            for (int round = 0; round < 2; round++) {
                for (final Peer m : attackers) {
                    m.sendText("take over " + round, pB);
                }
            }
            final int sent = 2 * attackers.size();
            await().atMost(WAIT).until(() -> s.counters().droppedUnproven() == sent);

            b.sendText("for A only", pA);
            assertEquals(pB, a.receive(isText("for A only")).getSocketAddress());
            for (final Peer m : attackers) {
                m.assertNothingArrives();
            }
            b.assertNothingArrives();
        } finally {
            attackers.forEach(Peer::close);
        }
    }

    @Test
    void twoCandidatesOfOnePeer_responsesGoBackToTheRequestingSource() throws Exception {
        start();
        try (Peer a = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA");
             Peer a2 = new Peer("peerA", "aaaa", "passwordOfAliceAAAAAAAA"); // A's second candidate
             Peer b = new Peer("peerB", "bbbb", "passwordOfBobBBBBBBBBBBB")) {
            final RelaySession s = openWithCredentials(relay, a, b);
            final InetSocketAddress pA = s.advertisedAddress(a.id);
            final InetSocketAddress pB = s.advertisedAddress(b.id);
            proveBoth(s, a, b);
            // A's second candidate sends its own check; B answers both outstanding checks
            a2.sendCheck(b, pB);
            final DatagramPacket check2 = b.receive(p -> {
                final StunMessage m = stun(p);
                return m != null && m.messageType() == Stun.BINDING_REQUEST;
            });
            // now a2 is the latest proven source: plain data goes there
            b.sendText("to latest", pA);
            assertEquals(pB, a2.receive(isText("to latest")).getSocketAddress());
            // an earlier transaction from the first candidate: its response must go to it, not a2
            final byte[] tidFromA = a.sendCheck(b, pB);
            final DatagramPacket check1 = b.receive(p -> {
                final StunMessage m = stun(p);
                return m != null && Arrays.equals(m.transactionId(), tidFromA);
            });
            b.send(StunMessageBuilder.bindingSuccess(stun(check1).transactionId(), pA).fingerprint().build(), pA);
            final DatagramPacket r1 = a.receive(isStunType(Stun.BINDING_SUCCESS_RESPONSE));
            assertArrayEquals(tidFromA, stun(r1).transactionId());
            assertEquals(pB, r1.getSocketAddress());
            b.send(StunMessageBuilder.bindingSuccess(stun(check2).transactionId(), pA).fingerprint().build(), pA);
            final DatagramPacket r2 = a2.receive(isStunType(Stun.BINDING_SUCCESS_RESPONSE));
            assertArrayEquals(stun(check2).transactionId(), stun(r2).transactionId());
        }
    }

    @Test
    void limits_totalPerPeerAndPorts_throwWithReason() throws Exception {
        start(new PortRange(43100, 43105), 2, 1, Duration.ofSeconds(30), 1);
        final RelaySession ab = open(relay, SessionKey.of("r", "a", "b"), "a", "b");
        assertSame(ab, open(relay, SessionKey.of("r", "b", "a"), "b", "a"), "same key: same session");
        final RelayLimitException perPeer = assertThrows(RelayLimitException.class,
                () -> open(relay, SessionKey.of("r", "a", "c"), "a", "c"));
        assertEquals(RelayLimitException.Reason.SESSIONS_PER_PEER, perPeer.reason());
        open(relay, SessionKey.of("r", "c", "d"), "c", "d");
        final RelayLimitException total = assertThrows(RelayLimitException.class,
                () -> open(relay, SessionKey.of("r", "e", "f"), "e", "f"));
        assertEquals(RelayLimitException.Reason.TOTAL_SESSIONS, total.reason());
        assertThrows(IllegalArgumentException.class, () -> open(relay, SessionKey.of("r", "x", "y"), "x", "z"));
        assertEquals(2, relay.sessionCount());
        assertEquals(2, relay.availablePorts());

        assertEquals(1, relay.closeSessionsOf("a"));
        assertFalse(ab.isOpen());
        await().atMost(WAIT).until(() -> relay.availablePorts() == 4);
    }

    @Test
    void portsExhaustedOrTaken_skippedOrReported() throws Exception {
        start(new PortRange(43200, 43202), 10, 10, Duration.ofSeconds(30), 1);
        try (DatagramSocket squatter = new DatagramSocket(new InetSocketAddress(LOOPBACK, 43200))) {
            final RelaySession s = open(relay, SessionKey.of("r", "a", "b"), "a", "b");
            assertEquals(43201, s.advertisedAddress("a").getPort());
            assertEquals(43202, s.advertisedAddress("b").getPort());
            final RelayLimitException e = assertThrows(RelayLimitException.class,
                    () -> open(relay, SessionKey.of("r", "c", "d"), "c", "d"));
            assertEquals(RelayLimitException.Reason.PORTS_EXHAUSTED, e.reason());
            assertTrue(e.getMessage().contains("43200-43202"), e.getMessage());
            assertEquals(1, relay.sessionCount());
        }
    }

    @Test
    void idleSession_closedByTimeoutAndPortsFreed() throws Exception {
        start(new PortRange(43300, 43303), 2, 8, Duration.ofMillis(300), 1);
        final RelaySession s = open(relay, SessionKey.of("r", "a", "b"), "a", "b");
        final int portA = s.advertisedAddress("a").getPort();
        assertEquals(2, relay.availablePorts());
        await().atMost(WAIT).until(() -> !s.isOpen() && relay.sessionCount() == 0 && relay.availablePorts() == 4);
        // the freed port can be bound again
        try (DatagramSocket again = new DatagramSocket(new InetSocketAddress(LOOPBACK, portA))) {
            assertEquals(portA, again.getLocalPort());
        }
    }
}
