package dev.switchboard.node.relay.udp;

import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.relay.NodeEndpoints;
import dev.switchboard.node.relay.PortPool;
import dev.switchboard.node.relay.RelayHolders;
import dev.switchboard.node.relay.Relay;
import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.RelayCounters;
import dev.switchboard.node.relay.RelayLimitException;
import dev.switchboard.node.relay.RelayTotals;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.relay.SessionRegistry;
import dev.switchboard.node.udp.BatchedDatagramIo;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoop;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The UDP relay: opens sessions of two ports each from the configured range and forwards between
 * proven endpoints (see {@link RelaySession}). The ports are plain non-blocking JDK
 * {@link DatagramChannel}s served by Netty NIO event loops, read and written in batches of up to
 * 64 datagrams per system call ({@link BatchedDatagramIo}, unless its
 * {@link BatchedDatagramIo#PROPERTY} is false or the library cannot load), which lets the forwarding path run without any allocation per
 * datagram (see {@link UdpRelaySession}); each port asks for
 * {@link NodeConfig.Relay#socketBufferBytes()} of receive and send buffer.
 *
 * <pre>{@code
 * ProvenAddresses proven = new ProvenAddresses(Duration.ofMinutes(2), 65_536);
 * StunServer stun = StunServer.start(stunConfig, proven::markProven);
 * UdpRelay relay = new UdpRelay(config.relay(), proven);
 * relay.open(SessionKey.of(roomId, peerA, peerB), peerA, peerB).thenAcceptAsync(s -> {
 *     InetSocketAddress aAsSeenByB = s.advertisedAddress(peerA); // into A's SDP for B
 *     s.setIceCredentials(peerA, ufragA, pwdA);               // from A's SDP
 * }, executor);
 * }</pre>
 *
 * <p>Forwarding rules: what arrives on pB from A leaves from pA to B and vice versa; a source is
 * accepted for a side once it sent a valid ICE check for this session (USERNAME
 * "ufragOfReceiver:ufragOfSender", MESSAGE-INTEGRITY with the receiver's ice-pwd, RFC 8445 §7.2.2)
 * or was answered by our STUN service within the {@link ProvenAddresses} window. Packets from
 * anyone else are dropped and counted; packets are only sent to proven addresses: the latest
 * proven source of the other side (ICE-proven ones take precedence over STUN-proven ones), and
 * STUN responses go to the source of the matching request. Those rules live in the pure
 * {@link dev.switchboard.node.relay.RelayRouting}; this class and {@link UdpRelaySession} only
 * move datagrams.
 *
 * <p>Thread-safe. {@link #open} never blocks and takes the relay's lock only for bookkeeping; the
 * ports bind asynchronously on the relay's event loops. Sessions idle for
 * {@link NodeConfig.Relay#idleTimeout()} are closed by a periodic task; closing a session frees its
 * place in the limits at once and its ports once the sockets are closed.
 */
public final class UdpRelay implements Relay {
    private static final Logger LOG = LoggerFactory.getLogger(UdpRelay.class);

    /** Event loop threads when not given: min(4, CPUs); all relay ports share them. */
    public static final int DEFAULT_IO_THREADS = Math.min(4, Runtime.getRuntime().availableProcessors());

    private final NodeConfig.Relay config;
    private final boolean batchedIo;
    private final ProvenAddresses provenAddresses;
    private final PortPool ports;
    private final NodeEndpoints ownEndpoints;
    private final NioEventLoopGroup group;
    private final SessionRegistry<UdpRelaySession> registry;
    /**
     * Not an event loop: runs the idle sweep (which takes the relay lock and closes sessions) and
     * completes {@link #open}'s futures, so neither runs where packets are forwarded.
     */
    private final ScheduledExecutorService control;
    private boolean shutDown;
    /** Counters of the sessions closed so far, added when each closes (guarded by this). */
    private long closedPacketsAtoB;
    private long closedBytesAtoB;
    private long closedPacketsBtoA;
    private long closedBytesBtoA;
    private long closedDroppedUnproven;
    private long closedDroppedOther;

    /**
     * Starts the relay's event loops ({@link #DEFAULT_IO_THREADS}) and idle sweeper; ports are
     * bound per session.
     *
     * @param config the validated {@code relay} section of the node's configuration
     * @param provenAddresses addresses answered by our STUN service (shared with it)
     */
    public UdpRelay(final @NotNull NodeConfig.Relay config, final @NotNull ProvenAddresses provenAddresses) {
        this(config, DEFAULT_IO_THREADS, provenAddresses);
    }

    /**
     * Starts the relay's event loops and idle sweeper; ports are bound per session.
     *
     * @param config the validated {@code relay} section of the node's configuration
     * @param ioThreads event loop threads for all relay ports, at least 1
     * @param provenAddresses addresses answered by our STUN service (shared with it)
     * @throws IllegalArgumentException if {@code ioThreads} is below 1
     */
    public UdpRelay(final @NotNull NodeConfig.Relay config, final int ioThreads,
                    final @NotNull ProvenAddresses provenAddresses) {
        this(config, ioThreads, provenAddresses, BatchedDatagramIo.enabledByProperty());
    }

    /**
     * As {@link #UdpRelay(NodeConfig.Relay, int, ProvenAddresses)}, choosing the I/O path.
     *
     * @param batchedIo whether ports receive and send with {@code recvmmsg}/{@code sendmmsg}
     *     ({@link BatchedDatagramIo}) where the library is available; false: one system call per
     *     datagram through the JDK's channel methods
     */
    UdpRelay(final @NotNull NodeConfig.Relay config, final int ioThreads,
             final @NotNull ProvenAddresses provenAddresses, final boolean batchedIo) {
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be at least 1: " + ioThreads);
        }
        this.config = config;
        // relay.stunProof false: a set our STUN service never writes to, so only ICE checks prove
        this.provenAddresses = config.stunProof() ? provenAddresses : new ProvenAddresses(Duration.ofSeconds(1), 1);
        this.ports = new PortPool(config.portRange());
        this.ownEndpoints = new NodeEndpoints(NodeEndpoints.addressesOf(config.bind(), config.advertisedHost()),
                ports::isInUse);
        this.registry = new SessionRegistry<>(config.maxSessions(), config.maxSessionsPerPeer(),
                config.maxSessionsPerAddress());
        this.group = new NioEventLoopGroup(ioThreads, new DefaultThreadFactory("relay", true));
        final long periodNanos = Math.max(Duration.ofMillis(50).toNanos(), Math.min(Duration.ofSeconds(5).toNanos(),
                Math.min(config.idleTimeout().toNanos(), config.halfOpenTimeout().toNanos()) / 4));
        this.control = Executors.newSingleThreadScheduledExecutor(new DefaultThreadFactory("relay-control", true));
        control.scheduleAtFixedRate(this::closeIdleSessions, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        this.batchedIo = batchedIo && BatchedDatagramIo.isAvailable();
        LOG.info("UDP relay ready: ports {}, up to {} sessions ({} per peer), idle timeout {}, {} I/O threads, {}",
                config.portRange(), config.maxSessions(), config.maxSessionsPerPeer(), config.idleTimeout(),
                ioThreads, BatchedDatagramIo.describe(batchedIo));
    }

    /** @return whether new ports use {@link BatchedDatagramIo} */
    boolean batchedIo() {
        return batchedIo;
    }

    /**
     * {@inheritDoc}
     *
     * <p>Never blocks: under the relay's lock (held for a map lookup and a limit check, never
     * while a socket binds) it joins the session for {@code key} or reserves a new one, which then
     * counts against the limits; the two ports are bound asynchronously on the session's event
     * loop, skipping ports that another process holds. The future completes once both are bound,
     * on the relay's single control thread (never an event loop, so stages added without an
     * executor do not delay forwarding; they do delay other opens' completions, so keep them
     * short or use an {@code *Async} method with an executor of your own). A failed bind fails it
     * there too; a close fails it on the thread that closed the session (on the control thread if
     * that was the event loop). Concurrent opens of one key all get the same session.
     * If binding fails (no bindable ports left), the reservation and any port bound so far are
     * released and the future fails with {@link RelayLimitException} ({@code PORTS_EXHAUSTED});
     * if the session is closed first ({@link #closeSessionsOf}, {@link #close}), it fails with
     * {@link IllegalStateException}.
     */
    @Override
    public @NotNull CompletableFuture<RelaySession> open(final @NotNull SessionKey key, final @NotNull String peerA,
                                                         final @Nullable InetAddress address,
                                                         final @NotNull String peerB) {
        if (!key.equals(SessionKey.of(key.context(), peerA, peerB))) {
            throw new IllegalArgumentException("session key " + key + " does not name peers " + peerA + " and " + peerB);
        }
        final UdpRelaySession session;
        synchronized (this) {
            if (shutDown) {
                return CompletableFuture.failedFuture(new IllegalStateException("relay is closed"));
            }
            try {
                final UdpRelaySession existing = registry.get(key);
                if (existing != null) {
                    registry.join(key, peerA, address);
                    return existing.ready;
                }
                registry.checkCapacity(key, peerA, address);
            } catch (final RelayLimitException e) {
                return CompletableFuture.failedFuture(e);
            }
            // both ports on one loop: the session state needs no locks
            session = new UdpRelaySession(this, key, peerA, peerB, provenAddresses, (NioEventLoop) group.next());
            registry.put(key, peerA, address, session, System.nanoTime());
        }
        try {
            session.loop().execute(() -> bindPort(session, session.portA, 0)); // B sends to pA
        } catch (final RejectedExecutionException e) {
            session.close(new IllegalStateException("relay is closed"));
        }
        return session.ready;
    }

    /**
     * Event loop only: binds the next port of the pool for {@code port}, then pB after pA, then
     * hands the session out. A port another process holds is skipped (the pool's cursor moved on),
     * up to one try per port in the range. The next step runs as a new task, so that a close
     * queued meanwhile is seen.
     */
    private void bindPort(final UdpRelaySession session, final UdpRelaySession.Port port, final int attempt) {
        if (!session.isOpen()) {
            return;
        }
        final int number = attempt < config.portRange().size() ? ports.acquire() : -1;
        if (number < 0) {
            session.fail(portsExhausted());
            return;
        }
        final DatagramChannel channel;
        try {
            channel = openPort(number);
        } catch (final IOException | RuntimeException e) {
            ports.release(number);
            LOG.debug("relay port {} not bindable, skipping: {}", number, e.toString());
            session.loop().execute(() -> bindPort(session, port, attempt + 1));
            return;
        }
        if (!session.attach(port, channel, number)) {
            closeAndRelease(session.loop(), channel, number); // closed while binding
            return;
        }
        if (port == session.portA) {
            session.loop().execute(() -> bindPort(session, session.portB, 0)); // A sends to pB
        } else {
            session.bound(new InetSocketAddress(config.advertisedHost(), session.portA.number),
                    new InetSocketAddress(config.advertisedHost(), number));
            LOG.debug("opened relay session {}", session);
        }
    }

    /** Opens a non-blocking UDP socket bound to {@code number} on the relay's address. */
    private DatagramChannel openPort(final int number) throws IOException {
        final InetAddress bind = config.bind();
        // an IPv4 address that is not the wildcard gets an IPv4 socket; otherwise the dual-stack default
        final DatagramChannel channel = bind instanceof Inet4Address && !bind.isAnyLocalAddress()
                ? DatagramChannel.open(StandardProtocolFamily.INET) : DatagramChannel.open();
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.SO_RCVBUF, config.socketBufferBytes());
            channel.setOption(StandardSocketOptions.SO_SNDBUF, config.socketBufferBytes());
            channel.bind(new InetSocketAddress(bind, number));
            return channel;
        } catch (final IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * @return the node's own endpoints, which no session accepts as a source or destination: the
     *     relay's ports in use, and the service ports the node adds ({@link NodeEndpoints#addServicePort})
     */
    public @NotNull NodeEndpoints ownEndpoints() {
        return ownEndpoints;
    }

    /** @return who holds the sessions, per peer id and per source address (see {@link RelayHolders}) */
    public synchronized @NotNull RelayHolders holders() {
        final java.util.Map<String, Integer> byAddress = new java.util.HashMap<>();
        registry.countsByAddress().forEach((address, n) -> byAddress.put(address.getHostAddress(), n));
        return RelayHolders.of(registry.countsByPeer(), byAddress);
    }

    @Override
    public synchronized @Nullable RelaySession session(final @NotNull SessionKey key) {
        final UdpRelaySession s = registry.get(key);
        return s != null && s.isBound() ? s : null;
    }

    @Override
    public synchronized @NotNull List<RelaySession> sessionsOf(final @NotNull String peerId) {
        return bound(registry.sessionsOf(peerId));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Also closes the sessions of {@code peerId} whose ports are still binding (their futures
     * fail); only the ones already handed out are counted.
     */
    @Override
    public int closeSessionsOf(final @NotNull String peerId) {
        final List<UdpRelaySession> all;
        synchronized (this) {
            all = registry.sessionsOf(peerId);
        }
        int handedOut = 0;
        for (final UdpRelaySession s : all) {
            if (s.isBound()) {
                handedOut++;
            }
            s.close();
        }
        return handedOut;
    }

    @Override
    public synchronized @NotNull List<RelaySession> sessions() {
        return bound(registry.all());
    }

    @Override
    public synchronized int sessionCount() {
        int n = 0;
        for (final UdpRelaySession s : registry.all()) {
            n += s.isBound() ? 1 : 0;
        }
        return n;
    }

    /** @return sessions opened so far plus those still binding: what counts against the limits */
    public synchronized int reservedSessions() {
        return registry.size();
    }

    private static List<RelaySession> bound(final List<UdpRelaySession> sessions) {
        final List<RelaySession> result = new ArrayList<>(sessions.size());
        for (final UdpRelaySession s : sessions) {
            if (s.isBound()) {
                result.add(s);
            }
        }
        return List.copyOf(result);
    }

    /** Runs {@code task} on the control thread; inline once the relay is closing. */
    void offLoop(final Runnable task) {
        try {
            control.execute(task);
        } catch (final RejectedExecutionException e) {
            task.run();
        }
    }

    /** For tests: the event loops the ports are bound and served on. */
    EventLoopGroup eventLoops() {
        return group;
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
        control.shutdownNow();
        final IllegalStateException closing = new IllegalStateException("relay is closed");
        sessions.forEach(s -> s.close(closing));
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    /**
     * The relay's traffic since start: the counters of the open sessions (and those still
     * binding) plus those of every closed session, read under the relay's lock so that a session
     * closing meanwhile is counted exactly once; the totals never go backwards. Costs one pass
     * over the open sessions; for scrapes and status, not for the forwarding path.
     *
     * @return the totals; callable from any thread
     */
    public synchronized @NotNull RelayTotals totals() {
        long packetsAtoB = closedPacketsAtoB;
        long bytesAtoB = closedBytesAtoB;
        long packetsBtoA = closedPacketsBtoA;
        long bytesBtoA = closedBytesBtoA;
        long droppedUnproven = closedDroppedUnproven;
        long droppedOther = closedDroppedOther;
        int open = 0;
        for (final UdpRelaySession s : registry.all()) {
            final RelayCounters c = s.counters();
            packetsAtoB += c.packetsAtoB();
            bytesAtoB += c.bytesAtoB();
            packetsBtoA += c.packetsBtoA();
            bytesBtoA += c.bytesBtoA();
            droppedUnproven += c.droppedUnproven();
            droppedOther += c.droppedOther();
            open += s.isBound() ? 1 : 0;
        }
        return new RelayTotals(open, packetsAtoB + packetsBtoA, bytesAtoB + bytesBtoA, droppedUnproven,
                droppedOther);
    }

    /**
     * @return whether the relay can open sessions and forward: not closed, its event loops and
     *     control thread running (for readiness checks); callable from any thread
     */
    public synchronized boolean isServing() {
        return !shutDown && !group.isShuttingDown() && !control.isShutdown();
    }

    /** Called once by {@link UdpRelaySession#close}: frees its place in the limits. */
    void closed(final UdpRelaySession session) {
        synchronized (this) {
            if (registry.remove(session.key(), session)) {
                final RelayCounters c = session.counters();
                closedPacketsAtoB += c.packetsAtoB();
                closedBytesAtoB += c.bytesAtoB();
                closedPacketsBtoA += c.packetsBtoA();
                closedBytesBtoA += c.bytesBtoA();
                closedDroppedUnproven += c.droppedUnproven();
                closedDroppedOther += c.droppedOther();
            }
        }
        LOG.debug("closed relay session {} ({})", session.key(), session.counters());
    }

    private void closeIdleSessions() {
        try {
            final List<UdpRelaySession> idle;
            final List<UdpRelaySession> halfOpen;
            synchronized (this) {
                final long now = System.nanoTime();
                idle = registry.idle(now, config.idleTimeout(), UdpRelaySession::lastActivityNanos);
                halfOpen = registry.halfOpen(now, config.halfOpenTimeout());
            }
            for (final UdpRelaySession s : idle) {
                LOG.debug("relay session {} idle for {}, closing", s.key(), config.idleTimeout());
                s.close();
            }
            for (final UdpRelaySession s : halfOpen) {
                LOG.debug("relay session {} unanswered for {}, closing", s.key(), config.halfOpenTimeout());
                s.close();
            }
        } catch (RuntimeException e) {
            LOG.warn("relay idle sweep failed (will retry)", e); // never let the periodic task die
        }
    }

    /**
     * Event loop only: closes {@code channel} and returns its port to the pool. A channel that is
     * registered with the loop's selector releases its socket when the selector next runs, which
     * it does before the loop runs the task that returns the port.
     */
    void closeAndRelease(final NioEventLoop loop, final DatagramChannel channel, final int number) {
        try {
            channel.close();
        } catch (final IOException e) {
            LOG.debug("closing relay port {} failed: {}", number, e.toString());
        }
        try {
            loop.execute(() -> ports.release(number));
        } catch (final RejectedExecutionException e) {
            ports.release(number); // shutting down: the loop closes its selector and every socket
        }
    }

    private RelayLimitException portsExhausted() {
        return new RelayLimitException(RelayLimitException.Reason.PORTS_EXHAUSTED,
                "no two free UDP ports left in relay range " + config.portRange());
    }
}
