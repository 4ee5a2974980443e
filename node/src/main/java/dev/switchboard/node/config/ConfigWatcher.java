package dev.switchboard.node.config;

import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Watches one file and runs a task when it changed, for reloading the configuration.
 *
 * <p>It watches the file's directory ({@link WatchService}), not the file itself, so it also sees
 * the file being replaced: editors and deployment tools write a new file and rename it over the
 * old one (a create or move-in event for the name), or delete and re-create it. Events for other
 * names in the directory are ignored; an overflow (events lost) counts as a change.
 *
 * <p>Debounced: after a relevant event it waits until the directory has been quiet for
 * {@code debounce} (at most {@value #MAX_DEBOUNCE_ROUNDS} rounds, so a file rewritten without
 * pause is still picked up), then runs the task once. A task that throws is logged; watching goes
 * on.
 *
 * <p>One daemon thread per watcher, which also runs the task. {@link #close()} stops it; idempotent.
 */
public final class ConfigWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ConfigWatcher.class);
    /** Upper bound on debounce rounds before the task runs anyway. */
    static final int MAX_DEBOUNCE_ROUNDS = 20;

    private final Path directory;
    private final Path fileName;
    private final Duration debounce;
    private final Runnable onChange;
    private final WatchService watchService;
    private final Thread thread;
    private volatile boolean closed;

    private ConfigWatcher(final Path directory, final Path fileName, final Duration debounce, final Runnable onChange,
                          final WatchService watchService) {
        this.directory = directory;
        this.fileName = fileName;
        this.debounce = debounce;
        this.onChange = onChange;
        this.watchService = watchService;
        this.thread = new Thread(this::run, "config-watcher");
        this.thread.setDaemon(true);
    }

    /**
     * Starts watching. The file need not exist yet; its directory must.
     *
     * @param file     the file to watch.
     * @param debounce how long the directory must be quiet before {@code onChange} runs; positive.
     * @param onChange run on the watcher's thread after each (debounced) change.
     * @return the running watcher.
     * @throws IOException              if the directory cannot be watched (missing, or no watch
     *                                  service on this file system).
     * @throws IllegalArgumentException if {@code debounce} is not positive.
     */
    public static @NotNull ConfigWatcher start(final @NotNull Path file, final @NotNull Duration debounce,
                                               final @NotNull Runnable onChange) throws IOException {
        Objects.requireNonNull(onChange, "onChange");
        if (debounce.isNegative() || debounce.isZero()) {
            throw new IllegalArgumentException("debounce must be positive: " + debounce);
        }
        final Path absolute = file.toAbsolutePath().normalize();
        final Path directory = Objects.requireNonNull(absolute.getParent(), "file has no directory");
        final WatchService service = directory.getFileSystem().newWatchService();
        try {
            directory.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                    StandardWatchEventKinds.ENTRY_DELETE);
        } catch (final IOException | RuntimeException e) {
            service.close();
            throw e;
        }
        final ConfigWatcher watcher = new ConfigWatcher(directory, absolute.getFileName(), debounce, onChange, service);
        watcher.thread.start();
        LOG.debug("watching {} for changes", absolute);
        return watcher;
    }

    private void run() {
        try {
            while (!closed) {
                final WatchKey key = watchService.take();
                if (!concernsFile(key)) {
                    continue;
                }
                // Debounce: wait for a quiet period, bounded in rounds.
                for (int round = 0; round < MAX_DEBOUNCE_ROUNDS; round++) {
                    final WatchKey more = watchService.poll(debounce.toNanos(), TimeUnit.NANOSECONDS);
                    if (more == null) {
                        break;
                    }
                    concernsFile(more);
                }
                if (closed) {
                    return;
                }
                try {
                    onChange.run();
                } catch (final RuntimeException e) {
                    LOG.error("reacting to a change of {} failed: {}", directory.resolve(fileName), e.toString(), e);
                }
            }
        } catch (final InterruptedException | ClosedWatchServiceException e) {
            // closing
        } finally {
            try {
                watchService.close();
            } catch (final IOException e) {
                LOG.debug("closing the watch service: {}", e.toString());
            }
        }
    }

    /** Drains and resets {@code key}; @return whether one of its events may concern the file. */
    private boolean concernsFile(final WatchKey key) {
        boolean relevant = false;
        for (final WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == StandardWatchEventKinds.OVERFLOW || fileName.equals(event.context())) {
                relevant = true;
            }
        }
        if (!key.reset()) {
            LOG.warn("{} can no longer be watched (removed?); configuration changes are picked up on SIGHUP only",
                    directory);
            closed = true;
        }
        return relevant;
    }

    /** Stops watching and waits (bounded) for the thread to end. Idempotent. */
    @Override
    public void close() {
        closed = true;
        try {
            watchService.close();
        } catch (final IOException e) {
            LOG.debug("closing the watch service: {}", e.toString());
        }
        if (Thread.currentThread() != thread) {
            try {
                thread.join(TimeUnit.SECONDS.toMillis(5));
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
