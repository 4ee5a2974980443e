package dev.switchboard.broker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AddressCounterTest {

    private static final InetAddress A = InetAddress.getLoopbackAddress();
    private static final InetAddress B = addr("127.0.0.2");

    @Test
    void tryAcquire_upToMax_thenRefused() {
        final AddressCounter counter = new AddressCounter(2);
        assertTrue(counter.tryAcquire(A));
        assertTrue(counter.tryAcquire(A));
        assertFalse(counter.tryAcquire(A));
        assertEquals(2, counter.count(A));
    }

    @Test
    void addresses_countedApart() {
        final AddressCounter counter = new AddressCounter(1);
        assertTrue(counter.tryAcquire(A));
        assertTrue(counter.tryAcquire(B), "one address at its cap leaves the others alone");
        assertFalse(counter.tryAcquire(A));
    }

    @Test
    void release_freesSlot_andForgetsAddressAtZero() {
        final AddressCounter counter = new AddressCounter(1);
        assertTrue(counter.tryAcquire(A));
        counter.release(A);
        assertEquals(0, counter.count(A));
        assertEquals(0, counter.addresses());
        assertTrue(counter.tryAcquire(A));
        counter.release(B); // never acquired: no effect, no negative count
        assertEquals(0, counter.count(B));
    }

    @Test
    void concurrentAcquires_neverExceedCap() throws Exception {
        final AddressCounter counter = new AddressCounter(50);
        final AtomicInteger granted = new AtomicInteger();
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int i = 0; i < 1000; i++) {
            pool.execute(() -> {
                if (counter.tryAcquire(A)) {
                    granted.incrementAndGet();
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(50, granted.get());
        assertEquals(50, counter.count(A));
    }

    @Test
    void max_belowOne_refused() {
        assertThrows(IllegalArgumentException.class, () -> new AddressCounter(0));
    }

    private static InetAddress addr(final String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (final java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
