package dev.switchboard.node.relay.udp;

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
import java.util.Locale;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * Batched datagram I/O for relay ports: up to {@link #SLOTS} datagrams per {@code recvmmsg(2)}
 * and per {@code sendmmsg(2)} call, which the JDK's {@link DatagramChannel} lacks (it makes one
 * system call per datagram). The calls are made by a small JNI library built with the node
 * ({@code src/main/c/batched_datagram_io.c}) on the sockets of ordinary {@link DatagramChannel}s,
 * which stay registered with the relay's event loops for readiness.
 *
 * <p>One instance per event loop thread, used only by it: it owns {@link #SLOTS} receive slots of
 * {@link #SLOT_BYTES} bytes (so no datagram is ever truncated; the memory is mapped, and only the
 * pages datagrams are written to become resident) and a table of receive and send entries. A
 * forwarded datagram is sent from the slot it arrived in: no copy. No method allocates.
 *
 * <p>Where the library cannot be loaded (not Linux, another CPU architecture than the build's, a
 * temporary directory mounted {@code noexec}), {@link #isAvailable()} is false and the relay
 * makes one system call per datagram instead ({@link #unavailableReason()} says why).
 */
final class BatchedDatagramIo implements AutoCloseable {
    /** Datagrams per receive or send call (the C forwarder the bench compares with uses as many). */
    static final int SLOTS = 64;
    /** Bytes per receive slot: more than the largest UDP payload (65,507 bytes over IPv4). */
    static final int SLOT_BYTES = 65_536;
    /** Bytes per receive or send entry in the shared table (layout in the C file's comment). */
    private static final int ENTRY_BYTES = 32;
    private static final int SEND_BASE = SLOTS * ENTRY_BYTES;
    /** Linux errno values the callers tell apart. */
    static final int EAGAIN = 11;
    private static final int AF_INET6 = 10;

    private static final @Nullable String UNAVAILABLE = load();

    private final long handle;
    /** Receive entries, then send entries; native byte order. */
    private final ByteBuffer table;
    /** One view per slot over the mapped receive memory. */
    private final ByteBuffer[] slots = new ByteBuffer[SLOTS];
    /** The length of each queued send entry as routed (a failed send overwrites the entry's). */
    private final int[] queuedLength = new int[SLOTS];
    private final byte[] addressBytes = new byte[16];
    private boolean closed;

    private BatchedDatagramIo(final long handle) {
        this.handle = handle;
        this.table = meta(handle).order(ByteOrder.nativeOrder());
        final ByteBuffer data = data(handle);
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = data.slice(i * SLOT_BYTES, SLOT_BYTES);
        }
    }

    /** @return whether the native library is loaded, so that {@link #create()} can succeed */
    static boolean isAvailable() {
        return UNAVAILABLE == null;
    }

    /** @return why the native library is not loaded, or null when it is */
    static @Nullable String unavailableReason() {
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
    static int fileDescriptor(final @NotNull DatagramChannel channel) {
        return isAvailable() ? fd(channel) : -1;
    }

    /** @return whether the socket {@code fd} is an IPv6 (dual-stack) socket rather than an IPv4 one */
    static boolean isIpv6Socket(final int fd) {
        return family(fd) == AF_INET6;
    }

    /**
     * Receives what is waiting on {@code fd}, without blocking.
     *
     * @return how many datagrams arrived (1 to {@link #SLOTS}), each in its slot with its entry
     *     ({@link #length}, {@link #sameSource}, {@link #source}); or minus the errno
     *     ({@code -}{@link #EAGAIN}: nothing was waiting)
     */
    int receive(final int fd) {
        return receive(fd, handle);
    }

    /** @return the length of datagram {@code i} of the last {@link #receive}; -1 if it had no IP source */
    int length(final int i) {
        return table.getInt(i * ENTRY_BYTES);
    }

    /**
     * @return datagram {@code i} of the last {@link #receive}: a reused view of its slot, position
     *     0, limit its length
     */
    @NotNull ByteBuffer datagram(final int i, final int length) {
        final ByteBuffer slot = slots[i];
        slot.clear().limit(length);
        return slot;
    }

    /** @return whether datagram {@code i}'s source is {@code cached} (compared by address, port and scope) */
    boolean sameSource(final int i, final @Nullable InetSocketAddress cached, final long cachedHigh,
                       final long cachedLow, final long cachedPortAndScope) {
        final int entry = i * ENTRY_BYTES;
        return cached != null && table.getLong(entry + 16) == cachedHigh && table.getLong(entry + 24) == cachedLow
                && portAndScope(entry) == cachedPortAndScope;
    }

    /** @return datagram {@code i}'s source address as {@link #sameSource} compares it: the first 8 bytes */
    long sourceHigh(final int i) {
        return table.getLong(i * ENTRY_BYTES + 16);
    }

    /** @return the last 8 bytes of datagram {@code i}'s source address */
    long sourceLow(final int i) {
        return table.getLong(i * ENTRY_BYTES + 24);
    }

    /** @return datagram {@code i}'s source port (high 32 bits) and scope id (low 32 bits) */
    long sourcePortAndScope(final int i) {
        return portAndScope(i * ENTRY_BYTES);
    }

    private long portAndScope(final int entry) {
        return (long) table.getInt(entry + 4) << 32 | table.getInt(entry + 8) & 0xffff_ffffL;
    }

    /**
     * Decodes datagram {@code i}'s source, as {@link DatagramChannel#receive} would return it: an
     * IPv4-mapped address becomes an {@code Inet4Address}. Allocates; callers keep the result for
     * the next datagrams from the same source.
     */
    @NotNull InetSocketAddress source(final int i) {
        final int entry = i * ENTRY_BYTES;
        table.get(entry + 16, addressBytes);
        final int port = table.getInt(entry + 4);
        final int scope = table.getInt(entry + 8);
        try {
            final InetAddress address = scope != 0 && !isV4Mapped(addressBytes)
                    ? Inet6Address.getByAddress(null, addressBytes, scope)
                    : InetAddress.getByAddress(addressBytes); // IPv4-mapped: an Inet4Address
            return new InetSocketAddress(address, port);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException("16 address bytes refused", e); // cannot happen: the length is right
        }
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
     * Encodes {@code destination} as the send entries expect it (IPv6; an IPv4 address IPv4-mapped)
     * into {@code into} (16 bytes). Allocates (the JDK copies an address's bytes); callers keep
     * the result for the next datagrams to the same destination.
     */
    static void encode(final @NotNull InetSocketAddress destination, final byte @NotNull [] into) {
        final byte[] raw = destination.getAddress().getAddress();
        if (raw.length == 4) {
            java.util.Arrays.fill(into, 0, 10, (byte) 0);
            into[10] = (byte) 0xff;
            into[11] = (byte) 0xff;
            System.arraycopy(raw, 0, into, 12, 4);
        } else {
            System.arraycopy(raw, 0, into, 0, 16);
        }
    }

    /**
     * Queues datagram {@code slot} of the last {@link #receive} as send entry {@code index}.
     *
     * @param address the destination's 16 bytes from {@link #encode}
     * @param port the destination port
     * @param scope the destination's IPv6 scope id, or 0
     */
    void queue(final int index, final int slot, final int length, final byte @NotNull [] address, final int port,
               final int scope) {
        final int entry = SEND_BASE + index * ENTRY_BYTES;
        table.putInt(entry, slot);
        table.putInt(entry + 4, length);
        table.putInt(entry + 8, port);
        table.putInt(entry + 12, scope);
        table.put(entry + 16, address);
        queuedLength[index] = length;
    }

    /**
     * Sends send entries 0 to {@code count - 1} from the socket {@code fd}, without blocking.
     *
     * @param ipv6 whether {@code fd} is an IPv6 socket ({@link #isIpv6Socket})
     * @return the index of the first entry not tried (a full socket buffer ends the call); entries
     *     before it were sent unless {@link #failed}
     */
    int send(final int fd, final boolean ipv6, final int count) {
        return send(fd, ipv6, handle, count);
    }

    /** @return whether send entry {@code index} was refused by the kernel in the last {@link #send} */
    boolean failed(final int index) {
        return table.getInt(SEND_BASE + index * ENTRY_BYTES + 4) < 0;
    }

    /** @return the length send entry {@code index} was queued with */
    int queuedLength(final int index) {
        return queuedLength[index];
    }

    /** Frees the batch's memory; the instance must not be used afterwards. */
    @Override
    public void close() {
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
