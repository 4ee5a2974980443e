package dev.switchboard.node.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.RelayRouting;
import dev.switchboard.node.stun.Stun;
import dev.switchboard.node.stun.StunMessageBuilder;
import dev.switchboard.node.stun.StunResponder;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The hot paths allocate nothing per packet or request (the project's rule, issue 13): measured
 * with the JVM's per-thread allocation counter over many calls after a warm-up, so a single
 * allocation per call (tens of bytes each) shows up as hundreds of kilobytes. The limit leaves
 * room for the counter's own granularity (TLAB refills), not for a per-call object.
 */
class AllocationFreeTest {
    private static final int CALLS = 20_000;
    /** Far below one byte per call. */
    private static final long LIMIT_BYTES = 4_096;
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void stunResponder_answersWithoutAllocating() {
        final ProvenAddresses proven = new ProvenAddresses(Duration.ofMinutes(2), 65_536);
        final StunResponder responder = new StunResponder(proven::markProven, null);
        final InetSocketAddress client = new InetSocketAddress(LOOPBACK, 50_000);
        final ByteBuffer request = ByteBuffer.allocateDirect(1500);
        request.put(new StunMessageBuilder(Stun.BINDING_REQUEST, StunMessageBuilder.newTransactionId())
                .fingerprint().build()).flip();
        final ByteBuffer response = ByteBuffer.allocateDirect(StunResponder.MAX_RESPONSE);
        for (int i = 0; i < CALLS; i++) { // warm-up: class loading, the proven table
            assertTrue(responder.answer(request, client, response));
        }
        final long before = allocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            responder.answer(request, client, response);
        }
        final long used = allocatedBytes() - before;
        assertTrue(used < LIMIT_BYTES, used + " bytes allocated for " + CALLS + " STUN answers");
        assertEquals(2L * CALLS, responder.counters().answered());
        assertTrue(proven.isProven(client));
        assertEquals(40, response.remaining(), "header + XOR-MAPPED-ADDRESS (IPv4) + FINGERPRINT");
    }

    @Test
    void relayRouting_forwardsWithoutAllocating() {
        final ProvenAddresses proven = new ProvenAddresses(Duration.ofMinutes(2), 1_000);
        final InetSocketAddress a = new InetSocketAddress(LOOPBACK, 50_001);
        final InetSocketAddress b = new InetSocketAddress(LOOPBACK, 50_002);
        proven.markProven(a);
        proven.markProven(b);
        final RelayRouting routing = new RelayRouting("a", "b", proven, System.nanoTime());
        final ByteBuffer media = ByteBuffer.allocateDirect(1500);
        media.put(new byte[] {(byte) 0x80, 0x60, 0, 1}).put(new byte[96]).flip(); // RTP-like
        routing.route(routing.legB(), b, media, true, System.nanoTime()); // B is learned (A is not yet: dropped)
        for (int i = 0; i < CALLS; i++) {
            assertEquals(b, routing.route(routing.legA(), a, media, true, System.nanoTime()));
        }
        final long before = allocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            routing.route(routing.legA(), a, media, true, System.nanoTime());
        }
        final long used = allocatedBytes() - before;
        assertTrue(used < LIMIT_BYTES, used + " bytes allocated for " + CALLS + " forwarded packets");
    }

    @Test
    void provenAddresses_markAndLookUpWithoutAllocating_andStayExactLru() {
        final ProvenAddresses proven = new ProvenAddresses(Duration.ofMinutes(2), 1_000);
        final InetSocketAddress[] addresses = new InetSocketAddress[1_000];
        for (int i = 0; i < addresses.length; i++) {
            addresses[i] = new InetSocketAddress(LOOPBACK, 20_000 + i);
            proven.markProven(addresses[i]); // grows the table to its bound
        }
        final long before = allocatedBytes();
        for (int i = 0; i < CALLS; i++) {
            proven.markProven(addresses[i % addresses.length]);
            proven.isProven(addresses[(i * 7) % addresses.length]);
        }
        final long used = allocatedBytes() - before;
        assertTrue(used < LIMIT_BYTES, used + " bytes allocated for " + CALLS + " marks and look-ups");
        // full: a new address evicts exactly the least recently proven one
        final int oldest = CALLS % addresses.length; // the loop refreshed every address in order
        proven.markProven(new InetSocketAddress(LOOPBACK, 30_000));
        assertEquals(1_000, proven.size());
        assertFalse(proven.isProven(addresses[oldest]));
        assertTrue(proven.isProven(addresses[(oldest + 1) % addresses.length]));
        assertTrue(proven.isProven(new InetSocketAddress(LOOPBACK, 30_000)));
    }
}
