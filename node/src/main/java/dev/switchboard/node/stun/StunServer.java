package dev.switchboard.node.stun;

import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.udp.BatchedDatagramIo;
import io.netty.channel.nio.NioEventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.nio.NioTask;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.function.Predicate;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's STUN Binding service (RFC 8489): answers Binding requests with XOR-MAPPED-ADDRESS of
 * the source and FINGERPRINT, drops and counts everything else, and tells a
 * {@link StunBindingListener} about every answered source ({@link StunResponder} holds the rules).
 *
 * <p>The port is served by one non-blocking JDK {@link DatagramChannel} per Netty NIO event loop,
 * as many as the machine has cores up to {@value #MAX_SOCKETS}, all bound to the same address and
 * port with {@code SO_REUSEPORT}: the kernel spreads the sources over them by a hash of the
 * source and destination, so one client always meets the same socket and the service uses several
 * cores, as coturn's listener threads do. Where {@code SO_REUSEPORT} is not available, one socket
 * serves the port. Each socket reads up to 64 requests per system call and sends their answers
 * with one more ({@link BatchedDatagramIo}; where it cannot load, one request per call into the
 * loop's reused direct buffer); a request costs no allocation while its sender stays the same (a
 * new sender costs its address object). {@code SO_REUSEPORT} lets only processes of the same user
 * join the port (Linux), so another user cannot take a share of the requests.
 *
 * <pre>{@code
 * try (StunServer stun = StunServer.start(config.stun(), provenAddresses::markProven)) { ... }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} is idempotent and waits (bounded) for the sockets to close.
 */
public final class StunServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StunServer.class);
    /** Requests read per readiness event before the loop looks at its task queue. */
    private static final int READ_BUDGET = 64;
    /** Receive and send buffer asked for (the kernel caps it at net.core.rmem_max / wmem_max). */
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;
    /** Most sockets (and I/O threads) serving the port. */
    static final int MAX_SOCKETS = 4;

    private final NioEventLoopGroup group;
    private final List<Socket> sockets;
    private final InetSocketAddress localAddress;

    private StunServer(final NioEventLoopGroup group, final List<Socket> sockets) {
        this.group = group;
        this.sockets = sockets;
        this.localAddress = sockets.get(0).localAddress;
    }

    /**
     * Binds the socket and starts answering. Blocks until bound.
     *
     * <p>Responses carry no SOFTWARE attribute, which keeps them small (RFC 8489 §14.14 makes it
     * optional).
     *
     * @param settings the {@code stun} section: bind address and UDP port; port 0 picks a free
     *                 port (read the real one from {@link #localAddress()}); the usual port is 3478
     *                 (RFC 8489 §18.6)
     * @param listener told about each answered source (on an I/O thread; several I/O threads may
     *                 call it at once, so it must be thread-safe)
     * @return the running service
     * @throws IllegalStateException when the socket cannot be bound (message names the port)
     */
    public static @NotNull StunServer start(final @NotNull NodeConfig.Stun settings,
                                            final @NotNull StunBindingListener listener) {
        return start(settings, listener, address -> true);
    }

    /**
     * As {@link #start(NodeConfig.Stun, StunBindingListener)}, answering only the sources the node
     * admits.
     *
     * @param admits whether a source address may be answered (the node's allow-lists and scanner
     *               blocking); a refused source gets no answer at all, as if nothing listened.
     *               Called on the I/O threads for every datagram: quick, thread-safe, never blocking.
     */
    public static @NotNull StunServer start(final @NotNull NodeConfig.Stun settings,
                                            final @NotNull StunBindingListener listener,
                                            final @NotNull Predicate<InetAddress> admits) {
        return start(settings, listener, admits, Math.min(Runtime.getRuntime().availableProcessors(), MAX_SOCKETS),
                BatchedDatagramIo.enabledByProperty());
    }

    /**
     * As {@link #start(NodeConfig.Stun, StunBindingListener, Predicate)} with the number of sockets
     * given (tests; 1 when {@code SO_REUSEPORT} is not available).
     *
     * @param sockets sockets and I/O threads serving the port, 1..{@value #MAX_SOCKETS}
     * @param batched whether to read and answer with {@code recvmmsg}/{@code sendmmsg}
     *     ({@link BatchedDatagramIo}) where the library loads
     * @throws IllegalArgumentException when {@code sockets} is out of range
     */
    static @NotNull StunServer start(final @NotNull NodeConfig.Stun settings,
                                     final @NotNull StunBindingListener listener,
                                     final @NotNull Predicate<InetAddress> admits, final int sockets,
                                     final boolean batched) {
        if (sockets < 1 || sockets > MAX_SOCKETS) {
            throw new IllegalArgumentException("STUN sockets must be 1.." + MAX_SOCKETS + ", not " + sockets);
        }
        final List<Socket> bound = new ArrayList<>(sockets);
        NioEventLoopGroup group = null;
        try {
            InetSocketAddress bindAddress = new InetSocketAddress(settings.bind(), settings.port());
            boolean reusePort = sockets > 1;
            for (int i = 0; i < (reusePort ? sockets : 1); i++) {
                final DatagramChannel channel = open(settings);
                final Socket socket = new Socket(channel, new StunResponder(listener, null), admits);
                bound.add(socket);
                if (i == 0) {
                    reusePort &= channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
                    if (reusePort && settings.port() != 0) {
                        ensureFree(settings, bindAddress);
                    }
                }
                channel.configureBlocking(false);
                channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
                channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
                if (reusePort) {
                    channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
                }
                channel.bind(bindAddress);
                socket.localAddress = (InetSocketAddress) channel.getLocalAddress();
                if (batched) {
                    socket.useBatches();
                }
                bindAddress = socket.localAddress; // the others join the port the first one got
            }
            // one event loop (and selector) per socket actually bound
            group = new NioEventLoopGroup(bound.size(), new DefaultThreadFactory("stun", true));
            for (final Socket socket : bound) {
                ((NioEventLoop) group.next()).register(socket.channel, SelectionKey.OP_READ, socket);
            }
            final StunServer server = new StunServer(group, List.copyOf(bound));
            LOG.info("STUN service listening on UDP port {} ({} socket{}, {})", server.localAddress().getPort(),
                    bound.size(), bound.size() == 1 ? "" : "s", BatchedDatagramIo.describe(batched));
            return server;
        } catch (final IOException | RuntimeException e) {
            for (final Socket socket : bound) {
                try {
                    socket.channel.close();
                } catch (final IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            if (group != null) {
                group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            throw new IllegalStateException("cannot bind STUN service to UDP port " + settings.port(), e);
        }
    }

    /**
     * Binds and closes a plain socket on the port, so that a port another process holds (another
     * node of the same user, with {@code SO_REUSEPORT} too) fails the start instead of being shared.
     */
    private static void ensureFree(final NodeConfig.Stun settings, final InetSocketAddress address) throws IOException {
        try (DatagramChannel probe = open(settings)) {
            probe.bind(address);
        }
    }

    private static DatagramChannel open(final NodeConfig.Stun settings) throws IOException {
        return settings.bind() instanceof Inet4Address && !settings.bind().isAnyLocalAddress()
                ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
    }

    /** One socket of the port with its own responder and buffers; reads and answers on its event loop. */
    private static final class Socket implements NioTask<DatagramChannel> {
        private final DatagramChannel channel;
        private final StunResponder responder;
        private final Predicate<InetAddress> admits;
        /** Event loop only. */
        private final ByteBuffer request = ByteBuffer.allocateDirect(StunResponder.MAX_DATAGRAM + 1);
        /** Event loop only. */
        private final ByteBuffer response = ByteBuffer.allocateDirect(StunResponder.MAX_RESPONSE);
        private InetSocketAddress localAddress;
        /** The channel's socket for {@link BatchedDatagramIo}, or -1 (one call per datagram). */
        private int fd = -1;
        private boolean ipv6;
        /** Event loop only: the last source decoded in a batch. */
        private final BatchedDatagramIo.AddressCache addresses = new BatchedDatagramIo.AddressCache();

        Socket(final DatagramChannel channel, final StunResponder responder, final Predicate<InetAddress> admits) {
            this.channel = channel;
            this.responder = responder;
            this.admits = admits;
        }

        /** Once bound, before it is registered: reads and answers in batches where the library is loaded. */
        void useBatches() {
            final int socket = BatchedDatagramIo.fileDescriptor(channel);
            if (socket >= 0) {
                ipv6 = BatchedDatagramIo.isIpv6Socket(socket);
                fd = socket;
            }
        }

        @Override
        public void channelReady(final DatagramChannel ch, final SelectionKey key) {
            if (fd >= 0) {
                final BatchedDatagramIo batch = BatchedDatagramIo.forThisThread();
                if (batch != null) {
                    answerBatch(batch);
                    return;
                }
            }
            for (int i = 0; i < READ_BUDGET; i++) {
                final InetSocketAddress source;
                request.clear();
                try {
                    source = (InetSocketAddress) ch.receive(request);
                    if (source == null) {
                        return; // drained
                    }
                    if (!admits.test(source.getAddress())) {
                        continue; // outside the allow-lists or blocked: silence, as if nothing listened
                    }
                    request.flip();
                    if (responder.answer(request, source, response)) {
                        ch.send(response, source); // a full socket buffer drops it: the client retransmits
                    }
                } catch (final IOException | RuntimeException e) {
                    // one bad read or write (an ICMP error, say) must not stop the service
                    LOG.debug("STUN socket error (service continues): {}", e.toString());
                }
            }
        }

        /**
         * {@link #channelReady} with one {@code recvmmsg} for up to {@link BatchedDatagramIo#SLOTS}
         * requests and one {@code sendmmsg} for their answers, each answer written over its
         * request's slot and sent to the request's source as received (nothing encoded). The
         * responder sees each request exactly as on the other path.
         */
        private void answerBatch(final BatchedDatagramIo batch) {
            final int received = batch.receive(fd);
            if (received <= 0) {
                if (received != -BatchedDatagramIo.EAGAIN) {
                    LOG.debug("STUN socket read error (service continues): errno {}", -received);
                }
                return;
            }
            int queued = 0;
            for (int i = 0; i < received; i++) {
                final ByteBuffer datagram = batch.datagram(i);
                if (datagram == null) {
                    continue; // no IP source
                }
                final InetSocketAddress source = batch.source(i, addresses);
                if (!admits.test(source.getAddress())) {
                    continue; // outside the allow-lists or blocked: silence, as if nothing listened
                }
                try {
                    if (responder.answer(datagram, source, response)) {
                        batch.queueReply(queued++, i, response);
                    }
                } catch (final RuntimeException e) {
                    LOG.debug("STUN request failed (service continues): {}", e.toString());
                }
            }
            if (queued > 0) {
                batch.send(fd, ipv6, queued); // a full socket buffer drops the rest: the clients retransmit
            }
        }

        @Override
        public void channelUnregistered(final DatagramChannel ch, final @Nullable Throwable cause) {
            try {
                ch.close();
            } catch (final IOException e) {
                LOG.debug("closing the STUN socket failed: {}", e.toString());
            }
        }
    }

    /** @return the bound local address, with the real port when 0 was configured */
    public @NotNull InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * @return whether every socket is bound and open and the I/O threads run (for readiness
     *     checks); callable from any thread
     */
    public boolean isServing() {
        for (final Socket socket : sockets) {
            if (!socket.channel.isOpen()) {
                return false;
            }
        }
        return !group.isShuttingDown();
    }

    /** @return a snapshot of the counters, summed over the sockets; callable from any thread */
    public @NotNull StunServerCounters counters() {
        long answered = 0;
        long malformed = 0;
        long ignored = 0;
        for (final Socket socket : sockets) {
            final StunServerCounters c = socket.responder.counters();
            answered += c.answered();
            malformed += c.droppedMalformed();
            ignored += c.ignored();
        }
        return new StunServerCounters(answered, malformed, ignored);
    }

    /** @return requests answered by each socket, in socket order (tests); any thread */
    long[] answeredPerSocket() {
        final long[] answered = new long[sockets.size()];
        for (int i = 0; i < answered.length; i++) {
            answered[i] = sockets.get(i).responder.counters().answered();
        }
        return answered;
    }

    /** Closes the sockets and stops the I/O threads; waits at most a few seconds. Idempotent. */
    @Override
    public void close() {
        for (final Socket socket : sockets) {
            try {
                socket.channel.close();
            } catch (final IOException e) {
                LOG.debug("closing the STUN socket failed: {}", e.toString());
            }
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
