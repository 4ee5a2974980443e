package dev.switchboard.node.relay.udp;

import dev.switchboard.node.relay.PortPool;
import dev.switchboard.node.relay.Relay;
import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.RelayConfig;
import dev.switchboard.node.relay.RelayLimitException;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.relay.SessionRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP relay: opens sessions of two ports each from the configured range and forwards between
 * proven endpoints (see {@link RelaySession}). Uses native epoll when available, NIO otherwise.
 *
 * <pre>{@code
 * ProvenAddresses proven = new ProvenAddresses(Duration.ofMinutes(2), 65_536);
 * StunServer stun = StunServer.start(stunConfig, proven::markProven);
 * UdpRelay relay = new UdpRelay(RelayConfig.defaults(), proven);
 * RelaySession s = relay.open(SessionKey.of(roomId, peerA, peerB), peerA, peerB);
 * InetSocketAddress aAsSeenByB = s.advertisedAddress(peerA); // into A's SDP for B
 * s.setIceCredentials(peerA, ufragA, pwdA);                   // from A's SDP
 * }</pre>
 *
 * <p>Forwarding rules: what arrives on pB from A leaves from pA to B and vice versa; a source is
 * accepted for a side once it sent a valid ICE check for this session (USERNAME
 * "ufragOfReceiver:ufragOfSender", MESSAGE-INTEGRITY with the receiver's ice-pwd, RFC 8445 §7.2.2)
 * or was answered by our STUN service within the {@link ProvenAddresses} window. Packets from
 * anyone else are dropped and counted; packets are only sent to proven addresses: the latest
 * proven source of the other side (ICE-proven ones take precedence over STUN-proven ones), and
 * STUN responses go to the source of the matching request.
 *
 * <p>Thread-safe. {@link #open} binds two sockets synchronously (fast, but call it from a worker
 * thread, not from a Netty I/O thread). Sessions idle for {@link RelayConfig#idleTimeout()} are
 * closed by a periodic task; closing a session frees its ports once the sockets are closed.
 */
public final class UdpRelay implements Relay {
    private static final Logger LOG = LoggerFactory.getLogger(UdpRelay.class);

    private final RelayConfig config;
    private final ProvenAddresses provenAddresses;
    private final PortPool ports;
    private final EventLoopGroup group;
    private final boolean epoll;
    private final SessionRegistry<UdpRelaySession> registry;
    /** Not an event loop: the sweep takes the relay lock, which {@link #open} holds while binding on the loops. */
    private final ScheduledExecutorService idleSweep;
    private boolean shutDown;

    /**
     * Starts the relay's event loops and idle sweeper; ports are bound per session.
     *
     * @param config validated settings
     * @param provenAddresses addresses answered by our STUN service (shared with it)
     */
    public UdpRelay(final @NotNull RelayConfig config, final @NotNull ProvenAddresses provenAddresses) {
        this.config = config;
        this.provenAddresses = provenAddresses;
        this.ports = new PortPool(config.ports());
        this.registry = new SessionRegistry<>(config.maxSessions(), config.maxSessionsPerPeer());
        this.epoll = Epoll.isAvailable();
        final DefaultThreadFactory threads = new DefaultThreadFactory("relay", true);
        this.group = epoll ? new EpollEventLoopGroup(config.ioThreads(), threads)
                : new NioEventLoopGroup(config.ioThreads(), threads);
        final long periodNanos = Math.max(Duration.ofMillis(50).toNanos(),
                Math.min(Duration.ofSeconds(5).toNanos(), config.idleTimeout().toNanos() / 4));
        this.idleSweep = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("relay-idle", true));
        idleSweep.scheduleAtFixedRate(this::closeIdleSessions, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        LOG.info("UDP relay ready: ports {}, up to {} sessions ({} per peer), idle timeout {} ({})",
                config.ports(), config.maxSessions(), config.maxSessionsPerPeer(), config.idleTimeout(),
                epoll ? "epoll" : "nio");
    }

    /**
     * {@inheritDoc}
     *
     * <p>For now this binds the two ports on the caller's thread under the relay's lock and
     * returns a completed future.
     */
    @Override
    public @NotNull CompletableFuture<RelaySession> open(final @NotNull SessionKey key, final @NotNull String peerA,
                                                         final @NotNull String peerB) {
        if (!key.equals(SessionKey.of(key.context(), peerA, peerB))) {
            throw new IllegalArgumentException("session key " + key + " does not name peers " + peerA + " and " + peerB);
        }
        try {
            return CompletableFuture.completedFuture(openNow(key, peerA, peerB));
        } catch (final RelayLimitException | IllegalStateException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private @NotNull RelaySession openNow(final @NotNull SessionKey key, final @NotNull String peerA,
                                          final @NotNull String peerB) throws RelayLimitException {
        if (!key.equals(SessionKey.of(key.context(), peerA, peerB))) {
            throw new IllegalArgumentException("session key " + key + " does not name peers " + peerA + " and " + peerB);
        }
        synchronized (this) {
            if (shutDown) {
                throw new IllegalStateException("relay is closed");
            }
            final UdpRelaySession existing = registry.get(key);
            if (existing != null) {
                registry.join(key, peerA);
                return existing;
            }
            registry.checkCapacity(key, peerA);
            final EventLoop loop = group.next(); // both ports on one loop: the session state needs no locks
            final UdpRelaySession session = new UdpRelaySession(this, key, peerA, peerB, provenAddresses);
            final Channel portA = bindPort(loop, session, session.legB); // B sends to pA
            if (portA == null) {
                throw portsExhausted();
            }
            final Channel portB = bindPort(loop, session, session.legA); // A sends to pB
            if (portB == null) {
                closeAndRelease(portA);
                throw portsExhausted();
            }
            session.attach(portA, portB,
                    new InetSocketAddress(config.advertisedHost(), localPort(portA)),
                    new InetSocketAddress(config.advertisedHost(), localPort(portB)));
            registry.put(key, peerA, session);
            portA.config().setAutoRead(true);
            portB.config().setAutoRead(true);
            LOG.debug("opened relay session {} for {} and {}", session, peerA, peerB);
            return session;
        }
    }

    @Override
    public synchronized @Nullable RelaySession session(final @NotNull SessionKey key) {
        return registry.get(key);
    }

    @Override
    public synchronized @NotNull List<RelaySession> sessionsOf(final @NotNull String peerId) {
        return List.copyOf(registry.sessionsOf(peerId));
    }

    @Override
    public synchronized @NotNull List<RelaySession> sessions() {
        return List.copyOf(registry.all());
    }

    @Override
    public synchronized int sessionCount() {
        return registry.size();
    }

    /** @return ports of the range not in use (ports of closing sessions count as in use until closed) */
    public int availablePorts() {
        return ports.available();
    }

    /** Closes every session and stops the event loops; waits a few seconds at most. Idempotent. */
    @Override
    public void close() {
        final List<UdpRelaySession> sessions;
        synchronized (this) {
            if (shutDown) {
                return;
            }
            shutDown = true;
            sessions = registry.all();
        }
        idleSweep.shutdownNow();
        sessions.forEach(UdpRelaySession::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /** Called once by {@link UdpRelaySession#close()}. */
    void closed(final UdpRelaySession session) {
        synchronized (this) {
            registry.remove(session.key(), session);
        }
        final Channel portA = session.portA();
        final Channel portB = session.portB();
        if (portA != null) {
            closeAndRelease(portA);
        }
        if (portB != null) {
            closeAndRelease(portB);
        }
        LOG.debug("closed relay session {} ({})", session.key(), session.counters());
    }

    private void closeIdleSessions() {
        try {
            final List<UdpRelaySession> idle;
            synchronized (this) {
                idle = registry.idle(System.nanoTime(), config.idleTimeout(), UdpRelaySession::lastActivityNanos);
            }
            for (final UdpRelaySession s : idle) {
                LOG.debug("relay session {} idle for {}, closing", s.key(), config.idleTimeout());
                s.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("relay idle sweep failed (will retry)", e); // never let the periodic task die
        }
    }

    /** Binds the next bindable port of the pool on {@code loop}, reading off; null when none is left. */
    private @Nullable Channel bindPort(final EventLoop loop, final UdpRelaySession session, final UdpRelaySession.Leg leg) {
        for (int attempt = 0; attempt < config.ports().size(); attempt++) {
            final int port = ports.acquire();
            if (port < 0) {
                return null;
            }
            final ChannelFuture bind = new Bootstrap().group(loop)
                    .channel(epoll ? EpollDatagramChannel.class : NioDatagramChannel.class)
                    .option(ChannelOption.AUTO_READ, false)
                    .handler(new RelayPortHandler(session, leg))
                    .bind(new InetSocketAddress(config.bindAddress(), port))
                    .awaitUninterruptibly();
            if (bind.isSuccess()) {
                return bind.channel();
            }
            ports.release(port); // in use by someone else: skip it, the pool's cursor moved on
            LOG.debug("relay port {} not bindable, skipping: {}", port, String.valueOf(bind.cause()));
        }
        return null;
    }

    private void closeAndRelease(final Channel channel) {
        final int port = localPort(channel);
        channel.close().addListener(f -> ports.release(port));
    }

    private static int localPort(final Channel channel) {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    private RelayLimitException portsExhausted() {
        return new RelayLimitException(RelayLimitException.Reason.PORTS_EXHAUSTED,
                "no two free UDP ports left in relay range " + config.ports());
    }
}
