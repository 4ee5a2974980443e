package dev.switchboard.node;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HangupSignalTest {

    @Test
    void handle_taskThrows_loggedNotThrown() {
        final AtomicInteger runs = new AtomicInteger();
        HangupSignal.handle(() -> {
            runs.incrementAndGet();
            throw new IllegalStateException("boom");
        });
        assertEquals(1, runs.get());
    }

    @Test
    void realSighup_runsTheTask() {
        final AtomicInteger runs = new AtomicInteger();
        final HangupSignal installed = HangupSignal.install(runs::incrementAndGet);
        // Only raise the signal when our handler is in place: the JVM's default for SIGHUP is to exit.
        assumeTrue(installed != null, "SIGHUP is not available on this platform");
        try {
            sun.misc.Signal.raise(new sun.misc.Signal("HUP"));
            await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() == 1);
        } finally {
            installed.close();
        }
    }
}
