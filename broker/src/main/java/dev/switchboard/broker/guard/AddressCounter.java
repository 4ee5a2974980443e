package dev.switchboard.broker.guard;

import java.net.InetAddress;
import java.util.concurrent.ConcurrentHashMap;
import org.jetbrains.annotations.NotNull;

/**
 * Counts open connections per source address against a cap. Values in, values out; no sockets.
 *
 * <p>Thread-safe and lock-free per address: accepts on several event loops may race, and the cap
 * still holds exactly.
 */
public final class AddressCounter {

    private final int max;
    private final ConcurrentHashMap<InetAddress, Integer> open = new ConcurrentHashMap<>();

    /** @param max connections one address may hold at once, at least 1 */
    public AddressCounter(final int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1: " + max);
        }
        this.max = max;
    }

    /**
     * Takes one slot for {@code address}.
     *
     * @return whether it was free; when {@code false} nothing changed
     */
    public boolean tryAcquire(final @NotNull InetAddress address) {
        final boolean[] taken = new boolean[1];
        open.compute(address, (a, n) -> {
            final int current = n == null ? 0 : n;
            if (current >= max) {
                return n;
            }
            taken[0] = true;
            return current + 1;
        });
        return taken[0];
    }

    /** Gives back a slot taken with {@link #tryAcquire}; an address at zero is forgotten. */
    public void release(final @NotNull InetAddress address) {
        open.computeIfPresent(address, (a, n) -> n > 1 ? n - 1 : null);
    }

    /** @return the connections {@code address} holds now */
    public int count(final @NotNull InetAddress address) {
        return open.getOrDefault(address, 0);
    }

    /** @return how many addresses hold at least one connection */
    public int addresses() {
        return open.size();
    }
}
