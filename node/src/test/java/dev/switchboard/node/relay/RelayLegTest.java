package dev.switchboard.node.relay;

import static dev.switchboard.node.relay.RelayLeg.MAX_PROVEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The proof, eviction, permit and transaction rules of {@link RelayLeg}: pure, no Netty, no sockets. */
class RelayLegTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final ProvenAddresses stunAnswered = new ProvenAddresses(Duration.ofMinutes(1), 1000);
    private final RelayLeg leg = new RelayLeg("peerA");

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
        assertFalse(leg.accept(addr(1000), false, stunAnswered, OwnEndpoints.NONE));
        assertNull(leg.destination());
    }

    @Test
    void accept_stunProvenBeforeIceProof_acceptedAndDestination() {
        final InetSocketAddress s = stunProven(1000);
        assertTrue(leg.accept(s, false, stunAnswered, OwnEndpoints.NONE));
        assertSame(s, leg.destination());
        assertTrue(!leg.destinationIsStrong() && !leg.hasIceProof());
    }

    @Test
    void accept_afterIceProof_stunProvenSourcesRefusedEvenIfAcceptedBefore() {
        final InetSocketAddress earlier = stunProven(1000);
        assertTrue(leg.accept(earlier, false, stunAnswered, OwnEndpoints.NONE));
        final InetSocketAddress ice = addr(2000);
        assertTrue(leg.accept(ice, true, stunAnswered, OwnEndpoints.NONE));
        assertSame(ice, leg.destination());
        assertTrue(leg.destinationIsStrong());

        assertFalse(leg.accept(earlier, false, stunAnswered, OwnEndpoints.NONE), "STUN-proven earlier, refused now");
        assertFalse(leg.accept(stunProven(1001), false, stunAnswered, OwnEndpoints.NONE), "new STUN-proven source");
        assertFalse(leg.accept(addr(1002), false, stunAnswered, OwnEndpoints.NONE), "unproven source");
        assertTrue(leg.accept(ice, false, stunAnswered, OwnEndpoints.NONE), "ICE-proven source, plain data");
        assertSame(ice, leg.destination());
        // the earlier STUN-proven source upgrades itself with a valid check of its own
        assertTrue(leg.accept(earlier, true, stunAnswered, OwnEndpoints.NONE));
        assertSame(earlier, leg.destination());
        assertTrue(leg.accept(earlier, false, stunAnswered, OwnEndpoints.NONE));
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
            assertTrue(leg.accept(stunProven(1000 + i), false, stunAnswered, OwnEndpoints.NONE));
        }
        final InetSocketAddress ice = addr(2000);
        assertTrue(leg.accept(ice, true, stunAnswered, OwnEndpoints.NONE));
        assertTrue(!inRing(addr(1000)) && inRing(addr(1001)), "least recently seen STUN-proven slot went first");
        assertSame(ice, leg.destination());
        // more ICE-proven sources: every STUN-proven slot goes before any ICE-proven one
        for (int i = 1; i < MAX_PROVEN; i++) {
            assertTrue(leg.accept(addr(2000 + i), true, stunAnswered, OwnEndpoints.NONE));
            assertTrue(inRing(ice), "ICE-proven source kept while STUN-proven slots remain");
        }
        assertEquals(MAX_PROVEN, leg.iceProvenCount);
        // now all ICE-proven: the least recently seen one goes; ice was refreshed, so 2001 is it
        assertTrue(leg.accept(ice, false, stunAnswered, OwnEndpoints.NONE));
        assertTrue(leg.accept(addr(2100), true, stunAnswered, OwnEndpoints.NONE));
        assertTrue(!inRing(addr(2001)) && inRing(ice) && inRing(addr(2100)));
        assertEquals(addr(2100), leg.destination());
    }

    @Test
    void prove_stunProvenSourcesBeyondRing_neverEvictIceProvenDestination() {
        final InetSocketAddress ice = addr(2000);
        assertTrue(leg.accept(ice, true, stunAnswered, OwnEndpoints.NONE));
        for (int i = 0; i < 3 * MAX_PROVEN; i++) {
            assertFalse(leg.accept(stunProven(1000 + i), false, stunAnswered, OwnEndpoints.NONE));
        }
        assertSame(ice, leg.destination());
        assertTrue(leg.destinationIsStrong());
        assertEquals(1, leg.provenCount, "refused sources take no slot");
    }

    @Test
    void prove_destinationSlotEvicted_destinationStaysIceProven() {
        for (int i = 0; i < MAX_PROVEN; i++) {
            leg.prove(addr(2000 + i), true, -1);
        }
        leg.sawFrom(0);
        assertEquals(addr(2000), leg.destination());
        for (int i = 1; i < MAX_PROVEN; i++) {
            leg.prove(addr(2000 + i), true, i); // refresh all but the destination's slot
        }
        leg.prove(addr(2100), true, -1); // takes slot 0, the least recently seen
        assertTrue(!inRing(addr(2000)));
        assertEquals(addr(2100), leg.destination());
        assertTrue(leg.destinationIsStrong());
    }

    @Test
    void transactionSource_stunProvenRequesterAfterIceProof_notRoutedTo() {
        final InetSocketAddress stun = stunProven(1000);
        leg.accept(stun, false, stunAnswered, OwnEndpoints.NONE);
        leg.rememberTransaction(1L, 2, stun);
        assertSame(stun, leg.transactionSource(1L, 2), "before ICE proof the requester gets its response");
        final InetSocketAddress ice = addr(2000);
        leg.accept(ice, true, stunAnswered, OwnEndpoints.NONE);
        leg.rememberTransaction(3L, 4, ice);
        assertNull(leg.transactionSource(1L, 2));
        assertSame(ice, leg.transactionSource(3L, 4));
    }

    @Test
    void transactionSource_unknownOrOverwritten_null() {
        final InetSocketAddress ice = addr(2000);
        leg.accept(ice, true, stunAnswered, OwnEndpoints.NONE);
        assertNull(leg.transactionSource(9L, 9), "never remembered");
        leg.rememberTransaction(1L, 1, ice);
        for (int i = 0; i < RelayLeg.TX_SLOTS; i++) {
            leg.rememberTransaction(100L + i, i, ice); // the ring wraps and overwrites the first entry
        }
        assertNull(leg.transactionSource(1L, 1));
        assertSame(ice, leg.transactionSource(100L + RelayLeg.TX_SLOTS - 1, RelayLeg.TX_SLOTS - 1));
        assertNull(leg.transactionSource(100L, 1), "both halves of the id must match");
    }

    @Test
    void permit_peerRelay_destinationAtOnceAndAcceptedWithoutProof() {
        final InetSocketAddress peerRelay = addr(3000);
        leg.permit(peerRelay);
        assertSame(peerRelay, leg.destination(), "destination before anything arrived from it");
        assertTrue(leg.destinationIsStrong());
        assertTrue(leg.isAccepted(peerRelay));
        assertTrue(leg.accept(peerRelay, false, stunAnswered, OwnEndpoints.NONE), "no STUN or ICE proof needed");
        assertEquals(0, leg.provenCount(), "a permitted address takes no ring slot");
        assertFalse(leg.accept(addr(3001), false, stunAnswered, OwnEndpoints.NONE), "other sources still need proof");
    }

    @Test
    void permit_laterSourcesIceOrStunProven_neverDisplacePermittedDestination() {
        final InetSocketAddress peerRelay = addr(3000);
        leg.permit(peerRelay);
        assertFalse(leg.accept(stunProven(1000), false, stunAnswered, OwnEndpoints.NONE), "a permit counts as ICE proof");
        assertSame(peerRelay, leg.destination());
        for (int i = 0; i < 2 * MAX_PROVEN; i++) {
            assertTrue(leg.accept(addr(2000 + i), true, stunAnswered, OwnEndpoints.NONE));
        }
        assertSame(peerRelay, leg.destination(), "pinned: ICE-proven sources and evictions do not move it");
        assertTrue(leg.accept(peerRelay, false, stunAnswered, OwnEndpoints.NONE));
        leg.rememberTransaction(5L, 6, peerRelay);
        assertSame(peerRelay, leg.transactionSource(5L, 6), "responses still reach the peer relay");
    }

    @Test
    void permit_replaced_newAddressIsDestinationOldOneUnproven() {
        leg.permit(addr(3000));
        assertEquals(addr(3000), leg.destination());
        final InetSocketAddress moved = addr(3100);
        leg.permit(moved);
        assertSame(moved, leg.destination());
        assertFalse(leg.accept(addr(3000), false, stunAnswered, OwnEndpoints.NONE), "the replaced address is no longer permitted");
        assertTrue(leg.accept(moved, false, stunAnswered, OwnEndpoints.NONE));
    }

    @Test
    void verifier_credentialsReplaced_rebuiltForTheNewOnesOnly() {
        assertNull(leg.verifier(), "no credentials yet: no check can be valid");
        final IceCredentials first = new IceCredentials("bbbb", "passwordOfBobBBBBBBBBBBB");
        leg.setCheckCredentials(first);
        final var v1 = leg.verifier();
        assertNotNull(v1);
        assertSame(v1, leg.verifier(), "reused while the credentials stay");
        final byte[] oldCheck = first.connectivityCheck("aaaa", new byte[12], 1L);
        assertTrue(v1.verify(oldCheck, 0, oldCheck.length));
        final IceCredentials restarted = new IceCredentials("bbb2", "newPasswordOfBobBBBBBBBB");
        leg.setCheckCredentials(restarted); // ICE restart
        final var v2 = leg.verifier();
        assertFalse(v2.verify(oldCheck, 0, oldCheck.length), "checks keyed with the old pwd no longer prove");
        final byte[] newCheck = restarted.connectivityCheck("aaaa", new byte[12], 1L);
        assertTrue(v2.verify(newCheck, 0, newCheck.length));
    }
}
