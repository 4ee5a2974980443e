package dev.switchboard.node.stun;

import dev.switchboard.node.config.NodeConfig;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's STUN Binding service (RFC 8489) on one UDP socket: answers Binding requests with
 * XOR-MAPPED-ADDRESS of the source and FINGERPRINT, drops and counts everything else, and tells a
 * {@link StunBindingListener} about every answered source. Uses native epoll when available,
 * NIO otherwise.
 *
 * <pre>{@code
 * try (StunServer stun = StunServer.start(config.stun(), provenAddresses::markProven)) { ... }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} is idempotent and waits (bounded) for the socket to close.
 */
public final class StunServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StunServer.class);

    private final EventLoopGroup group;
    private final Channel channel;
    private final StunServerHandler handler;

    private StunServer(final EventLoopGroup group, final Channel channel, final StunServerHandler handler) {
        this.group = group;
        this.channel = channel;
        this.handler = handler;
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
        final InetSocketAddress bindAddress = new InetSocketAddress(settings.bind(), settings.port());
        final boolean epoll = Epoll.isAvailable();
        final DefaultThreadFactory threads = new DefaultThreadFactory("stun", true);
        final EventLoopGroup group = epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
        final StunServerHandler handler = new StunServerHandler(listener, null);
        final ChannelFuture bind = new Bootstrap().group(group)
                .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                .handler(handler)
                .bind(bindAddress);
        bind.awaitUninterruptibly();
        if (!bind.isSuccess()) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IllegalStateException("cannot bind STUN service to UDP port "
                    + settings.port(), bind.cause());
        }
        final StunServer server = new StunServer(group, bind.channel(), handler);
        LOG.info("STUN service listening on UDP port {} ({})", server.localAddress().getPort(), epoll ? "epoll" : "nio");
        return server;
    }

    /** @return the bound local address, with the real port when 0 was configured */
    public @NotNull InetSocketAddress localAddress() {
        return (InetSocketAddress) channel.localAddress();
    }

    /**
     * @return whether the socket is bound and open and its I/O thread runs (for readiness checks);
     *     callable from any thread
     */
    public boolean isServing() {
        return channel.isActive() && !group.isShuttingDown();
    }

    /** @return a snapshot of the counters; callable from any thread */
    public @NotNull StunServerCounters counters() {
        return handler.counters();
    }

    /** Closes the socket and stops the I/O thread; waits at most a few seconds. Idempotent. */
    @Override
    public void close() {
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }
}
