package dev.switchboard.broker.guard;

import java.time.Duration;
import java.util.Objects;
import org.jetbrains.annotations.NotNull;

/**
 * How fast one client may publish, as two token buckets (messages and payload bytes) and a
 * disconnect threshold. A client within its rate never notices; a client over it has the excess
 * messages refused (PUBACK 0x97 Quota exceeded and a {@code rate-limited} error); a client that
 * keeps sending although it is refused is disconnected (DISCONNECT 0x96 Message rate too high,
 * MQTT 5 §3.14.2.1).
 *
 * @param messagesPerSecond sustained messages per second. Default 30; 1..100000.
 * @param messageBurst      messages a client may send at once after a quiet spell (bucket size).
 *                          Default 100; at least 1.
 * @param bytesPerSecond    sustained payload bytes per second. Default 128 KiB; 1 KiB..1 GiB.
 * @param byteBurst         payload bytes at once (bucket size); at least the largest packet so
 *                          that any single message can pass. Default 512 KiB.
 * @param disconnectAfter   refused messages within {@code window} after which the client is
 *                          disconnected. Default 200; at least 1.
 * @param window            the window for {@code disconnectAfter}. Default 10 s; 1 s..10 min.
 */
public record PublishLimits(
        int messagesPerSecond,
        int messageBurst,
        long bytesPerSecond,
        long byteBurst,
        int disconnectAfter,
        @NotNull Duration window) {

    /** The defaults, as documented on each component. */
    public static final @NotNull PublishLimits DEFAULTS =
            new PublishLimits(30, 100, 128 * 1024, 512 * 1024, 200, Duration.ofSeconds(10));

    /**
     * Validates every limit.
     *
     * @throws IllegalArgumentException naming the limit and the bad value
     */
    public PublishLimits {
        Objects.requireNonNull(window, "window");
        check("messagesPerSecond", messagesPerSecond, 1, 100_000);
        check("messageBurst", messageBurst, 1, 10_000_000);
        check("bytesPerSecond", bytesPerSecond, 1024, 1L << 30);
        check("byteBurst", byteBurst, 1024, 1L << 32);
        check("disconnectAfter", disconnectAfter, 1, 10_000_000);
        if (window.compareTo(Duration.ofSeconds(1)) < 0 || window.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("window must be 1 s..10 min: " + window);
        }
    }

    private static void check(final String name, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ": " + value);
        }
    }
}
