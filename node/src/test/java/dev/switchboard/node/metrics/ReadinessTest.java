package dev.switchboard.node.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadinessTest {

    @Test
    void evaluate_partsMissingFailingOrThrowing_notReadyWithOneLineEach() {
        final Readiness readiness = new Readiness(List.of("a", "b", "c"));
        final AtomicBoolean b = new AtomicBoolean(false);
        readiness.register("a", () -> true);
        readiness.register("b", b::get);
        assertEquals(new Readiness.Result(false, "a: serving\nb: not serving\nc: starting\n"), readiness.evaluate());
        b.set(true);
        readiness.register("c", () -> {
            throw new IllegalStateException("boom");
        });
        assertEquals(new Readiness.Result(false, "a: serving\nb: serving\nc: not serving\n"), readiness.evaluate());
        readiness.register("c", () -> true);
        final Readiness.Result ready = readiness.evaluate();
        assertTrue(ready.ready());
        assertEquals("a: serving\nb: serving\nc: serving\n", ready.text());
    }

    @Test
    void register_unexpectedPart_throws() {
        final Readiness readiness = new Readiness(List.of("a"));
        assertThrows(IllegalArgumentException.class, () -> readiness.register("z", () -> true));
        assertFalse(readiness.evaluate().ready());
    }
}
