package dev.switchboard.node.stun;

import dev.switchboard.node.config.NodeConfig;
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
import java.util.concurrent.TimeUnit;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's STUN Binding service (RFC 8489) on one UDP socket: answers Binding requests with
 * XOR-MAPPED-ADDRESS of the source and FINGERPRINT, drops and counts everything else, and tells a
 * {@link StunBindingListener} about every answered source ({@link StunResponder} holds the rules).
 * The socket is a non-blocking JDK {@link DatagramChannel} served by one Netty NIO event loop:
 * each request is received into one reused direct buffer and answered from another, so a request
 * costs no allocation (the JDK reuses the sender address object while the sender stays the same).
 *
 * <pre>{@code
 * try (StunServer stun = StunServer.start(config.stun(), provenAddresses::markProven)) { ... }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} is idempotent and waits (bounded) for the socket to close.
 */
public final class StunServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StunServer.class);
    /** Requests read per readiness event before the loop looks at its task queue. */
    private static final int READ_BUDGET = 64;
    /** Receive and send buffer asked for (the kernel caps it at net.core.rmem_max / wmem_max). */
    private static final int SOCKET_BUFFER_BYTES = 4 << 20;

    private final NioEventLoopGroup group;
    private final DatagramChannel channel;
    private final InetSocketAddress localAddress;
    private final StunResponder responder;
    private final Predicate<InetAddress> admits;
    /** Event loop only. */
    private final ByteBuffer request = ByteBuffer.allocateDirect(StunResponder.MAX_DATAGRAM + 1);
    /** Event loop only. */
    private final ByteBuffer response = ByteBuffer.allocateDirect(StunResponder.MAX_RESPONSE);

    private StunServer(final NioEventLoopGroup group, final DatagramChannel channel,
                       final StunResponder responder, final Predicate<InetAddress> admits) throws IOException {
        this.admits = admits;
        this.group = group;
        this.channel = channel;
        this.localAddress = (InetSocketAddress) channel.getLocalAddress();
        this.responder = responder;
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
     * @param listener told about each answered source (on the I/O thread)
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
     *               Called on the I/O thread for every datagram: quick, thread-safe, never blocking.
     */
    public static @NotNull StunServer start(final @NotNull NodeConfig.Stun settings,
                                            final @NotNull StunBindingListener listener,
                                            final @NotNull Predicate<InetAddress> admits) {
        final InetSocketAddress bindAddress = new InetSocketAddress(settings.bind(), settings.port());
        final NioEventLoopGroup group = new NioEventLoopGroup(1, new DefaultThreadFactory("stun", true));
        DatagramChannel channel = null;
        try {
            channel = settings.bind() instanceof Inet4Address && !settings.bind().isAnyLocalAddress()
                    ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.SO_RCVBUF, SOCKET_BUFFER_BYTES);
            channel.setOption(StandardSocketOptions.SO_SNDBUF, SOCKET_BUFFER_BYTES);
            channel.bind(bindAddress);
            final StunServer server = new StunServer(group, channel, new StunResponder(listener, null), admits);
            ((NioEventLoop) group.next()).register(channel, SelectionKey.OP_READ, server.new Reader());
            LOG.info("STUN service listening on UDP port {}", server.localAddress().getPort());
            return server;
        } catch (final IOException | RuntimeException e) {
            if (channel != null) {
                try {
                    channel.close();
                } catch (final IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot bind STUN service to UDP port " + settings.port(), e);
        }
    }

    /** Reads the requests that arrived and answers each, on the event loop. */
    private final class Reader implements NioTask<DatagramChannel> {
        @Override
        public void channelReady(final DatagramChannel ch, final SelectionKey key) {
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
     * @return whether the socket is bound and open and its I/O thread runs (for readiness checks);
     *     callable from any thread
     */
    public boolean isServing() {
        return channel.isOpen() && !group.isShuttingDown();
    }

    /** @return a snapshot of the counters; callable from any thread */
    public @NotNull StunServerCounters counters() {
        return responder.counters();
    }

    /** Closes the socket and stops the I/O thread; waits at most a few seconds. Idempotent. */
    @Override
    public void close() {
        try {
            channel.close();
        } catch (final IOException e) {
            LOG.debug("closing the STUN socket failed: {}", e.toString());
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
