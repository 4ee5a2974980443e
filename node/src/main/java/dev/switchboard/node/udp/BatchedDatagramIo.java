package dev.switchboard.node.udp;

import java.io.IOException;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.Locale;
import io.netty.util.concurrent.FastThreadLocal;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batched datagram I/O for the relay's ports and the STUN service's sockets: up to {@link #SLOTS}
 * datagrams per {@code recvmmsg(2)} and per {@code sendmmsg(2)} call, which the JDK's
 * {@link DatagramChannel} lacks (it makes one system call per datagram). The calls are made by a
 * small JNI library built with the node ({@code src/main/c/batched_datagram_io.c}) on the sockets
 * of ordinary {@link DatagramChannel}s, which stay registered with their Netty NIO event loops for
 * readiness.
 *
 * <p>One instance per event loop thread ({@link #forThisThread()}), used only by it: it owns
 * {@link #SLOTS} receive slots of {@link #SLOT_BYTES} bytes (so no datagram is ever truncated; the
 * memory is mapped, and only the pages datagrams are written to become resident) and a table of
 * receive and send entries. A datagram is sent from a slot (a forwarded one from the slot it
 * arrived in: no copy). No method allocates, except where an {@link AddressCache} meets a new
 * address.
 *
 * <pre>{@code
 * int n = batch.receive(fd);                       // -EAGAIN: nothing waiting
 * for (int i = 0; i < n; i++) {
 *     ByteBuffer datagram = batch.datagram(i);     // position 0, limit its length
 *     InetSocketAddress from = batch.source(i, cache);
 *     batch.queue(queued++, i, datagram.remaining(), to, cache);
 * }
 * int tried = batch.send(otherFd, ipv6, queued);   // entries from tried on were not sent
 * }</pre>
 *
 * <p>Where the library cannot be loaded (not Linux, another CPU architecture than the build's, a
 * temporary directory mounted {@code noexec}), {@link #isAvailable()} is false and callers make
 * one system call per datagram instead ({@link #unavailableReason()} says why).
 */
public final class BatchedDatagramIo {
    private static final Logger LOG = LoggerFactory.getLogger(BatchedDatagramIo.class);
    /** Datagrams per receive or send call (the C forwarder the bench compares with uses as many). */
    public static final int SLOTS = 64;
    /** Bytes per receive slot: more than the largest UDP payload (65,507 bytes over IPv4). */
    public static final int SLOT_BYTES = 65_536;
    /** Bytes per receive or send entry in the shared table (layout in the C file's comment). */
    private static final int ENTRY_BYTES = 32;
    private static final int SEND_BASE = SLOTS * ENTRY_BYTES;
    /**
     * System property: {@code false} makes the relay and the STUN service receive and send one
     * datagram per system call through the JDK's channel methods even where the library loads.
     */
    public static final String PROPERTY = "switchboard.udp.batchedIo";
    /** Linux's errno for "nothing waiting"; {@link #receive} returns its negation. */
    public static final int EAGAIN = 11;
    private static final int AF_INET6 = 10;
    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private static final @Nullable String UNAVAILABLE = load();

    /** The batch of each event loop thread that asked; null where one could not be made. */
    private static final FastThreadLocal<BatchedDatagramIo> PER_THREAD = new FastThreadLocal<>() {
        @Override
        protected @Nullable BatchedDatagramIo initialValue() {
            try {
                return create();
            } catch (final IllegalStateException e) {
                LOG.warn("{}; this event loop makes one system call per datagram", e.getMessage());
                return null;
            }
        }

        @Override
        protected void onRemoval(final @Nullable BatchedDatagramIo batch) {
            if (batch != null) {
                batch.free(); // the event loop thread ends
            }
        }
    };

    private final long handle;
    /** Receive entries, then send entries; native byte order. */
    private final ByteBuffer table;
    /** One view per slot over the mapped receive memory (big-endian, as ByteBuffers start). */
    private final ByteBuffer[] slots = new ByteBuffer[SLOTS];
    /** The length of each queued send entry (a failed send overwrites the entry's). */
    private final int[] queuedLength = new int[SLOTS];
    private boolean closed;

    /**
     * The last source address decoded and the last destination encoded for one socket, so that a
     * steady flow costs no object. One per socket; used on its event loop only.
     */
    public static final class AddressCache {
        private @Nullable InetSocketAddress source;
        private long sourceHigh;
        private long sourceLow;
        private long sourcePortAndScope;
        private final byte[] sourceBytes = new byte[16];
        private @Nullable InetSocketAddress destination;
        private final byte[] destinationBytes = new byte[16];
        /** {@link #destinationBytes} as the table holds them: two longs in native byte order. */
        private long destinationHigh;
        private long destinationLow;
        private int destinationScope;
    }

    private BatchedDatagramIo(final long handle) {
        this.handle = handle;
        this.table = meta(handle).order(ByteOrder.nativeOrder());
        final ByteBuffer data = data(handle);
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = data.slice(i * SLOT_BYTES, SLOT_BYTES);
        }
    }

    /**
     * @return this event loop thread's batch, made on first use and freed when the thread ends
     *     (Netty's threads remove their thread-locals then); null when it cannot be made (logged
     *     once per thread) or the library is not loaded
     */
    public static @Nullable BatchedDatagramIo forThisThread() {
        return UNAVAILABLE == null ? PER_THREAD.get() : null;
    }

    /** @return whether the native library is loaded, so that {@link #create()} can succeed */
    public static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /** @return whether {@link #PROPERTY} leaves batches on (it does unless set to {@code false}) */
    public static boolean enabledByProperty() {
        return Boolean.parseBoolean(System.getProperty(PROPERTY, "true"));
    }

    /**
     * @param wanted whether the caller would use batches
     * @return how a socket service reads and writes, for its start line
     */
    public static @NotNull String describe(final boolean wanted) {
        return wanted && isAvailable() ? "recvmmsg/sendmmsg batches"
                : wanted ? "one system call per datagram (" + UNAVAILABLE + ")"
                : "one system call per datagram (" + PROPERTY + "=false)";
    }

    /** @return why the native library is not loaded, or null when it is */
    public static @Nullable String unavailableReason() {
        return UNAVAILABLE;
    }

    /**
     * @return a new batch (about 10 KB of tables and 4 MiB of mapped, mostly untouched, memory)
     * @throws IllegalStateException when the library is not loaded or the memory cannot be mapped
     */
    static @NotNull BatchedDatagramIo create() {
        if (UNAVAILABLE != null) {
            throw new IllegalStateException("batched datagram I/O is unavailable: " + UNAVAILABLE);
        }
        final long handle = create(SLOTS, SLOT_BYTES, ENTRY_BYTES);
        if (handle == 0) {
            throw new IllegalStateException("batched datagram I/O: no memory for a batch, or a library of another layout");
        }
        return new BatchedDatagramIo(handle);
    }

    /**
     * @param channel an open channel from {@link DatagramChannel#open}
     * @return its socket's file descriptor, or -1 when this JDK's channel does not expose one the
     *     library can find (the caller then uses the channel's own methods)
     */
    public static int fileDescriptor(final @NotNull DatagramChannel channel) {
        return isAvailable() ? fd(channel) : -1;
    }

    /** @return whether the socket {@code fd} is an IPv6 (dual-stack) socket rather than an IPv4 one */
    public static boolean isIpv6Socket(final int fd) {
        return family(fd) == AF_INET6;
    }

    /**
     * Receives what is waiting on {@code fd}, without blocking.
     *
     * @param fd the socket ({@link #fileDescriptor})
     * @return how many datagrams arrived (1 to {@link #SLOTS}), each in its slot with its entry
     *     ({@link #datagram}, {@link #source}); or minus the errno ({@code -}{@link #EAGAIN}:
     *     nothing was waiting)
     */
    public int receive(final int fd) {
        return receive(fd, handle);
    }

    /**
     * @param i a datagram of the last {@link #receive}, 0 to its result - 1
     * @return datagram {@code i}: a reused view of its slot, position 0, limit its length; null
     *     when it had no IP source address (dropped)
     */
    public @Nullable ByteBuffer datagram(final int i) {
        final int length = table.getInt(i * ENTRY_BYTES);
        if (length < 0) {
            return null;
        }
        final ByteBuffer slot = slots[i];
        slot.clear().limit(length);
        return slot;
    }

    /**
     * @return datagram {@code i}'s source, as {@link DatagramChannel#receive} would return it (an
     *     IPv4-mapped address becomes an {@code Inet4Address}): {@code cache}'s last one when it is
     *     the same address, port and scope, else decoded (allocating) and kept there
     */
    public @NotNull InetSocketAddress source(final int i, final @NotNull AddressCache cache) {
        final int entry = i * ENTRY_BYTES;
        final long high = table.getLong(entry + 16);
        final long low = table.getLong(entry + 24);
        final int port = table.getInt(entry + 4);
        final int scope = table.getInt(entry + 8);
        final long portAndScope = (long) port << 32 | scope & 0xffff_ffffL;
        final InetSocketAddress last = cache.source;
        if (last != null && high == cache.sourceHigh && low == cache.sourceLow
                && portAndScope == cache.sourcePortAndScope) {
            return last;
        }
        final byte[] bytes = cache.sourceBytes;
        table.get(entry + 16, bytes);
        final InetSocketAddress source;
        try {
            final InetAddress address = scope != 0 && !isV4Mapped(bytes)
                    ? Inet6Address.getByAddress(null, bytes, scope)
                    : InetAddress.getByAddress(bytes); // IPv4-mapped: an Inet4Address
            source = new InetSocketAddress(address, port);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException("16 address bytes refused", e); // cannot happen: the length is right
        }
        cache.sourceHigh = high;
        cache.sourceLow = low;
        cache.sourcePortAndScope = portAndScope;
        cache.source = source;
        return source;
    }

    /** @return bytes {@code from} to {@code from + 7} of {@code a} as one native-order long, as the table holds them */
    private static long nativeLong(final byte[] a, final int from) {
        long value = 0;
        for (int k = 0; k < 8; k++) {
            value = value << 8 | a[LITTLE_ENDIAN ? from + 7 - k : from + k] & 0xff;
        }
        return value;
    }

    private static boolean isV4Mapped(final byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /**
     * Queues datagram {@code slot} of the last {@link #receive}, as it is in its slot (position 0,
     * {@code length} bytes), as send entry {@code index}, to {@code destination}.
     *
     * @param index the send entry, 0 to {@link #SLOTS} - 1, filled in order from 0
     * @param cache the sending socket's cache: {@code destination} is encoded (allocating) only
     *     when it is not the object last queued with it
     */
    public void queue(final int index, final int slot, final int length, final @NotNull InetSocketAddress destination,
                      final @NotNull AddressCache cache) {
        if (destination != cache.destination) {
            final byte[] raw = destination.getAddress().getAddress();
            final byte[] into = cache.destinationBytes;
            if (raw.length == 4) { // IPv4-mapped, RFC 4291 §2.5.5.2
                Arrays.fill(into, 0, 10, (byte) 0);
                into[10] = (byte) 0xff;
                into[11] = (byte) 0xff;
                System.arraycopy(raw, 0, into, 12, 4);
            } else {
                System.arraycopy(raw, 0, into, 0, 16);
            }
            cache.destinationHigh = nativeLong(into, 0);
            cache.destinationLow = nativeLong(into, 8);
            cache.destinationScope = destination.getAddress() instanceof Inet6Address v6 ? v6.getScopeId() : 0;
            cache.destination = destination;
        }
        final int entry = SEND_BASE + index * ENTRY_BYTES;
        table.putInt(entry, slot);
        table.putInt(entry + 4, length);
        table.putInt(entry + 8, destination.getPort());
        table.putInt(entry + 12, cache.destinationScope);
        // two long writes, not a bulk put of the 16 bytes: under C1 (the launcher's compiler) a
        // bulk copy between an array and native memory is a call into the JVM per datagram
        table.putLong(entry + 16, cache.destinationHigh);
        table.putLong(entry + 24, cache.destinationLow);
        queuedLength[index] = length;
    }

    /**
     * Copies {@code reply} (position to limit; at most {@link #SLOT_BYTES}) into datagram
     * {@code slot}'s own slot, over it, and queues it as send entry {@code index} back to that
     * datagram's source, taken from its receive entry: nothing is decoded or encoded.
     *
     * @param index the send entry, 0 to {@link #SLOTS} - 1, filled in order from 0
     */
    public void queueReply(final int index, final int slot, final @NotNull ByteBuffer reply) {
        final int length = reply.remaining();
        final ByteBuffer into = slots[slot];
        into.clear();
        into.put(reply);
        final int from = slot * ENTRY_BYTES;
        final int entry = SEND_BASE + index * ENTRY_BYTES;
        table.putInt(entry, slot);
        table.putInt(entry + 4, length);
        table.putInt(entry + 8, table.getInt(from + 4));
        table.putInt(entry + 12, table.getInt(from + 8));
        table.putLong(entry + 16, table.getLong(from + 16));
        table.putLong(entry + 24, table.getLong(from + 24));
        queuedLength[index] = length;
    }

    /**
     * Sends send entries 0 to {@code count - 1} from the socket {@code fd}, without blocking.
     *
     * @param ipv6 whether {@code fd} is an IPv6 socket ({@link #isIpv6Socket})
     * @return the index of the first entry not tried (a full socket buffer ends the call); entries
     *     before it were sent unless {@link #failed}
     */
    public int send(final int fd, final boolean ipv6, final int count) {
        return send(fd, ipv6, handle, count);
    }

    /** @return whether send entry {@code index} was refused by the kernel in the last {@link #send} */
    public boolean failed(final int index) {
        return table.getInt(SEND_BASE + index * ENTRY_BYTES + 4) < 0;
    }

    /** @return the length send entry {@code index} was queued with */
    public int queuedLength(final int index) {
        return queuedLength[index];
    }

    /** Frees the batch's memory; the instance must not be used afterwards. */
    void free() {
        if (!closed) {
            closed = true;
            destroy(handle);
        }
    }

    /**
     * Loads the library from the jar (copied to a temporary file, loaded, and deleted again).
     *
     * @return null when loaded, else why not
     */
    private static @Nullable String load() {
        final String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (!os.contains("linux")) {
            return "not Linux (" + os + ")";
        }
        final String resource = "native/linux-" + System.getProperty("os.arch", "") + "/libbatcheddatagramio.so";
        try (InputStream in = BatchedDatagramIo.class.getResourceAsStream(resource)) {
            if (in == null) {
                return "no library for this CPU architecture in the jar (" + resource + ")";
            }
            final Path file = Files.createTempFile("switchboard-batcheddatagramio-", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                System.load(file.toAbsolutePath().toString());
            } finally {
                Files.deleteIfExists(file); // the mapping stays; nothing is left behind
            }
            return null;
        } catch (final IOException | LinkageError | SecurityException e) {
            return e.toString();
        }
    }

    private static native long create(int slots, int slotBytes, int entryBytes);

    private static native ByteBuffer data(long handle);

    private static native ByteBuffer meta(long handle);

    private static native void destroy(long handle);

    private static native int fd(DatagramChannel channel);

    private static native int family(int fd);

    private static native int receive(int fd, long handle);

    private static native int send(int fd, boolean ipv6, long handle, int count);
}
