package dev.switchboard.node.config;

import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Holds the node's current {@link RuntimeSettings} and tells listeners when a reload changed
 * them. Components that honour a run-time setting either read {@link #current()} each time they
 * need it or register a listener (the broker's trusted peers do the latter).
 *
 * <p>Thread-safe. Listeners run on the thread that calls {@link #update} (the configuration
 * watcher's or the {@code SIGHUP} handler's), one after another in registration order; a
 * listener that throws is logged and does not keep the others from running. Listeners must not
 * block for long.
 */
public final class RuntimeSettingsHolder {

    private static final Logger LOG = LoggerFactory.getLogger(RuntimeSettingsHolder.class);

    private final List<Consumer<RuntimeSettings>> listeners = new CopyOnWriteArrayList<>();
    private volatile RuntimeSettings current;

    /** @param initial the settings the node starts with. */
    public RuntimeSettingsHolder(final @NotNull RuntimeSettings initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    /** @return the settings in force now. */
    public @NotNull RuntimeSettings current() {
        return current;
    }

    /**
     * @param listener called with the new settings after each change (not with the current ones).
     * @return removes the listener again.
     */
    public @NotNull Runnable addListener(final @NotNull Consumer<RuntimeSettings> listener) {
        Objects.requireNonNull(listener, "listener");
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /**
     * Puts new settings in force and, if they differ from the current ones, tells every listener.
     *
     * @param next the new settings.
     * @return whether they differed.
     */
    public synchronized boolean update(final @NotNull RuntimeSettings next) {
        Objects.requireNonNull(next, "next");
        if (next.equals(current)) {
            return false;
        }
        current = next;
        for (final Consumer<RuntimeSettings> listener : listeners) {
            try {
                listener.accept(next);
            } catch (final RuntimeException e) {
                LOG.error("a listener of the run-time settings failed: {}", e.toString(), e);
            }
        }
        return true;
    }
}
