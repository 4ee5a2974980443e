package dev.switchboard.broker.extension;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.switchboard.broker.guard.PublishLimits;
import dev.switchboard.broker.guard.PublishRateLimiter;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * The publish budget the compatibility clients of one source address share, kept while that
 * address has at least one such client (so the map holds no more entries than there are
 * connections). Thread-safe.
 */
final class CompatAddresses {
    /** Stands for connections whose address HiveMQ does not know (they share one budget). */
    private static final InetAddress UNKNOWN = InetAddress.getLoopbackAddress();

    private final PublishLimits limits;
    private final Map<InetAddress, Entry> byAddress = new ConcurrentHashMap<>();

    private static final class Entry {
        final PublishRateLimiter limiter;
        int connections;

        Entry(final PublishRateLimiter limiter) {
            this.limiter = limiter;
        }
    }

    /** @param limits the budget of one address. */
    CompatAddresses(final @NotNull PublishLimits limits) {
        this.limits = limits;
    }

    /**
     * @param address a new compatibility connection's source address, or null when unknown.
     * @return the budget of that address, shared with its other compatibility connections.
     */
    @NotNull PublishRateLimiter acquire(final @Nullable InetAddress address) {
        final Entry e = byAddress.compute(address == null ? UNKNOWN : address, (a, old) -> {
            final Entry entry = old != null ? old : new Entry(new PublishRateLimiter(limits, System.nanoTime()));
            entry.connections++;
            return entry;
        });
        return e.limiter;
    }

    /** @param address the address a compatibility connection that closed was acquired with. */
    void release(final @Nullable InetAddress address) {
        byAddress.computeIfPresent(address == null ? UNKNOWN : address,
                (a, entry) -> --entry.connections <= 0 ? null : entry);
    }

    /** @return addresses with at least one compatibility client (for tests). */
    int size() {
        return byAddress.size();
    }
}
