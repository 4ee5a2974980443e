package dev.switchboard.node.callee;

import dev.switchboard.node.storage.SecureFiles;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32;

/**
 * Callee registrations on disk, in {@code <dataDir>/callees/}: 64 shard files
 * ({@code shard-00.bin} .. {@code shard-63.bin}, by the first character of the callee id), each
 * replaced as a whole, atomically and durably, whenever it changes: written to a temporary file,
 * forced to the device, renamed over the old one, and the directory forced
 * ({@link SecureFiles#writeAtomically}). A crash or power cut at any moment leaves every shard
 * either as it was or as it became, never half-written; a registration is acknowledged only once
 * the shard that holds it is on the device.
 *
 * <p>Why files and not an embedded database: the data are small fixed records (about 140 bytes
 * each), read whole at start and written rarely; the one durability rule (write, fsync, rename,
 * fsync the directory) is a few lines we already have and test, where H2 or SQLite would add
 * megabytes of jar (and for SQLite a native library) for nothing we use. Sharding keeps a write
 * proportional to 1/64 of the registrations (about 220 KB at 100,000), and writes are grouped:
 * one writer thread writes each dirty shard once for everything that changed since its last
 * write. Changes to {@code lastUsed} and removals are not worth a device write of their own: they
 * go out with the next write of their shard, or within {@link #LAZY_FLUSH} (and at
 * {@link #close()}); losing them to a crash only makes a pair look a minute less recently used.
 *
 * <p>Format of a shard (big-endian, {@link DataOutputStream}): int magic {@code 0x53424331}
 * ("SBC1"), int count, then per registration: UTF calleeId, UTF secretHash, UTF label, long
 * created (epoch ms), long lastUsed (epoch ms); then long CRC-32 of everything before it. A shard
 * whose magic or checksum is wrong is refused at load with an {@link IOException} naming the file.
 *
 * <p>Thread-safe. {@link #put} never blocks (its future completes on the writer thread).
 */
