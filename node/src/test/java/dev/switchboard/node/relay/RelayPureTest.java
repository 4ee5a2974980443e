package dev.switchboard.node.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RelayPureTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void portPool_acquireAll_distinctThenExhausted() {
        final PortPool pool = new PortPool(new PortRange(40000, 40003));
        final Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            ports.add(pool.acquire());
        }
        assertEquals(Set.of(40000, 40001, 40002, 40003), ports);
        assertEquals(-1, pool.acquire());
        assertEquals(0, pool.available());
        pool.release(40001);
        pool.release(40001); // idempotent
        assertEquals(1, pool.available());
        assertEquals(40001, pool.acquire());
        assertThrows(IllegalArgumentException.class, () -> pool.release(39999));
    }

    @Test
    void portPool_released_reusedLast() {
        final PortPool pool = new PortPool(new PortRange(40000, 40002));
        final int first = pool.acquire();
        pool.release(first);
        assertEquals(40001, pool.acquire()); // round robin: the cursor moved past the released port
        assertEquals(40002, pool.acquire());
        assertEquals(40000, pool.acquire());
    }

    @Test
    void portRange_invalid_rejected() {
        assertThrows(IllegalArgumentException.class, () -> new PortRange(0, 10));
        assertThrows(IllegalArgumentException.class, () -> new PortRange(10, 9));
        assertThrows(IllegalArgumentException.class, () -> new PortRange(1, 65536));
        assertEquals(1000, new PortRange(40000, 40999).size());
    }

    @Test
    void sessionKey_peerOrder_irrelevant() {
        assertEquals(SessionKey.of("room", "b", "a"), SessionKey.of("room", "a", "b"));
        assertFalse(SessionKey.of("room", "a", "b").equals(SessionKey.of("other", "a", "b")));
        assertThrows(IllegalArgumentException.class, () -> SessionKey.of("room", "a", "a"));
        assertTrue(SessionKey.of("room", "a", "b").involves("b"));
        assertFalse(SessionKey.of("room", "a", "b").involves("c"));
    }

    @Test
    void registry_limits_enforcedWithClearMessages() throws Exception {
        final SessionRegistry<String> reg = new SessionRegistry<>(3, 2);
        final SessionKey ab = SessionKey.of("r", "a", "b");
        final SessionKey ac = SessionKey.of("r", "a", "c");
        reg.checkCapacity(ab, "a");
        reg.put(ab, "a", "ab");
        reg.put(ac, "a", "ac");
        final SessionKey ad = SessionKey.of("r", "a", "d");
        final RelayLimitException perPeer = assertThrows(RelayLimitException.class, () -> reg.checkCapacity(ad, "a"));
        assertEquals(RelayLimitException.Reason.SESSIONS_PER_PEER, perPeer.reason());
        assertTrue(perPeer.getMessage().contains("peer a"), perPeer.getMessage());
        reg.put(SessionKey.of("r", "b", "c"), "b", "bc");
        final RelayLimitException total = assertThrows(RelayLimitException.class,
                () -> reg.checkCapacity(SessionKey.of("r", "x", "y"), "x"));
        assertEquals(RelayLimitException.Reason.TOTAL_SESSIONS, total.reason());
        assertThrows(IllegalStateException.class, () -> reg.put(ab, "a", "again"));
        assertThrows(IllegalArgumentException.class, () -> reg.checkCapacity(ad, "x"));

        assertEquals(List.of("ab", "ac"), reg.sessionsOf("a"));
        assertFalse(reg.remove(ab, "not-it"));
        assertTrue(reg.remove(ab, "ab"));
        assertEquals(1, reg.countOf("a"));
        assertEquals(1, reg.countOf("b"));
        assertNull(reg.get(ab));
        reg.checkCapacity(ad, "a");
    }

    @Test
    void registry_sessionsOthersOpened_countOnlyOnceJoined() throws Exception {
        final SessionRegistry<String> reg = new SessionRegistry<>(10, 2);
        // A stranger offers to b in two contexts; b never answers: b's quota is untouched.
        reg.put(SessionKey.of("call:1", "stranger", "b"), "stranger", "s1");
        reg.put(SessionKey.of("call:2", "stranger", "b"), "stranger", "s2");
        assertEquals(0, reg.countOf("b"));
        assertEquals(2, reg.countOf("stranger"));
        reg.checkCapacity(SessionKey.of("room:r", "a", "b"), "b");

        // b answers a: now it counts for b, once, however often b joins.
        final SessionKey ab = SessionKey.of("room:r", "a", "b");
        reg.put(ab, "a", "ab");
        reg.join(ab, "b");
        reg.join(ab, "b");
        assertEquals(1, reg.countOf("b"));
        reg.put(SessionKey.of("room:r", "b", "c"), "b", "bc");
        final SessionKey bd = SessionKey.of("room:r", "b", "d");
        reg.put(bd, "d", "bd");
        final RelayLimitException full = assertThrows(RelayLimitException.class, () -> reg.join(bd, "b"));
        assertEquals(RelayLimitException.Reason.SESSIONS_PER_PEER, full.reason());

        // Removing a session releases exactly the peers it counted against.
        assertTrue(reg.remove(ab, "ab"));
        assertEquals(1, reg.countOf("b"));
        assertEquals(0, reg.countOf("a"));
        reg.join(bd, "b");
        assertEquals(2, reg.countOf("b"));
        assertThrows(IllegalStateException.class, () -> reg.join(SessionKey.of("x", "p", "q"), "p"));
    }

    @Test
    void registry_perAddress_countsOpenersAndJoinersOnce_andLimits() throws Exception {
        final java.net.InetAddress one = java.net.InetAddress.getByName("127.0.0.2");
        final java.net.InetAddress two = java.net.InetAddress.getByName("127.0.0.3");
        final SessionRegistry<String> reg = new SessionRegistry<>(100, 100, 2);
        reg.put(SessionKey.of("r", "k1", "b"), "k1", one, "s1", 0);
        reg.put(SessionKey.of("r", "k2", "b"), "k2", one, "s2", 0);
        // a fresh key from the same address is still the same address
        final RelayLimitException full = assertThrows(RelayLimitException.class,
                () -> reg.checkCapacity(SessionKey.of("r", "k3", "b"), "k3", one));
        assertEquals(RelayLimitException.Reason.SESSIONS_PER_ADDRESS, full.reason());
        reg.checkCapacity(SessionKey.of("r", "k3", "b"), "k3", two);
        // b answers from another address: counted there, once
        reg.join(SessionKey.of("r", "k1", "b"), "b", two);
        assertEquals(1, reg.countOfAddress(two));
        assertEquals(2, reg.countOfAddress(one));
        final RelayHolders holders = RelayHolders.of(reg.countsByPeer(),
                Map.of("127.0.0.2", reg.countsByAddress().get(one), "127.0.0.3", reg.countsByAddress().get(two)));
        assertEquals(new RelayHolders.Holder("127.0.0.2", 2), holders.byAddress().get(0), "largest first");
        assertEquals(3, holders.byPeer().size(), "k1, k2 and b");
        assertEquals(new RelayHolders.Holder("b", 1), holders.byPeer().get(0), "ties by name");
        assertTrue(reg.remove(SessionKey.of("r", "k1", "b"), "s1"));
        assertEquals(1, reg.countOfAddress(one));
        assertEquals(0, reg.countOfAddress(two));
    }

    @Test
    void registry_halfOpen_onlyUnansweredSessionsPastTheTimeout() throws Exception {
        final SessionRegistry<String> reg = new SessionRegistry<>(10, 10, 10);
        reg.put(SessionKey.of("r", "a", "b"), "a", null, "answered", 0);
        reg.join(SessionKey.of("r", "a", "b"), "b", null);
        reg.put(SessionKey.of("r", "a", "c"), "a", null, "old", 0);
        reg.put(SessionKey.of("r", "a", "d"), "a", null, "young", 9_500_000_000L);
        assertEquals(List.of("old"), reg.halfOpen(10_000_000_000L, Duration.ofSeconds(5)));
        assertEquals(List.of(), reg.halfOpen(4_000_000_000L, Duration.ofSeconds(5)));
    }

    @Test
    void registry_idle_selectsOnlyStaleSessions() {
        final SessionRegistry<String> reg = new SessionRegistry<>(10, 10);
        reg.put(SessionKey.of("r", "a", "b"), "a", "old");
        reg.put(SessionKey.of("r", "a", "c"), "a", "fresh");
        final Map<String, Long> last = new HashMap<>(Map.of("old", 0L, "fresh", 9_000_000_000L));
        assertEquals(List.of("old"), reg.idle(10_000_000_000L, Duration.ofSeconds(5), last::get));
        assertEquals(List.of(), reg.idle(4_000_000_000L, Duration.ofSeconds(5), s -> 0L));
    }

    @Test
    void provenAddresses_window_expires() {
        final AtomicLong now = new AtomicLong(1_000);
        final ProvenAddresses proven = new ProvenAddresses(Duration.ofSeconds(10), 100, now::get);
        final InetSocketAddress a = new InetSocketAddress(LOOPBACK, 5000);
        assertFalse(proven.isProven(a));
        proven.markProven(a);
        assertTrue(proven.isProven(new InetSocketAddress(LOOPBACK, 5000)));
        assertFalse(proven.isProven(new InetSocketAddress(LOOPBACK, 5001)));
        now.addAndGet(Duration.ofSeconds(10).toNanos());
        assertTrue(proven.isProven(a));
        now.addAndGet(1);
        assertFalse(proven.isProven(a));
        proven.markProven(a); // refresh
        assertTrue(proven.isProven(a));
    }

    @Test
    void provenAddresses_bounded_evictsLeastRecentlyProven() {
        final ProvenAddresses proven = new ProvenAddresses(Duration.ofMinutes(1), 3);
        for (int port = 1; port <= 3; port++) {
            proven.markProven(new InetSocketAddress(LOOPBACK, port));
        }
        proven.markProven(new InetSocketAddress(LOOPBACK, 1)); // refresh 1: now 2 is the oldest
        proven.markProven(new InetSocketAddress(LOOPBACK, 4));
        assertEquals(3, proven.size());
        assertFalse(proven.isProven(new InetSocketAddress(LOOPBACK, 2)));
        assertTrue(proven.isProven(new InetSocketAddress(LOOPBACK, 1)));
        assertTrue(proven.isProven(new InetSocketAddress(LOOPBACK, 4)));
    }

    @Test
    void iceCredentials_rfc8839Grammar_enforcedAndPwdRedacted() {
        final IceCredentials c = new IceCredentials("abcd", "0123456789abcdefghij+/");
        assertFalse(c.toString().contains("0123456789"));
        assertThrows(IllegalArgumentException.class, () -> new IceCredentials("abc", "0123456789abcdefghij+/"));
        assertThrows(IllegalArgumentException.class, () -> new IceCredentials("ab:c", "0123456789abcdefghij+/"));
        assertThrows(IllegalArgumentException.class, () -> new IceCredentials("abcd", "short"));
        assertFalse(IceCredentials.isValid("abcd", "0123456789abcdefghij+-"));
        assertTrue(IceCredentials.isValid("abcd", "0123456789abcdefghij+/"));
    }

    @Test
    void iceCredentials_connectivityCheck_verifiesOnlyWithTheReceiversCredentials() {
        final IceCredentials receiver = new IceCredentials("rcvr", "0123456789abcdefghij+/");
        final byte[] tid = dev.switchboard.node.stun.StunMessageBuilder.newTransactionId();
        final byte[] check = receiver.connectivityCheck("sndr", tid, 7L);
        assertTrue(new dev.switchboard.node.stun.IceCheckVerifier("rcvr", "0123456789abcdefghij+/")
                .verify(check, 0, check.length), "RFC 8445 §7.2.2 check for the receiver");
        assertFalse(new dev.switchboard.node.stun.IceCheckVerifier("rcvr", "0123456789abcdefghij+X")
                .verify(check, 0, check.length), "another pwd");
        assertFalse(new dev.switchboard.node.stun.IceCheckVerifier("sndr", "0123456789abcdefghij+/")
                .verify(check, 0, check.length), "another ufrag first in USERNAME");
        final dev.switchboard.node.stun.StunMessage m =
                dev.switchboard.node.stun.StunDecoder.decode(check, 0, check.length).messageOrNull();
        assertEquals("rcvr:sndr", m.username());
        assertTrue(java.util.Arrays.equals(tid, m.transactionId()));
        assertThrows(IllegalArgumentException.class, () -> receiver.connectivityCheck("s:d", tid, 7L));
        assertThrows(IllegalArgumentException.class, () -> receiver.connectivityCheck("sndr", new byte[11], 7L));
    }
}
