package dev.switchboard.node.relay;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.jetbrains.annotations.NotNull;

/**
 * Transport addresses our STUN service answered recently. The relay accepts such an address as
 * a proven endpoint (rule (b) of the relay design) in addition to addresses that sent a valid ICE
 * check for the session, but only on a side of a session that has no ICE-proven address yet: this
 * proof is weak (anyone gets an answer for their own address), see
 * {@link dev.switchboard.node.relay}.
 *
 * <p>Bounded: at most {@code maxEntries} addresses; when full, the address proven longest ago is
 * forgotten. Entries expire {@code window} after their latest proof.
 *
 * <p>Thread-safe. {@link #markProven} is meant to be a {@code StunBindingListener}
 * ({@code provenAddresses::markProven}); {@link #isProven} is allocation-free and only consulted
 * by the relay for sources that are not yet proven for a session.
 */
public final class ProvenAddresses {
    private final long windowNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<InetSocketAddress, Long> provenAt;

    /**
     * @param window how long an answered address stays proven, positive (e.g. 2 minutes)
     * @param maxEntries upper bound on remembered addresses, at least 1 (e.g. 65536)
     */
    public ProvenAddresses(final @NotNull Duration window, final int maxEntries) {
        this(window, maxEntries, System::nanoTime);
    }

    /** As {@link #ProvenAddresses(Duration, int)} with an explicit monotonic clock in nanoseconds (tests). */
    public ProvenAddresses(final @NotNull Duration window, final int maxEntries, final @NotNull LongSupplier nanoClock) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window must be positive: " + window);
        }
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1: " + maxEntries);
        }
        this.windowNanos = window.toNanos();
        this.maxEntries = maxEntries;
        this.nanoClock = nanoClock;
        this.provenAt = new LinkedHashMap<>(Math.min(maxEntries, 1024) * 2, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(final Map.Entry<InetSocketAddress, Long> eldest) {
                return size() > ProvenAddresses.this.maxEntries;
            }
        };
    }

    /** Records that {@code address} was answered now (refreshes an existing entry). */
    public void markProven(final @NotNull InetSocketAddress address) {
        final long now = nanoClock.getAsLong();
        synchronized (provenAt) {
            provenAt.remove(address); // re-insert so the order stays "least recently proven first"
            provenAt.put(address, now);
        }
    }

    /** @return whether {@code address} was answered within the window */
    public boolean isProven(final @NotNull InetSocketAddress address) {
        final long now = nanoClock.getAsLong();
        synchronized (provenAt) {
            final Long at = provenAt.get(address);
            return at != null && now - at <= windowNanos;
        }
    }

    /** @return how many addresses are remembered (expired ones included until evicted) */
    public int size() {
        synchronized (provenAt) {
            return provenAt.size();
        }
    }
}