public final class CalleeStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CalleeStore.class);
    /** Number of shard files. */
    static final int SHARDS = 64;
    private static final int MAGIC = 0x53424331;
    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    /** How long a lazy change (last use, removal) may wait for its shard's next write. */
    static final Duration LAZY_FLUSH = Duration.ofSeconds(60);

    private final Path dir;
    @SuppressWarnings("unchecked")
    private final Map<String, CalleeRegistration>[] shards = new Map[SHARDS];
    private final boolean[] urgent = new boolean[SHARDS];
    private final boolean[] lazy = new boolean[SHARDS];
    @SuppressWarnings("unchecked")
    private final List<CompletableFuture<Void>>[] waiting = new List[SHARDS];
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final Thread writer;
    private volatile boolean closed;

    private CalleeStore(final Path dir) {
        this.dir = dir;
        for (int i = 0; i < SHARDS; i++) {
            shards[i] = new ConcurrentHashMap<>();
            waiting[i] = new ArrayList<>();
        }
        writer = new Thread(this::writeLoop, "callee-store");
        writer.setDaemon(true);
    }

    /**
     * Loads every shard from {@code dir} (none yet is an empty store) and starts the writer.
     * Leftover temporary files of an interrupted write are deleted.
     *
     * @param dir the store's directory, {@code <dataDir>/callees}; created if missing.
     * @return the store.
     * @throws IOException if the directory cannot be read or a shard is damaged (named).
     */
    public static @NotNull CalleeStore open(final @NotNull Path dir) throws IOException {
        Files.createDirectories(dir);
        final CalleeStore store = new CalleeStore(dir);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(dir, ".shard-*.tmp")) {
            for (final Path p : leftovers) {
                Files.deleteIfExists(p);
            }
        }
        // The shards are independent: read them in parallel (start-up time at 100,000 pairs).
        final IOException[] failure = new IOException[1];
        java.util.stream.IntStream.range(0, SHARDS).parallel().forEach(i -> {
            final Path file = store.file(i);
            if (Files.exists(file)) {
                try {
                    final List<CalleeRegistration> list = read(file);
                    final Map<String, CalleeRegistration> map = new ConcurrentHashMap<>(list.size() * 4 / 3 + 16);
                    for (final CalleeRegistration r : list) {
                        map.put(r.calleeId(), r);
                    }
                    store.shards[i] = map;
                } catch (final IOException e) {
                    synchronized (failure) {
                        failure[0] = e;
                    }
                }
            }
        });
        if (failure[0] != null) {
            throw failure[0];
        }
        store.writer.start();
        return store;
    }

    /** @return every registration loaded or put since, in no particular order (a copy). */
    public @NotNull List<CalleeRegistration> all() {
        final List<CalleeRegistration> all = new ArrayList<>();
        for (final Map<String, CalleeRegistration> shard : shards) {
            all.addAll(shard.values());
        }
        return all;
    }

    /** @return a live, weakly consistent view of every registration (for sweeping). */
    @NotNull Iterable<CalleeRegistration> values() {
        return () -> java.util.Arrays.stream(shards).flatMap(m -> m.values().stream()).iterator();
    }

    /**
     * @param calleeId an id.
     * @return the registration with that id, or {@code null}.
     */
    public @Nullable CalleeRegistration get(final @NotNull String calleeId) {
        return calleeId.isEmpty() ? null : shards[shardOf(calleeId)].get(calleeId);
    }

    /** @return how many registrations the store holds. */
    public int size() {
        int n = 0;
        for (final Map<String, CalleeRegistration> shard : shards) {
            n += shard.size();
        }
        return n;
    }

    /**
     * Stores a registration durably (new, or replacing the one with its id).
     *
     * @param registration the registration.
     * @return completes once the registration is on the device; fails with an
     *     {@link UncheckedIOException} if the write failed, or {@link IllegalStateException} once
     *     the store is closed.
     */
    public @NotNull CompletableFuture<Void> put(final @NotNull CalleeRegistration registration) {
        final int shard = shardOf(registration.calleeId());
        final CompletableFuture<Void> done = new CompletableFuture<>();
        lock.lock();
        try {
            if (closed) {
                done.completeExceptionally(new IllegalStateException("the callee store is closed"));
                return done;
            }
            shards[shard].put(registration.calleeId(), registration);
            waiting[shard].add(done);
            urgent[shard] = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        return done;
    }

    /**
     * Records a change that need not be durable at once: a new last use of a stored registration
     * (nothing happens if it was removed), written with the shard's next write or within
     * {@link #LAZY_FLUSH}.
     *
     * @param registration the registration as it is now.
     */
    public void update(final @NotNull CalleeRegistration registration) {
        final int shard = shardOf(registration.calleeId());
        lock.lock();
        try {
            shards[shard].computeIfPresent(registration.calleeId(), (id, old) -> registration);
            lazy[shard] = true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Removes a registration (an expired pair) unless it changed meanwhile; written lazily like
     * {@link #update}.
     *
     * @param registration the registration as it was read.
     */
    public void remove(final @NotNull CalleeRegistration registration) {
        final int shard = shardOf(registration.calleeId());
        lock.lock();
        try {
            if (shards[shard].remove(registration.calleeId(), registration)) {
                lazy[shard] = true;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Writes every pending change, then stops the writer. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            writer.join(TimeUnit.SECONDS.toMillis(30));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void writeLoop() {
        long lastLazyFlush = System.nanoTime();
        while (true) {
            final List<Integer> todo = new ArrayList<>();
            final List<List<CompletableFuture<Void>>> futures = new ArrayList<>();
            final boolean stopping;
            lock.lock();
            try {
                while (!closed && !anyUrgent() && System.nanoTime() - lastLazyFlush < LAZY_FLUSH.toNanos()) {
                    changed.awaitNanos(Math.max(1, LAZY_FLUSH.toNanos() - (System.nanoTime() - lastLazyFlush)));
                }
                stopping = closed;
                final boolean flushLazy = stopping || System.nanoTime() - lastLazyFlush >= LAZY_FLUSH.toNanos();
                for (int i = 0; i < SHARDS; i++) {
                    if (urgent[i] || (flushLazy && lazy[i])) {
                        todo.add(i);
                        futures.add(waiting[i]);
                        waiting[i] = new ArrayList<>();
                        urgent[i] = false;
                        lazy[i] = false;
                    }
                }
                if (flushLazy) {
                    lastLazyFlush = System.nanoTime();
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                lock.unlock();
            }
            for (int k = 0; k < todo.size(); k++) {
                final int shard = todo.get(k);
                try {
                    SecureFiles.writeAtomically(file(shard), encode(shards[shard].values()), true);
                    futures.get(k).forEach(f -> f.complete(null));
                } catch (final IOException | RuntimeException e) {
                    LOG.error("cannot write callee registrations to {}: {}", file(shard), e.toString());
                    final UncheckedIOException failure = new UncheckedIOException(
                            new IOException("cannot write " + file(shard) + ": " + e.getMessage(), e));
                    futures.get(k).forEach(f -> f.completeExceptionally(failure));
                    lock.lock();
                    try {
                        lazy[shard] = true; // try again with the next flush
                    } finally {
                        lock.unlock();
                    }
                }
            }
            if (stopping) {
                return;
            }
        }
    }

    private boolean anyUrgent() {
        for (final boolean u : urgent) {
            if (u) {
                return true;
            }
        }
        return false;
    }

    private Path file(final int shard) {
        return dir.resolve(String.format("shard-%02d.bin", shard));
    }

    static int shardOf(final @NotNull String calleeId) {
        final int i = ALPHABET.indexOf(calleeId.charAt(0));
        return Math.max(i, 0);
    }

    static byte @NotNull [] encode(final @NotNull Collection<CalleeRegistration> registrations) {
        final List<CalleeRegistration> copy = new ArrayList<>(registrations);
        final ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 + copy.size() * 160);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeInt(copy.size());
            for (final CalleeRegistration r : copy) {
                out.writeUTF(r.calleeId());
                out.writeUTF(r.secretHash());
                out.writeUTF(r.label());
                out.writeLong(r.created().toEpochMilli());
                out.writeLong(r.lastUsed().toEpochMilli());
            }
            final CRC32 crc = new CRC32();
            crc.update(bytes.toByteArray());
            out.writeLong(crc.getValue());
        } catch (final IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }

    static @NotNull List<CalleeRegistration> read(final @NotNull Path file) throws IOException {
        final byte[] bytes = Files.readAllBytes(file);
        final @Nullable String problem = check(bytes);
        if (problem != null) {
            throw new IOException("callee registrations file " + file + " is damaged: " + problem);
        }
        final List<CalleeRegistration> list = new ArrayList<>();
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes, 0, bytes.length - 8))) {
            in.readInt();
            final int count = in.readInt();
            for (int i = 0; i < count; i++) {
                list.add(new CalleeRegistration(in.readUTF(), in.readUTF(), in.readUTF(),
                        Instant.ofEpochMilli(in.readLong()), Instant.ofEpochMilli(in.readLong())));
            }
        } catch (final IOException | IllegalArgumentException e) {
            throw new IOException("callee registrations file " + file + " is damaged: " + e.getMessage(), e);
        }
        return list;
    }

    private static @Nullable String check(final byte[] bytes) {
        if (bytes.length < 16) {
            return "too short (" + bytes.length + " bytes)";
        }
        final int magic = ((bytes[0] & 0xff) << 24) | ((bytes[1] & 0xff) << 16) | ((bytes[2] & 0xff) << 8) | (bytes[3] & 0xff);
        if (magic != MAGIC) {
            return "not a callee registrations file (magic " + Integer.toHexString(magic) + ")";
        }
        final CRC32 crc = new CRC32();
        crc.update(bytes, 0, bytes.length - 8);
        long stored = 0;
        for (int i = bytes.length - 8; i < bytes.length; i++) {
            stored = (stored << 8) | (bytes[i] & 0xff);
        }
        return stored == crc.getValue() ? null : "checksum mismatch";
    }
}
