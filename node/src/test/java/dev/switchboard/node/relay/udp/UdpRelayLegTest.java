package dev.switchboard.node.relay.udp;

import static dev.switchboard.node.relay.udp.UdpRelaySession.MAX_PROVEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.node.relay.ProvenAddresses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The proof and eviction rules of {@link UdpRelaySession.Leg}, without sockets. */
class UdpRelayLegTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final ProvenAddresses stunAnswered = new ProvenAddresses(Duration.ofMinutes(1), 1000);
    private final UdpRelaySession.Leg leg = new UdpRelaySession.Leg("peerA");

    private static InetSocketAddress addr(final int port) {
        return new InetSocketAddress(LOOPBACK, port);
    }

    private InetSocketAddress stunProven(final int port) {
        final InetSocketAddress a = addr(port);
        stunAnswered.markProven(a);
        return a;
    }

    private boolean inRing(final InetSocketAddress source) {
        return leg.indexOf(source) >= 0;
    }

    @Test
    void accept_unknownSource_refused() {
        assertEquals(-1, leg.accept(addr(1000), false, stunAnswered));
        assertNull(leg.destination);
    }

    @Test
    void accept_stunProvenBeforeIceProof_acceptedAndDestination() {
        final InetSocketAddress s = stunProven(1000);
        assertTrue(leg.accept(s, false, stunAnswered) >= 0);
        assertSame(s, leg.destination);
        assertTrue(!leg.destinationByIce && !leg.hasIceProof());
    }

    @Test
    void accept_afterIceProof_stunProvenSourcesRefusedEvenIfAcceptedBefore() {
        final InetSocketAddress earlier = stunProven(1000);
        assertTrue(leg.accept(earlier, false, stunAnswered) >= 0);
        final InetSocketAddress ice = addr(2000);
        assertTrue(leg.accept(ice, true, stunAnswered) >= 0);
        assertSame(ice, leg.destination);
        assertTrue(leg.destinationByIce);

        assertEquals(-1, leg.accept(earlier, false, stunAnswered), "STUN-proven earlier, refused now");
        assertEquals(-1, leg.accept(stunProven(1001), false, stunAnswered), "new STUN-proven source");
        assertEquals(-1, leg.accept(addr(1002), false, stunAnswered), "unproven source");
        assertTrue(leg.accept(ice, false, stunAnswered) >= 0, "ICE-proven source, plain data");
        assertSame(ice, leg.destination);
        // the earlier STUN-proven source upgrades itself with a valid check of its own
        assertTrue(leg.accept(earlier, true, stunAnswered) >= 0);
        assertSame(earlier, leg.destination);
        assertTrue(leg.accept(earlier, false, stunAnswered) >= 0);
    }

    @Test
    void prove_ringFullOfIceProven_stunProvenSourceNotAdmitted() {
        for (int i = 0; i < MAX_PROVEN; i++) {
            assertTrue(leg.prove(addr(2000 + i), true, -1) >= 0);
        }
        assertEquals(-1, leg.prove(addr(1000), false, -1));
        for (int i = 0; i < MAX_PROVEN; i++) {
            assertTrue(inRing(addr(2000 + i)));
        }
        assertEquals(MAX_PROVEN, leg.iceProvenCount);
    }

    @Test
    void prove_newIceSource_evictsStunProvenSlotsFirstThenLeastRecentlySeen() {
        // before ICE proof: STUN-proven sources fill the ring, the last one is the destination
        for (int i = 0; i < MAX_PROVEN; i++) {
            assertTrue(leg.accept(stunProven(1000 + i), false, stunAnswered) >= 0);
        }
        final InetSocketAddress ice = addr(2000);
        assertTrue(leg.accept(ice, true, stunAnswered) >= 0);
        assertTrue(!inRing(addr(1000)) && inRing(addr(1001)), "least recently seen STUN-proven slot went first");
        assertSame(ice, leg.destination);
        // more ICE-proven sources: every STUN-proven slot goes before any ICE-proven one
        for (int i = 1; i < MAX_PROVEN; i++) {
            assertTrue(leg.accept(addr(2000 + i), true, stunAnswered) >= 0);
            assertTrue(inRing(ice), "ICE-proven source kept while STUN-proven slots remain");
        }
        assertEquals(MAX_PROVEN, leg.iceProvenCount);
        // now all ICE-proven: the least recently seen one goes; ice was refreshed, so 2001 is it
        assertTrue(leg.accept(ice, false, stunAnswered) >= 0);
        assertTrue(leg.accept(addr(2100), true, stunAnswered) >= 0);
        assertTrue(!inRing(addr(2001)) && inRing(ice) && inRing(addr(2100)));
        assertEquals(addr(2100), leg.destination);
    }

    @Test
    void prove_stunProvenSourcesBeyondRing_neverEvictIceProvenDestination() {
        final InetSocketAddress ice = addr(2000);
        assertTrue(leg.accept(ice, true, stunAnswered) >= 0);
        for (int i = 0; i < 3 * MAX_PROVEN; i++) {
            assertEquals(-1, leg.accept(stunProven(1000 + i), false, stunAnswered));
        }
        assertSame(ice, leg.destination);
        assertTrue(leg.destinationByIce);
        assertEquals(1, leg.provenCount, "refused sources take no slot");
    }

    @Test
    void prove_destinationSlotEvicted_destinationStaysIceProven() {
        for (int i = 0; i < MAX_PROVEN; i++) {
            leg.prove(addr(2000 + i), true, -1);
        }
        leg.sawFrom(0);
        assertEquals(addr(2000), leg.destination);
        for (int i = 1; i < MAX_PROVEN; i++) {
            leg.prove(addr(2000 + i), true, i); // refresh all but the destination's slot
        }
        leg.prove(addr(2100), true, -1); // takes slot 0, the least recently seen
        assertTrue(!inRing(addr(2000)));
        assertEquals(addr(2100), leg.destination);
        assertTrue(leg.destinationByIce);
    }

    @Test
    void transactionSource_stunProvenRequesterAfterIceProof_notRoutedTo() {
        final InetSocketAddress stun = stunProven(1000);
        leg.accept(stun, false, stunAnswered);
        leg.rememberTransaction(1L, 2, stun);
        assertSame(stun, leg.transactionSource(1L, 2), "before ICE proof the requester gets its response");
        final InetSocketAddress ice = addr(2000);
        leg.accept(ice, true, stunAnswered);
        leg.rememberTransaction(3L, 4, ice);
        assertNull(leg.transactionSource(1L, 2));
        assertSame(ice, leg.transactionSource(3L, 4));
    }
}
