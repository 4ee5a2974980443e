package dev.switchboard.node.metrics;

import org.jetbrains.annotations.NotNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Whether the node serves: one check per part, each asking the part itself (a bound, open socket;
 * running threads), not a flag set at start. The node is ready when every expected part has
 * registered its check and every check passes; a part not registered yet is "starting".
 *
 * <p>Thread-safe. Checks are called on the monitoring server's thread and must not block.
 */
public final class Readiness {

    /** The answer: ready or not, and one line per part. */
    public record Result(boolean ready, @NotNull String text) {
        public Result {
            Objects.requireNonNull(text, "text");
        }
    }

    private final List<String> expected;
    private final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();

    /** @param expected the parts that must all serve, in the order they are reported */
    public Readiness(final @NotNull List<String> expected) {
        this.expected = List.copyOf(expected);
    }

    /**
     * @param part  one of the expected parts
     * @param check true while the part serves; called from any thread, must not block
     * @throws IllegalArgumentException if the part is not expected
     */
    public synchronized void register(final @NotNull String part, final @NotNull BooleanSupplier check) {
        if (!expected.contains(part)) {
            throw new IllegalArgumentException("not an expected part: " + part);
        }
        checks.put(part, Objects.requireNonNull(check, "check"));
    }

    /**
     * @return ready when every expected part serves; the text has one line per part:
     *     {@code broker: serving}, {@code stun: not serving} or {@code web: starting}
     */
    public @NotNull Result evaluate() {
        final Map<String, BooleanSupplier> now;
        synchronized (this) {
            now = new LinkedHashMap<>(checks);
        }
        boolean ready = true;
        final StringBuilder text = new StringBuilder();
        for (final String part : expected) {
            final BooleanSupplier check = now.get(part);
            final String state;
            if (check == null) {
                state = "starting";
                ready = false;
            } else if (serves(check)) {
                state = "serving";
            } else {
                state = "not serving";
                ready = false;
            }
            text.append(part).append(": ").append(state).append('\n');
        }
        return new Result(ready, text.toString());
    }

    private static boolean serves(final BooleanSupplier check) {
        try {
            return check.getAsBoolean();
        } catch (final RuntimeException e) {
            return false;
        }
    }
}
