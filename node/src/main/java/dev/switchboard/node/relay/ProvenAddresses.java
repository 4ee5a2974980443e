package dev.switchboard.node.relay;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
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
 * <p>Thread-safe (one short lock per call). {@link #markProven} is meant to be a
 * {@code StunBindingListener} ({@code provenAddresses::markProven}) and is, like {@link #isProven}
 * (which the relay consults only for sources not yet proven for a session), allocation-free: an
 * LRU hash map of parallel arrays, no boxed times, no entry objects.
 */
public final class ProvenAddresses {
    private static final int INITIAL_CAPACITY = 256;

    private final long windowNanos;
    private final int maxEntries;
    private final LongSupplier nanoClock;
    // An allocation-free LRU map: entries 0..size-1 in parallel arrays (grown by doubling up to
    // maxEntries, never per call once grown), hash chains through `chain` from `buckets` (slot + 1,
    // 0 = end), and a doubly linked list from the least (oldest) to the most recently proven.
    private InetSocketAddress[] keys = new InetSocketAddress[0];
    private long[] provenAt = new long[0];
    private int[] chain = new int[0];
    private int[] older = new int[0];
    private int[] newer = new int[0];
    private int[] buckets = new int[0];
    private int size;
    private int oldest = -1;
    private int newest = -1;

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
        grow(Math.min(maxEntries, INITIAL_CAPACITY));
    }

    /**
     * Records that {@code address} was answered now (refreshes an existing entry, which becomes
     * the most recently proven). When full, the least recently proven address is forgotten.
     * Allocation-free once the table has grown to the number of addresses it holds.
     */
    public void markProven(final @NotNull InetSocketAddress address) {
        final long now = nanoClock.getAsLong();
        synchronized (this) {
            int slot = find(address);
            if (slot >= 0) {
                unlinkAge(slot);
            } else {
                if (size == keys.length && size < maxEntries) {
                    grow(Math.min(maxEntries, keys.length * 2));
                }
                if (size < keys.length) {
                    slot = size++;
                } else {
                    slot = oldest; // full: forget the least recently proven
                    unlinkAge(slot);
                    unlinkChain(slot);
                }
                keys[slot] = address;
                final int bucket = bucket(address);
                chain[slot] = buckets[bucket];
                buckets[bucket] = slot + 1;
            }
            provenAt[slot] = now;
            older[slot] = newest;
            newer[slot] = -1;
            if (newest >= 0) {
                newer[newest] = slot;
            } else {
                oldest = slot;
            }
            newest = slot;
        }
    }

    /** @return whether {@code address} was answered within the window; allocation-free */
    public boolean isProven(final @NotNull InetSocketAddress address) {
        final long now = nanoClock.getAsLong();
        synchronized (this) {
            final int slot = find(address);
            return slot >= 0 && now - provenAt[slot] <= windowNanos;
        }
    }

    /** @return how many addresses are remembered (expired ones included until evicted) */
    public synchronized int size() {
        return size;
    }

    private int find(final InetSocketAddress address) {
        for (int s = buckets[bucket(address)]; s != 0; s = chain[s - 1]) {
            if (keys[s - 1].equals(address)) {
                return s - 1;
            }
        }
        return -1;
    }

    private int bucket(final InetSocketAddress address) {
        final int h = address.hashCode();
        return (h ^ (h >>> 16)) & (buckets.length - 1);
    }

    private void unlinkAge(final int slot) {
        final int o = older[slot];
        final int n = newer[slot];
        if (o >= 0) {
            newer[o] = n;
        } else {
            oldest = n;
        }
        if (n >= 0) {
            older[n] = o;
        } else {
            newest = o;
        }
    }

    private void unlinkChain(final int slot) {
        final int bucket = bucket(keys[slot]);
        if (buckets[bucket] == slot + 1) {
            buckets[bucket] = chain[slot];
            return;
        }
        for (int s = buckets[bucket]; s != 0; s = chain[s - 1]) {
            if (chain[s - 1] == slot + 1) {
                chain[s - 1] = chain[slot];
                return;
            }
        }
    }

    /** Grows the entry arrays to {@code capacity} and rehashes (rare: only while filling up). */
    private void grow(final int capacity) {
        keys = Arrays.copyOf(keys, capacity);
        provenAt = Arrays.copyOf(provenAt, capacity);
        chain = Arrays.copyOf(chain, capacity);
        older = Arrays.copyOf(older, capacity);
        newer = Arrays.copyOf(newer, capacity);
        buckets = new int[Integer.highestOneBit(Math.max(1, capacity - 1)) << 1];
        for (int slot = 0; slot < size; slot++) {
            final int bucket = bucket(keys[slot]);
            chain[slot] = buckets[bucket];
            buckets[bucket] = slot + 1;
        }
    }
}
