package dev.switchboard.node.relay;

import java.util.BitSet;
import org.jetbrains.annotations.NotNull;

/**
 * Hands out ports of a {@link PortRange}, round robin: the search for a free port starts after
 * the last one handed out, so a released port is reused as late as possible (stale packets for
 * a closed session are unlikely to reach a new one). Ports that fail to bind are simply released
 * by the caller and the next one tried; the cursor has moved on by then.
 *
 * <p>Thread-safe (synchronized; not on any per-packet path).
 */
public final class PortPool {
    private final PortRange range;
    private final BitSet used;
    private int cursor;
    private int inUse;

    /** @param range the ports to manage */
    public PortPool(final @NotNull PortRange range) {
        this.range = range;
        this.used = new BitSet(range.size());
    }

    /** @return the managed range */
    public @NotNull PortRange range() {
        return range;
    }

    /** @return a free port, now marked in use, or -1 when every port is in use */
    public synchronized int acquire() {
        final int size = range.size();
        if (inUse == size) {
            return -1;
        }
        for (int i = 0; i < size; i++) {
            final int index = (cursor + i) % size;
            if (!used.get(index)) {
                used.set(index);
                inUse++;
                cursor = (index + 1) % size;
                return range.first() + index;
            }
        }
        return -1; // unreachable while inUse is consistent
    }

    /**
     * Returns a port to the pool. Releasing a free port is a no-op.
     *
     * @throws IllegalArgumentException when the port is outside the range
     */
    public synchronized void release(final int port) {
        if (port < range.first() || port > range.last()) {
            throw new IllegalArgumentException("port " + port + " outside " + range);
        }
        final int index = port - range.first();
        if (used.get(index)) {
            used.clear(index);
            inUse--;
        }
    }

    /** @return whether {@code port} is in the range and in use now */
    public synchronized boolean isInUse(final int port) {
        return port >= range.first() && port <= range.last() && used.get(port - range.first());
    }

    /** @return how many ports are free */
    public synchronized int available() {
        return range.size() - inUse;
    }
}
