package dev.switchboard.node.config;

import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Re-reads the configuration file while the node runs and puts what may change into force.
 *
 * <p>A reload reads and validates the whole file ({@link ConfigLoader#load}, the file is required
 * now). If it is invalid, nothing changes and one error naming the key is logged. Otherwise the
 * keys that differ from the running configuration are split: those in {@link RuntimeSettings#KEYS}
 * are applied (the {@link RuntimeSettingsHolder} tells its listeners), every other changed key is
 * reported in one warning as needing a restart and keeps its running value. Keys are named as in
 * the file, e.g. {@code relay.portRange}; a changed TLS file behind an unchanged path is not seen
 * (it is read at start only).
 *
 * <p>Called by the {@link ConfigWatcher} and by the {@code SIGHUP} handler. Thread-safe: reloads
 * run one at a time.
 */
public final class ConfigReloader {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    /** What a reload did. */
    public sealed interface Outcome permits Applied, Rejected {
    }

    /**
     * The file was valid.
     *
     * @param applied      changed keys now in force (run-time keys), in file order.
     * @param needsRestart changed keys that keep their running value until a restart, in file order.
     */
    public record Applied(@NotNull List<String> applied, @NotNull List<String> needsRestart) implements Outcome {
        public Applied {
            applied = List.copyOf(applied);
            needsRestart = List.copyOf(needsRestart);
        }
    }

    /**
     * The file could not be read or was invalid; the running configuration is kept.
     *
     * @param error what is wrong, naming the file, key and value (as {@link ConfigException} does).
     */
    public record Rejected(@NotNull String error) implements Outcome {
    }

    private final Path file;
    private final RuntimeSettingsHolder runtime;
    private NodeConfig running;

    /**
     * @param file    the configuration file to re-read.
     * @param running the configuration the node started with.
     * @param runtime the holder whose listeners get changed run-time settings; it must hold
     *                {@code RuntimeSettings.of(running)}.
     */
    public ConfigReloader(final @NotNull Path file, final @NotNull NodeConfig running,
                          final @NotNull RuntimeSettingsHolder runtime) {
        this.file = Objects.requireNonNull(file, "file");
        this.running = Objects.requireNonNull(running, "running");
        this.runtime = Objects.requireNonNull(runtime, "runtime");
    }

    /** @return the file this reloader reads. */
    public @NotNull Path file() {
        return file;
    }

    /**
     * @return the configuration in force: the start configuration with the run-time keys of the
     *         last valid reload.
     */
    public synchronized @NotNull NodeConfig running() {
        return running;
    }

    /**
     * Reads the file and applies what may change at run time. Never throws for a bad file.
     *
     * @return what happened; also logged (one line per outcome kind).
     */
    public synchronized @NotNull Outcome reload() {
        final NodeConfig next;
        try {
            next = ConfigLoader.load(file, true);
        } catch (final ConfigException e) {
            LOG.error("configuration not reloaded, the node keeps its running configuration: {}", e.getMessage());
            return new Rejected(e.getMessage());
        }
        final List<String> applied = new ArrayList<>();
        final List<String> needsRestart = new ArrayList<>();
        for (final String key : changedKeys(running, next)) {
            (RuntimeSettings.KEYS.contains(key) ? applied : needsRestart).add(key);
        }
        final RuntimeSettings settings = RuntimeSettings.of(next);
        running = settings.applyTo(running);
        runtime.update(settings);
        if (!needsRestart.isEmpty()) {
            LOG.warn("configuration reload: {} {} a restart to take effect; the running value is kept until then",
                    String.join(", ", needsRestart), needsRestart.size() == 1 ? "needs" : "need");
        }
        if (!applied.isEmpty()) {
            LOG.info("configuration reloaded from {}: {} now in force", file, String.join(", ", applied));
        } else if (needsRestart.isEmpty()) {
            LOG.info("configuration reloaded from {}: no change", file);
        }
        return new Applied(applied, needsRestart);
    }

    /**
     * @return the dotted keys (as in the file) whose values differ between {@code a} and
     *         {@code b}, in declaration order. Works on the record structure, so a key added to
     *         {@link NodeConfig} is compared without changes here.
     */
    static @NotNull List<String> changedKeys(final @NotNull NodeConfig a, final @NotNull NodeConfig b) {
        final List<String> keys = new ArrayList<>();
        collect("", a, b, keys);
        return keys;
    }

    private static void collect(final String prefix, final Record a, final Record b, final List<String> keys) {
        for (final RecordComponent c : a.getClass().getRecordComponents()) {
            final Object x = value(c, a);
            final Object y = value(c, b);
            // Descend into the file's sections (NodeConfig.Web, ...), not into values such as PortRange.
            if (x instanceof Record rx && y instanceof Record ry && c.getType().getEnclosingClass() == NodeConfig.class) {
                collect(prefix + c.getName() + ".", rx, ry, keys);
            } else if (!Objects.equals(x, y)) {
                keys.add(prefix + c.getName());
            }
        }
    }

    private static Object value(final RecordComponent c, final Record r) {
        try {
            return c.getAccessor().invoke(r);
        } catch (final IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("cannot read " + c.getName() + " of " + r.getClass().getSimpleName(), e);
        }
    }
}
