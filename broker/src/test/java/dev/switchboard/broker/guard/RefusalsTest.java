package dev.switchboard.broker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RefusalsTest {

    private static final InetAddress A = InetAddress.getLoopbackAddress();
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final Refusals refusals = new Refusals(Duration.ofSeconds(60), false, now::get);

    @Test
    void sameReasonAndSource_loggedOncePerInterval_butAllCounted() {
        assertTrue(refusals.refuse(RefusalReason.TOO_MANY_CONNECTIONS, null, A, "x"));
        assertFalse(refusals.refuse(RefusalReason.TOO_MANY_CONNECTIONS, null, A, "x"));
        assertFalse(refusals.refuse(RefusalReason.TOO_MANY_CONNECTIONS, null, A, "x"));
        assertEquals(3, refusals.count(RefusalReason.TOO_MANY_CONNECTIONS));
        now.addAndGet(Duration.ofSeconds(61).toNanos());
        assertTrue(refusals.refuse(RefusalReason.TOO_MANY_CONNECTIONS, null, A, "x"), "a new interval logs again");
    }

    @Test
    void otherReasonOrSource_loggedSeparately() {
        assertTrue(refusals.refuse(RefusalReason.RATE_LIMITED, "client-1", A, "x"));
        assertTrue(refusals.refuse(RefusalReason.RATE_LIMITED, "client-2", A, "x"));
        assertTrue(refusals.refuse(RefusalReason.RATE_DISCONNECTED, "client-1", A, "x"));
        assertEquals(2, refusals.count(RefusalReason.RATE_LIMITED));
        assertEquals(1, refusals.count(RefusalReason.RATE_DISCONNECTED));
        assertEquals(0, refusals.counts().get(RefusalReason.SLOW_HANDSHAKE));
    }

    @Test
    void sprayOfSources_memoryBounded_stillCounted() {
        for (int i = 0; i < 10_000; i++) {
            refusals.refuse(RefusalReason.RATE_LIMITED, "client-" + i, null, "x");
        }
        assertEquals(10_000, refusals.count(RefusalReason.RATE_LIMITED));
        assertTrue(refusals.remembered() <= 4096, "remembered " + refusals.remembered());
    }

    @Test
    void interval_tooShort_refused() {
        assertThrows(IllegalArgumentException.class, () -> new Refusals(Duration.ZERO, false));
    }

    @Test
    void signalingCodes_mappedToTheirClass() {
        assertEquals(RefusalReason.RECIPIENT_UNAVAILABLE, RefusalReason.ofSignalingCode("recipient-unavailable"));
        assertEquals(RefusalReason.RECIPIENT_UNAVAILABLE, RefusalReason.ofSignalingCode("not-in-room"));
        assertEquals(RefusalReason.RELAY_UNAVAILABLE, RefusalReason.ofSignalingCode("relay-unavailable"));
        assertEquals(RefusalReason.FORBIDDEN_TOPIC, RefusalReason.ofSignalingCode("forbidden-topic"));
        assertEquals(RefusalReason.INVALID_MESSAGE, RefusalReason.ofSignalingCode("bad-sdp"));
    }
}
