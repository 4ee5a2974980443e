package dev.switchboard.node.relay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.node.stun.StunMessageBuilder;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The per-datagram decisions of {@link RelayRouting} on byte fixtures: classification, ICE proof,
 * routing of responses, drops and counters. Pure: no Netty, no sockets.
 */
class RelayRoutingTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final IceCredentials ICE_A = new IceCredentials("aaaa", "passwordOfAliceAAAAAAAA");
    private static final IceCredentials ICE_B = new IceCredentials("bbbb", "passwordOfBobBBBBBBBBBBB");
    private static final InetSocketAddress A = new InetSocketAddress(LOOPBACK, 5001);
    private static final InetSocketAddress A2 = new InetSocketAddress(LOOPBACK, 5002);
    private static final InetSocketAddress B = new InetSocketAddress(LOOPBACK, 6001);
    private static final InetSocketAddress MALLORY = new InetSocketAddress(LOOPBACK, 7001);
    private static final byte[] DTLS = {0x16, (byte) 0xfe, (byte) 0xfd, 1, 2, 3, 4, 5};

    private final ProvenAddresses stunAnswered = new ProvenAddresses(Duration.ofMinutes(1), 1000);
    private final RelayRouting routing = new RelayRouting("A", "B", stunAnswered, 0);
    private long now = 1;

    private RelayRouting withCredentials() {
        routing.setIceCredentials("A", ICE_A);
        routing.setIceCredentials("B", ICE_B);
        return routing;
    }

    /** A check from A to B: keyed with B's credentials, as RFC 8445 §7.2.2 has it. */
    private static byte[] checkAtoB(final byte[] tid) {
        return ICE_B.connectivityCheck(ICE_A.ufrag(), tid, 1L);
    }

    private static byte[] checkBtoA(final byte[] tid) {
        return ICE_A.connectivityCheck(ICE_B.ufrag(), tid, 2L);
    }

    private InetSocketAddress fromA(final InetSocketAddress source, final byte[] datagram) {
        return routing.route(routing.legA(), source, ByteBuffer.wrap(datagram), true, ++now);
    }

    private InetSocketAddress fromB(final InetSocketAddress source, final byte[] datagram) {
        return routing.route(routing.legB(), source, ByteBuffer.wrap(datagram), true, ++now);
    }

    /** B proves itself (held: A unknown), A's check then reaches B: both sides ICE-proven. */
    private void proveBoth() {
        assertNull(fromB(B, checkBtoA(StunMessageBuilder.newTransactionId())), "A has no destination yet");
        assertEquals(1, routing.heldCount(), "B's first check is held, not dropped");
        assertEquals(B, fromA(A, checkAtoB(StunMessageBuilder.newTransactionId())));
    }

    @Test
    void route_unprovenSources_droppedAndCountedUnproven() {
        withCredentials();
        assertNull(fromA(MALLORY, DTLS));
        assertNull(fromA(MALLORY, ICE_A.connectivityCheck("mmmm", StunMessageBuilder.newTransactionId(), 3L)),
                "a check keyed for the wrong side");
        assertNull(fromB(MALLORY, new byte[0]));
        assertEquals(new RelayCounters(0, 0, 0, 0, 3, 0), routing.counters());
    }

    @Test
    void route_checksBeforeCredentials_doNotProve() {
        assertNull(fromA(A, checkAtoB(StunMessageBuilder.newTransactionId())));
        assertEquals(1, routing.counters().droppedUnproven());
        withCredentials();
        proveBoth();
    }

    @Test
    void route_provenBothWays_forwardedAndCounted() {
        withCredentials();
        proveBoth();
        assertEquals(B, fromA(A, DTLS));
        assertEquals(A, fromB(B, "hello A".getBytes(StandardCharsets.UTF_8)));
        final RelayCounters c = routing.counters();
        assertEquals(2, c.packetsAtoB());
        assertEquals(checkAtoB(new byte[12]).length + DTLS.length, c.bytesAtoB());
        assertEquals(1, c.packetsBtoA());
        assertEquals(7, c.bytesBtoA());
        assertEquals(0, c.droppedUnproven());
        assertEquals(0, c.droppedOther(), "B's first check is held (A had no address yet), not dropped");
        assertEquals(1, routing.heldCount());
        assertEquals(now, routing.lastActivityNanos());
    }

    @Test
    void firstCheckTowardUnknownSide_heldThenReleasedOnceThatSideIsKnown() {
        withCredentials();
        final byte[] tid = StunMessageBuilder.newTransactionId();
        final byte[] check = checkBtoA(tid);
        final ByteBuffer out = ByteBuffer.allocate(RelayLeg.HOLD_MAX_BYTES);
        assertNull(fromB(B, check), "A has no address yet: held");
        assertNull(routing.releaseHeld(routing.legA(), out, now), "A is still unknown");
        assertEquals(1, routing.heldCount());
        assertEquals(B, fromA(A, checkAtoB(StunMessageBuilder.newTransactionId())), "A proves itself");
        assertEquals(A, routing.releaseHeld(routing.legA(), out, ++now), "B's held check goes to A now");
        final byte[] released = new byte[out.remaining()];
        out.get(released);
        assertArrayEquals(check, released, "byte for byte");
        assertNull(routing.releaseHeld(routing.legA(), out, ++now), "released once");
        assertEquals(0, routing.heldCount());
        final RelayCounters c = routing.counters();
        assertEquals(1, c.packetsBtoA());
        assertEquals(check.length, c.bytesBtoA());
        assertEquals(0, c.droppedOther());
        // A's answer to the held check goes back to the candidate of B that sent it
        final byte[] answer = StunMessageBuilder.bindingSuccess(tid, B).fingerprint().build();
        assertEquals(B, fromA(A, answer));
    }

    @Test
    void held_boundedInCountSizeAndTime() {
        withCredentials();
        for (int i = 0; i < RelayLeg.HOLD_SLOTS + 2; i++) {
            assertNull(fromB(B, checkBtoA(StunMessageBuilder.newTransactionId())));
        }
        assertEquals(RelayLeg.HOLD_SLOTS, routing.heldCount(), "no more than the slots");
        assertEquals(2, routing.counters().droppedOther(), "the rest dropped as before");
        assertNull(fromB(B, DTLS), "only checks are held");
        assertEquals(3, routing.counters().droppedOther());
        assertEquals(B, fromA(A, checkAtoB(StunMessageBuilder.newTransactionId())));
        final ByteBuffer out = ByteBuffer.allocate(RelayLeg.HOLD_MAX_BYTES);
        assertNull(routing.releaseHeld(routing.legA(), out, now + RelayLeg.HOLD_NANOS + 1),
                "held longer than the hold time: discarded");
        assertEquals(0, routing.heldCount());
        assertEquals(3 + RelayLeg.HOLD_SLOTS, routing.counters().droppedOther());
        assertEquals(0, routing.counters().packetsBtoA());
        final byte[] large = checkBtoA(StunMessageBuilder.newTransactionId());
        final byte[] padded = java.util.Arrays.copyOf(large, RelayLeg.HOLD_MAX_BYTES + 1);
        padded[3] = (byte) (padded.length - 20 - 1 & ~3); // still a Binding request by its header
        final RelayRouting fresh = new RelayRouting("A", "B", stunAnswered, 0);
        stunAnswered.markProven(B); // B's source is accepted without a check
        assertNull(fresh.route(fresh.legB(), B, ByteBuffer.wrap(padded), true, 1));
        assertEquals(0, fresh.heldCount(), "a datagram larger than a slot is not held");
        assertEquals(1, fresh.counters().droppedOther());
    }

    @Test
    void route_responses_goToTheCandidateThatSentTheRequest() {
        withCredentials();
        proveBoth();
        final byte[] tid1 = StunMessageBuilder.newTransactionId();
        assertEquals(B, fromA(A, checkAtoB(tid1)));
        final byte[] tid2 = StunMessageBuilder.newTransactionId();
        assertEquals(B, fromA(A2, checkAtoB(tid2)), "A's second candidate proves itself");
        assertEquals(A2, fromB(B, DTLS), "plain data goes to A's latest source");
        final byte[] response1 = StunMessageBuilder.bindingSuccess(tid1, A).messageIntegrity(
                ICE_B.pwd().getBytes(StandardCharsets.UTF_8)).fingerprint().build();
        assertEquals(A, fromB(B, response1), "the response to A's first check goes to A's first candidate");
        final byte[] error = StunMessageBuilder.bindingSuccess(tid2, A2).build();
        error[1] = 0x11; // Binding error response (RFC 8489 §6)
        assertEquals(A2, fromB(B, error));
        final byte[] unknown = StunMessageBuilder.bindingSuccess(StunMessageBuilder.newTransactionId(), A).build();
        assertEquals(A2, fromB(B, unknown), "a response to no known request goes to the destination");
    }

    @Test
    void route_cannotSend_droppedOtherAndNothingRemembered() {
        withCredentials();
        proveBoth();
        final byte[] tid = StunMessageBuilder.newTransactionId();
        assertNull(routing.route(routing.legA(), A2, ByteBuffer.wrap(checkAtoB(tid)), false, ++now));
        final RelayCounters c = routing.counters();
        assertEquals(1, c.droppedOther());
        assertEquals(1, c.packetsAtoB());
        assertNull(routing.legA().transactionSource(high(tid), low(tid)), "a request not sent needs no route back");
    }

    @Test
    void route_stunAnsweredSource_acceptedUntilIceProofThenDropped() {
        withCredentials();
        stunAnswered.markProven(A);
        stunAnswered.markProven(B);
        stunAnswered.markProven(MALLORY);
        assertNull(fromB(B, DTLS), "A not seen yet");
        assertEquals(B, fromA(A, DTLS));
        assertEquals(A, fromB(B, DTLS));
        assertEquals(B, fromA(A2, checkAtoB(StunMessageBuilder.newTransactionId())), "ICE proof on leg A");
        assertNull(fromA(A, DTLS), "A's STUN-proven address no longer counts");
        assertNull(fromA(MALLORY, DTLS));
        assertEquals(A2, fromB(B, DTLS));
    }

    @Test
    void route_datagramView_positionLimitAndContentUntouchedInAnyByteOrder() {
        withCredentials();
        proveBoth();
        final byte[] tid = StunMessageBuilder.newTransactionId();
        final byte[] check = checkAtoB(tid);
        final byte[] framed = new byte[check.length + 10];
        System.arraycopy(check, 0, framed, 5, check.length);
        final ByteBuffer view = ByteBuffer.wrap(framed, 5, check.length).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(B, routing.route(routing.legA(), A2, view, true, ++now), "check at an offset verifies");
        assertEquals(5, view.position());
        assertEquals(5 + check.length, view.limit());
        assertSame(A2, routing.legA().transactionSource(high(tid), low(tid)), "transaction id read big-endian");
    }

    @Test
    void route_randomAndTruncatedDatagrams_neverThrow() {
        withCredentials();
        proveBoth();
        final Random random = new Random(42);
        final byte[] check = checkAtoB(StunMessageBuilder.newTransactionId());
        for (int i = 0; i < 5000; i++) {
            final byte[] d;
            if (i % 2 == 0) {
                d = new byte[random.nextInt(64)];
                random.nextBytes(d);
                if (d.length > 8) {
                    d[0] &= 0x3f; // looks like STUN
                    d[4] = 0x21;
                    d[5] = 0x12;
                    d[6] = (byte) 0xa4;
                    d[7] = 0x42;
                }
            } else {
                // a flipped bit up to the end of MESSAGE-INTEGRITY (after it only FINGERPRINT
                // follows, and a check whose FINGERPRINT type is flipped is still valid, RFC 8489
                // §14.5), then cut anywhere
                final byte[] flipped = check.clone();
                flipped[random.nextInt(check.length - 8)] ^= (byte) (1 + random.nextInt(255));
                d = java.util.Arrays.copyOf(flipped, random.nextInt(check.length + 1));
            }
            routing.route(routing.legA(), MALLORY, ByteBuffer.wrap(d), true, ++now);
        }
        assertEquals(5000, routing.counters().droppedUnproven(), "no corrupted check proves anyone");
    }

    @Test
    void route_steadyState_allocatesNothingPerDatagram() {
        withCredentials();
        proveBoth();
        final ByteBuffer data = ByteBuffer.wrap(DTLS);
        final ByteBuffer check = ByteBuffer.wrap(checkAtoB(StunMessageBuilder.newTransactionId()));
        final ByteBuffer unproven = ByteBuffer.wrap(DTLS);
        final RelayLeg legA = routing.legA();
        final RelayLeg legB = routing.legB();
        for (int i = 0; i < 20_000; i++) { // warm up
            routing.route(legA, A, data, true, i);
            routing.route(legB, B, data, true, i);
            routing.route(legA, A, check, true, i);
            routing.route(legA, MALLORY, unproven, true, i);
        }
        final com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        final long thread = Thread.currentThread().getId();
        final int rounds = 50_000;
        final long before = threads.getThreadAllocatedBytes(thread);
        for (int i = 0; i < rounds; i++) {
            routing.route(legA, A, data, true, i);
            routing.route(legB, B, data, true, i);
            routing.route(legA, A, check, true, i); // ICE consent check: verified on every arrival
            routing.route(legA, MALLORY, unproven, true, i);
        }
        final long allocated = threads.getThreadAllocatedBytes(thread) - before;
        // 200,000 datagrams; one object each would be at least 3.2 MB
        assertTrue(allocated < 64 * 1024, "allocated " + allocated + " bytes for " + 4 * rounds + " datagrams");
        assertEquals(20_000L * 2 + rounds * 2L + 1, routing.counters().packetsAtoB());
    }

    @Test
    void peers_unknownOrForeignLeg_refusedAsProgrammerErrors() {
        assertThrows(IllegalArgumentException.class, () -> routing.setIceCredentials("C", ICE_A));
        assertThrows(IllegalArgumentException.class, () -> routing.permitPeerRelay("C", A));
        final RelayRouting other = new RelayRouting("A", "B", stunAnswered, 0);
        assertThrows(IllegalArgumentException.class,
                () -> routing.route(other.legA(), A, ByteBuffer.wrap(DTLS), true, 1));
        assertThrows(IllegalArgumentException.class, () -> new RelayRouting("A", "A", stunAnswered, 0));
    }

    @Test
    void permitPeerRelay_browserSideForwardsToPeerRelayAtOnceAndBack() {
        // federation: B's side is the peer node's relay; A is a local browser
        withCredentials();
        final InetSocketAddress peerRelay = new InetSocketAddress(LOOPBACK, 8001);
        routing.permitPeerRelay("B", peerRelay);
        assertEquals(peerRelay, fromA(A, checkAtoB(StunMessageBuilder.newTransactionId())),
                "A's first check reaches the peer relay, nothing arrived from it yet");
        assertEquals(A, fromB(peerRelay, DTLS), "the peer relay needs no proof of its own");
        stunAnswered.markProven(MALLORY);
        assertNull(fromB(MALLORY, DTLS), "a permitted side counts as ICE-proven: a STUN answer is not enough");
        assertEquals(1, routing.counters().droppedUnproven());
        assertEquals(peerRelay, fromA(A, DTLS), "still pinned to the peer relay");
    }

    private static long high(final byte[] tid) {
        return ByteBuffer.wrap(tid, 0, 8).getLong();
    }

    private static int low(final byte[] tid) {
        return ByteBuffer.wrap(tid, 8, 4).getInt();
    }

    @Test
    void validCheckFromTheRelaysOwnPort_neverProven_soNoLoop() {
        // A spoofed check whose source is the relay's own port pA (or any of the node's ports):
        // accepting it would make the relay send to itself, looping between its two ports.
        final InetSocketAddress ownPort = new InetSocketAddress(LOOPBACK, 40_001);
        final RelayRouting guarded = new RelayRouting("A", "B", stunAnswered, ownPort::equals, 0);
        guarded.setIceCredentials("A", ICE_A);
        guarded.setIceCredentials("B", ICE_B);
        assertNull(guarded.route(guarded.legA(), ownPort, ByteBuffer.wrap(checkAtoB(StunMessageBuilder.newTransactionId())), true, 1));
        assertNull(guarded.legA().destination(), "never a destination");
        assertEquals(1, guarded.counters().droppedUnproven());
        stunAnswered.markProven(ownPort);
        assertNull(guarded.route(guarded.legA(), ownPort, ByteBuffer.wrap(DTLS), true, 2),
                "not even with a STUN answer for it");
        // the real peer still proves itself
        guarded.route(guarded.legB(), B, ByteBuffer.wrap(checkBtoA(StunMessageBuilder.newTransactionId())), true, 3);
        assertEquals(B, guarded.legB().destination());
    }
}
