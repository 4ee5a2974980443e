package dev.switchboard.node;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;

/**
 * Runs a task on {@code SIGHUP} ({@code kill -HUP <pid>}), the Unix convention for "re-read your
 * configuration". Uses {@code sun.misc.Signal} (module {@code jdk.unsupported}); where that is
 * missing or the signal is not available (Windows, a JVM started with {@code -Xrs}),
 * {@link #install} says so in the log and returns {@code null}, and the node runs on without it.
 *
 * <p>The task runs on the JVM's signal dispatch thread; it must not block for long. While
 * installed, {@code SIGHUP} no longer stops the JVM (the JVM's default); {@link #close()} puts
 * the previous handler back.
 */
final class HangupSignal implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HangupSignal.class);

    private final sun.misc.Signal signal;
    private final sun.misc.SignalHandler previous;

    private HangupSignal(final sun.misc.Signal signal, final sun.misc.SignalHandler previous) {
        this.signal = signal;
        this.previous = previous;
    }

    /**
     * @param onHangup run on each {@code SIGHUP}; an exception it throws is logged.
     * @return the installed handler (close it to uninstall), or {@code null} where signals are
     *         unavailable.
     */
    static @Nullable HangupSignal install(final @NotNull Runnable onHangup) {
        Objects.requireNonNull(onHangup, "onHangup");
        try {
            final sun.misc.Signal hup = new sun.misc.Signal("HUP");
            final sun.misc.SignalHandler previous = sun.misc.Signal.handle(hup, s -> handle(onHangup));
            return new HangupSignal(hup, previous);
        } catch (final IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            LOG.info("SIGHUP is not available here ({}); the configuration file is still watched", e.toString());
            return null;
        }
    }

    /** What the signal handler calls: runs the task, logging instead of throwing. */
    static void handle(final @NotNull Runnable onHangup) {
        LOG.info("SIGHUP received: reloading the configuration");
        try {
            onHangup.run();
        } catch (final RuntimeException e) {
            LOG.error("reload on SIGHUP failed: {}", e.toString(), e);
        }
    }

    /** Puts the previous handler back. */
    @Override
    public void close() {
        try {
            sun.misc.Signal.handle(signal, previous);
        } catch (final IllegalArgumentException e) {
            LOG.debug("could not restore the previous SIGHUP handler: {}", e.toString());
        }
    }
}
