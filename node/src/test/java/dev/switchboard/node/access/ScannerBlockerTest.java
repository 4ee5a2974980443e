package dev.switchboard.node.access;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScannerBlockerTest {

    private static final InetAddress SCANNER = address("127.0.0.3");
    private static final InetAddress OTHER = address("127.0.0.4");
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final ScannerBlocker blocker = new ScannerBlocker(
            new ScannerRules(3, 2, Duration.ofSeconds(10), Duration.ofSeconds(60)), now::get);

    @Test
    void unknownPaths_reachingTheThresholdWithinTheWindow_block_untilTheBlockEnds() {
        assertEquals(ScannerBlocker.Outcome.COUNTED, blocker.unknownPath(SCANNER));
        assertEquals(ScannerBlocker.Outcome.COUNTED, blocker.unknownPath(SCANNER));
        assertFalse(blocker.isBlocked(SCANNER));
        assertEquals(ScannerBlocker.Outcome.BLOCKED_NOW, blocker.unknownPath(SCANNER));
        assertTrue(blocker.isBlocked(SCANNER));
        assertFalse(blocker.isBlocked(OTHER), "others are unaffected");
        assertEquals(ScannerBlocker.Outcome.ALREADY_BLOCKED, blocker.unknownPath(SCANNER));
        advance(Duration.ofSeconds(59));
        assertTrue(blocker.isBlocked(SCANNER));
        advance(Duration.ofSeconds(1));
        assertFalse(blocker.isBlocked(SCANNER), "unblocked when the block ends");
        assertEquals(ScannerBlocker.Outcome.COUNTED, blocker.unknownPath(SCANNER), "counting starts over");
    }

    @Test
    void unknownPaths_spreadWiderThanTheWindow_neverBlock() {
        for (int i = 0; i < 20; i++) {
            assertEquals(ScannerBlocker.Outcome.COUNTED, blocker.unknownPath(SCANNER), "request " + i);
            advance(Duration.ofMillis(5_001)); // at most two inside any 10 s window
        }
        assertFalse(blocker.isBlocked(SCANNER));
    }

    @Test
    void failedProofs_haveTheirOwnThreshold() {
        blocker.unknownPath(SCANNER);
        blocker.unknownPath(SCANNER);
        assertEquals(ScannerBlocker.Outcome.COUNTED, blocker.failedProof(SCANNER));
        assertEquals(ScannerBlocker.Outcome.BLOCKED_NOW, blocker.failedProof(SCANNER));
        assertTrue(blocker.isBlocked(SCANNER));
        assertEquals(java.util.List.of(SCANNER), blocker.blocked());
    }

    @Test
    void eventsOlderThanTheWindow_areForgotten() {
        blocker.failedProof(SCANNER);
        advance(Duration.ofSeconds(10));
        assertEquals(ScannerBlocker.Outcome.COUNTED, blocker.failedProof(SCANNER));
        assertFalse(blocker.isBlocked(SCANNER));
    }

    @Test
    void newRules_applyToTheNextCount() {
        blocker.setRules(new ScannerRules(1, 1, Duration.ofSeconds(10), Duration.ofSeconds(5)));
        assertEquals(ScannerBlocker.Outcome.BLOCKED_NOW, blocker.unknownPath(OTHER));
        advance(Duration.ofSeconds(5));
        assertFalse(blocker.isBlocked(OTHER));
    }

    @Test
    void aSprayOfAddresses_staysBounded() throws Exception {
        final byte[] a = {10, 0, 0, 0};
        for (int i = 0; i < ScannerBlocker.MAX_TRACKED + 1000; i++) {
            a[1] = (byte) (i >> 16);
            a[2] = (byte) (i >> 8);
            a[3] = (byte) i;
            blocker.unknownPath(InetAddress.getByAddress(a.clone()));
            if (i % 1000 == 0) {
                advance(Duration.ofSeconds(1));
            }
        }
        assertTrue(blocker.tracked() <= ScannerBlocker.MAX_TRACKED, "tracked " + blocker.tracked());
    }

    private void advance(final Duration d) {
        now.addAndGet(d.toNanos());
    }

    private static InetAddress address(final String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (final java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
