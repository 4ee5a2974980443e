package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The web server's responses since start, by HTTP status code (100..599; anything else counts as
 * 500, which the server never sends otherwise than for its own failures).
 *
 * <p>Thread-safe: {@link #count} is one atomic increment without allocation, called on the I/O
 * threads once per response; {@link #byStatus()} may be called from any thread.
 */
public final class WebCounters {

    private static final int MIN = 100;
    private static final int MAX = 599;

    private final AtomicLongArray counts = new AtomicLongArray(MAX - MIN + 1);

    /** @param status the status code of a response that was sent */
    void count(final int status) {
        counts.incrementAndGet((status < MIN || status > MAX ? 500 : status) - MIN);
    }

    /** @return the status codes sent at least once, in ascending order, with how often */
    public @NotNull Map<Integer, Long> byStatus() {
        final Map<Integer, Long> result = new TreeMap<>();
        for (int i = 0; i < counts.length(); i++) {
            final long n = counts.get(i);
            if (n > 0) {
                result.put(i + MIN, n);
            }
        }
        return result;
    }
}
