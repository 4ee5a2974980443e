package dev.switchboard.broker.guard;

import java.net.InetAddress;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts every refusal by {@link RefusalReason} and logs each class of refusal at most once per
 * source per interval at INFO, with how many were suppressed since, so that an attack is visible
 * in the log without flooding it. The source is the client id when there is one, else the
 * address; addresses appear in the log only when {@code logAddresses} is set (otherwise they are
 * shown as {@code <address hidden>}).
 *
 * <p>Thread-safe; {@link #refuse} is cheap (a counter and a map look-up) and never blocks, so it
 * can be called from Netty I/O threads.
 */
public final class Refusals {

    private static final Logger LOG = LoggerFactory.getLogger(Refusals.class);
    /** Bound on the remembered (reason, source) pairs, so a spray of sources cannot grow memory. */
    private static final int MAX_REMEMBERED = 4096;

    private final Map<RefusalReason, LongAdder> counts = new EnumMap<>(RefusalReason.class);
    private final ConcurrentHashMap<String, Window> windows = new ConcurrentHashMap<>();
    private final long intervalNanos;
    private final boolean logAddresses;
    private final LongSupplier clock;

    /**
     * @param interval     how often one (reason, source) pair may be logged, at least 1 ms
     * @param logAddresses whether IP addresses may appear in the log
     */
    public Refusals(final @NotNull Duration interval, final boolean logAddresses) {
        this(interval, logAddresses, System::nanoTime);
    }

    /** For tests: {@code clock} is a monotonic nanosecond clock. */
    Refusals(final @NotNull Duration interval, final boolean logAddresses, final @NotNull LongSupplier clock) {
        if (interval.toMillis() < 1) {
            throw new IllegalArgumentException("interval must be at least 1 ms: " + interval);
        }
        for (final RefusalReason r : RefusalReason.values()) {
            counts.put(r, new LongAdder());
        }
        this.intervalNanos = interval.toNanos();
        this.logAddresses = logAddresses;
        this.clock = clock;
    }

    /**
     * Counts one refusal and logs it unless the same (reason, source) was logged within the
     * interval.
     *
     * @param reason   what was refused
     * @param clientId the client id, when the refusal happened after CONNECT; else {@code null}
     * @param address  the source address, when known
     * @param detail   a short human-readable detail (a limit and a value), no personal data
     * @return whether a log line was written
     */
    public boolean refuse(final @NotNull RefusalReason reason, final @Nullable String clientId,
                          final @Nullable InetAddress address, final @NotNull String detail) {
        counts.get(reason).increment();
        final String source = clientId != null ? "client " + clientId
                : address != null ? (logAddresses ? "address " + address.getHostAddress() : "<address hidden>")
                : "unknown source";
        final String key = reason.label() + ' ' + (clientId != null ? clientId : String.valueOf(address));
        if (windows.size() >= MAX_REMEMBERED && !windows.containsKey(key)) {
            forgetStale();
        }
        final long now = clock.getAsLong();
        final Window window = windows.computeIfAbsent(key, k -> new Window());
        final long suppressed = window.tryLog(now, intervalNanos);
        if (suppressed < 0) {
            return false;
        }
        final String where = clientId != null && address != null && logAddresses
                ? source + " from " + address.getHostAddress() : source;
        if (suppressed > 0) {
            LOG.info("refused {} ({}): {}; {} more since the last report", where, reason.label(), detail, suppressed);
        } else {
            LOG.info("refused {} ({}): {}", where, reason.label(), detail);
        }
        return true;
    }

    /** @return how many refusals of {@code reason} there were since start */
    public long count(final @NotNull RefusalReason reason) {
        return counts.get(reason).sum();
    }

    /** @return a snapshot of every reason's count */
    public @NotNull Map<RefusalReason, Long> counts() {
        final Map<RefusalReason, Long> snapshot = new EnumMap<>(RefusalReason.class);
        counts.forEach((r, n) -> snapshot.put(r, n.sum()));
        return snapshot;
    }

    /** @return how many (reason, source) pairs are remembered for the log windows */
    int remembered() {
        return windows.size();
    }

    private void forgetStale() {
        final long now = clock.getAsLong();
        windows.entrySet().removeIf(e -> e.getValue().stale(now, intervalNanos));
        if (windows.size() >= MAX_REMEMBERED) {
            windows.clear(); // a spray of fresh sources: start over rather than grow
        }
    }

    /** One (reason, source) pair's log window. */
    private static final class Window {
        private final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE);
        private final AtomicLong suppressed = new AtomicLong();

        /** @return -1 when suppressed, else how many were suppressed before this one */
        long tryLog(final long now, final long intervalNanos) {
            final long last = lastLogged.get();
            if (last != Long.MIN_VALUE && now - last < intervalNanos) {
                suppressed.incrementAndGet();
                return -1;
            }
            if (!lastLogged.compareAndSet(last, now)) {
                suppressed.incrementAndGet();
                return -1;
            }
            return suppressed.getAndSet(0);
        }

        boolean stale(final long now, final long intervalNanos) {
            final long last = lastLogged.get();
            return last == Long.MIN_VALUE || now - last >= intervalNanos;
        }
    }
}
