package dev.switchboard.node.access;

import org.jetbrains.annotations.NotNull;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Finds scanners: counts, per source address, the unknown paths it asked for and the key proofs it
 * failed within a sliding window ({@link ScannerRules}), and blocks an address that reaches either
 * threshold for {@link ScannerRules#blockFor()}. The seed asks for "a reasonably aggressive
 * firewall, with a low threshold for blocking an IP that appears to be scanning".
 *
 * <p>Memory is bounded: at most {@value #MAX_TRACKED} addresses are tracked; when full, the ones
 * with nothing recent and no block are forgotten first, and if that is not enough, all counts
 * (never the blocks) start over, so a spray of source addresses cannot grow the map.
 *
 * <p>Thread-safe. {@link #isBlocked} is a map look-up that allocates nothing for an address that
 * was never seen (the case on every hot path); the counting methods take a per-address lock.
 */
public final class ScannerBlocker {

    /** Most addresses tracked at once. */
    static final int MAX_TRACKED = 65_536;

    /** What one counting call decided. */
    public enum Outcome {
        /** Counted; the address is below both thresholds. */
        COUNTED,
        /** This event reached a threshold: the address is blocked from now on. */
        BLOCKED_NOW,
        /** The address was already blocked. */
        ALREADY_BLOCKED
    }

    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<InetAddress, Track> tracks = new ConcurrentHashMap<>();
    private volatile ScannerRules rules;

    /**
     * @param rules     the thresholds, window and block duration
     * @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime}; tests inject one)
     */
    public ScannerBlocker(final @NotNull ScannerRules rules, final @NotNull LongSupplier nanoClock) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    }

    /**
     * Puts new rules in force (a configuration reload). Counts and blocks made so far stay; a block
     * keeps the end it was given.
     */
    public void setRules(final @NotNull ScannerRules next) {
        rules = Objects.requireNonNull(next, "next");
    }

    /** @return the rules in force */
    public @NotNull ScannerRules rules() {
        return rules;
    }

    /** @return whether {@code address} is blocked now */
    public boolean isBlocked(final @NotNull InetAddress address) {
        final Track t = tracks.get(address);
        return t != null && t.blockedAt(nanoClock.getAsLong());
    }

    /** Counts a request for a path the node does not serve. */
    public @NotNull Outcome unknownPath(final @NotNull InetAddress address) {
        return count(address, true);
    }

    /** Counts a failed key proof at the broker. */
    public @NotNull Outcome failedProof(final @NotNull InetAddress address) {
        return count(address, false);
    }

    /** @return the addresses blocked now, for the super-admin's page */
    public @NotNull List<InetAddress> blocked() {
        final long now = nanoClock.getAsLong();
        return tracks.entrySet().stream().filter(e -> e.getValue().blockedAt(now)).map(Map.Entry::getKey).toList();
    }

    /** @return how many addresses are tracked (for tests) */
    int tracked() {
        return tracks.size();
    }

    private Outcome count(final InetAddress address, final boolean unknownPath) {
        final long now = nanoClock.getAsLong();
        final ScannerRules r = rules;
        if (tracks.size() >= MAX_TRACKED && !tracks.containsKey(address)) {
            forgetQuiet(now, r);
        }
        final Track track = tracks.computeIfAbsent(address, a -> new Track());
        return track.count(now, r, unknownPath);
    }

    private void forgetQuiet(final long now, final ScannerRules r) {
        final long windowNanos = r.window().toNanos();
        tracks.entrySet().removeIf(e -> e.getValue().quiet(now, windowNanos));
        if (tracks.size() >= MAX_TRACKED) {
            tracks.entrySet().removeIf(e -> !e.getValue().blockedAt(now));
        }
    }

    /** One address: the times of its recent events, and the end of its block. */
    private static final class Track {
        private final ArrayDeque<Long> paths = new ArrayDeque<>();
        private final ArrayDeque<Long> proofs = new ArrayDeque<>();
        private volatile long blockedUntil;
        private volatile boolean blocked;

        boolean blockedAt(final long now) {
            return blocked && now - blockedUntil < 0;
        }

        synchronized Outcome count(final long now, final ScannerRules r, final boolean unknownPath) {
            if (blockedAt(now)) {
                return Outcome.ALREADY_BLOCKED;
            }
            final long windowNanos = r.window().toNanos();
            final ArrayDeque<Long> times = unknownPath ? paths : proofs;
            final int threshold = unknownPath ? r.unknownPaths() : r.failedProofs();
            while (!times.isEmpty() && now - times.peekFirst() >= windowNanos) {
                times.pollFirst();
            }
            times.addLast(now);
            while (times.size() > threshold) {
                times.pollFirst(); // never more than the threshold kept
            }
            if (times.size() >= threshold) {
                paths.clear();
                proofs.clear();
                blockedUntil = now + r.blockFor().toNanos();
                blocked = true;
                return Outcome.BLOCKED_NOW;
            }
            return Outcome.COUNTED;
        }

        synchronized boolean quiet(final long now, final long windowNanos) {
            if (blockedAt(now)) {
                return false;
            }
            final Long last = lastEvent();
            return last == null || now - last >= windowNanos;
        }

        private Long lastEvent() {
            final Long a = paths.peekLast();
            final Long b = proofs.peekLast();
            if (a == null) {
                return b;
            }
            return b == null || a - b > 0 ? a : b;
        }
    }
}
