package dev.switchboard.node.relay.udp;

import dev.switchboard.node.relay.IceCredentials;
import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.RelayCounters;
import dev.switchboard.node.relay.RelayLeg;
import dev.switchboard.node.relay.RelayRouting;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.udp.BatchedDatagramIo;
import io.netty.channel.nio.NioEventLoop;
import io.netty.channel.nio.NioTask;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link RelaySession} of the UDP relay: two non-blocking {@link DatagramChannel}s registered
 * on one Netty {@link NioEventLoop} (as {@link NioTask}s) around the pure {@link RelayRouting},
 * which holds every proof, destination and counter rule. This class only reads datagrams, asks
 * the routing where they go and sends them.
 *
 * <p>Life cycle: created (and registered, which reserves its place in the limits) by
 * {@link UdpRelay#open}; its two ports are then bound on its event loop; {@link #ready}
 * completes once both are bound. {@link #close()} may come at any point, also while binding: the
 * future then fails, and every port bound so far is closed and returned to the pool.
 *
 * <p>Threading: {@link #readBatch}, the channels and the binding steps run only on the session's
 * event loop, so the per-packet path needs no locks. The public methods may be called from any
 * thread.
 *
 * <p>Two I/O paths, the same routing. Where {@link BatchedDatagramIo} is loaded (the default on
 * Linux), one {@code recvmmsg} reads up to {@link BatchedDatagramIo#SLOTS} datagrams into the event
 * loop's batch and one {@code sendmmsg} sends every one the routing forwards, from the slot it
 * arrived in; each port keeps the last source it decoded and the last destination it encoded, so a
 * steady flow costs no object. Otherwise each datagram is received into the event loop's one
 * direct buffer ({@code recvfrom} straight into it), the JDK hands back the sender address it
 * cached for that channel (a new object only when the sender differs from the previous one on that
 * port), and the send encodes the destination (IPv4-mapped on a dual-stack socket) into the
 * channel's native address buffer. Either way the routing reads the datagram in place and the path
 * allocates nothing per forwarded packet. No Netty {@code DatagramPacket}, no pooled buffer, no
 * write queue and no flush: a send that finds the socket buffer full drops the datagram (counted
 * as "other"), as a full write queue did before.
 */
final class UdpRelaySession implements RelaySession {
    private static final Logger LOG = LoggerFactory.getLogger(UdpRelaySession.class);
    /** Datagrams read per readiness event before the loop serves its other channels. */
    static final int READ_BUDGET = 64;
    /** Largest UDP payload: a datagram is never truncated. */
    static final int MAX_DATAGRAM = 65_535;
    /** One receive buffer per event loop thread, reused for every datagram on it. */
    private static final FastThreadLocal<ByteBuffer> RECEIVE_BUFFER = new FastThreadLocal<>() {
        @Override
        protected ByteBuffer initialValue() {
            return ByteBuffer.allocateDirect(MAX_DATAGRAM);
        }
    };

    /** One of the two relay ports: the leg whose datagrams arrive on it, and its channel. */
    static final class Port implements NioTask<DatagramChannel> {
        private final UdpRelaySession session;
        /** The leg of the peer that sends to this port. */
        final RelayLeg leg;
        Port other;
        /** Set once bound, on the event loop; null while binding and once closed. */
        DatagramChannel channel;
        /** The bound port number, or 0. */
        int number;
        /** The channel's socket for {@link BatchedDatagramIo}, or -1 (not batched, or closed). */
        int fd = -1;
        /** Whether {@link #fd} is an IPv6 (dual-stack) socket. */
        boolean ipv6;
        /** The last source decoded on this port and the last destination encoded from it. */
        final BatchedDatagramIo.AddressCache addresses = new BatchedDatagramIo.AddressCache();

        /** Readiness events served on this port (event loop only; for tests). */
        long readyEvents;

        Port(final UdpRelaySession session, final RelayLeg leg) {
            this.session = session;
            this.leg = leg;
        }

        @Override
        public void channelReady(final DatagramChannel ch, final SelectionKey key) {
            readyEvents++;
            session.readBatch(this, ch);
        }

        @Override
        public void channelUnregistered(final DatagramChannel ch, final @Nullable Throwable cause) {
            // the event loop is shutting down (or the key was cancelled): make sure the socket closes
            if (ch.isOpen()) {
                session.closeQuietly(ch);
            }
        }
    }

    private final UdpRelay relay;
    private final SessionKey key;
    private final NioEventLoop loop;
    private final RelayRouting routing;
    /** Port pA: B sends to it (leg B); what arrives here leaves from pB. */
    final Port portA;
    /** Port pB: A sends to it (leg A). */
    final Port portB;
    /** Completes with this session once both ports are bound, or fails. */
    final CompletableFuture<RelaySession> ready = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean bound;
    /** {@link #setBlocked}: while true, every datagram is read and dropped. */
    private volatile boolean blocked;
    private volatile InetSocketAddress advertisedA;
    private volatile InetSocketAddress advertisedB;

    UdpRelaySession(final UdpRelay relay, final SessionKey key, final String peerA, final String peerB,
                    final ProvenAddresses provenAddresses, final NioEventLoop loop) {
        this.relay = relay;
        this.key = key;
        this.loop = loop;
        this.routing = new RelayRouting(peerA, peerB, provenAddresses, relay.ownEndpoints(), System.nanoTime());
        this.portA = new Port(this, routing.legB());
        this.portB = new Port(this, routing.legA());
        portA.other = portB;
        portB.other = portA;
    }

    NioEventLoop loop() {
        return loop;
    }

    /**
     * Event loop only: both ports are bound. Starts reading and completes {@link #ready} on the
     * relay's control thread, unless the session was closed meanwhile.
     */
    void bound(final InetSocketAddress advertisedA, final InetSocketAddress advertisedB) {
        if (closed.get()) {
            return; // close() failed the future; its cleanup task closes the channels
        }
        this.advertisedA = advertisedA;
        this.advertisedB = advertisedB;
        bound = true;
        loop.register(portA.channel, SelectionKey.OP_READ, portA);
        loop.register(portB.channel, SelectionKey.OP_READ, portB);
        relay.offLoop(() -> ready.complete(this)); // dependent stages must not run where packets are forwarded
    }

    /** Event loop only (a bind failed): fails {@link #ready} with {@code cause} and closes the session. */
    void fail(final Throwable cause) {
        close(cause);
    }

    /** @return whether both ports are bound and the session was handed out (and may since have closed) */
    boolean isBound() {
        return bound;
    }

    /**
     * Event loop only: reads up to {@link #READ_BUDGET} datagrams that arrived on {@code at} and
     * forwards each that the routing accepts from the other port. Never throws; allocation-free
     * per datagram (see the class comment).
     */
    void readBatch(final Port at, final DatagramChannel ch) {
        if (at.fd >= 0) {
            final BatchedDatagramIo batch = BatchedDatagramIo.forThisThread();
            if (batch != null) {
                readBatched(at, ch, batch);
                return;
            }
        }
        final ByteBuffer buffer = RECEIVE_BUFFER.get();
        final Port out = at.other;
        final long now = System.nanoTime();
        for (int i = 0; i < READ_BUDGET; i++) {
            final InetSocketAddress source;
            buffer.clear();
            try {
                source = (InetSocketAddress) ch.receive(buffer);
            } catch (final IOException | RuntimeException e) {
                LOG.debug("relay port read error in {} (session continues): {}", key, e.toString());
                return;
            }
            if (source == null) {
                return; // drained
            }
            if (blocked) {
                continue; // setBlocked: read and dropped, as if the path went dark
            }
            buffer.flip();
            final DatagramChannel send = out.channel;
            final InetSocketAddress destination = routing.route(at.leg, source, buffer, send != null, now);
            final int length = buffer.remaining();
            if (destination != null && !sendTo(send, buffer, destination)) {
                routing.unsent(at.leg, length);
            }
            releaseHeld(at, ch, buffer, now);
        }
    }

    /**
     * Event loop only: {@link #readBatch} with one {@code recvmmsg} for up to
     * {@link BatchedDatagramIo#SLOTS} datagrams and one {@code sendmmsg} for all of them that the
     * routing forwards (they all leave from the other port), each sent from the slot it arrived
     * in. The routing sees each datagram exactly as on the other path. Allocation-free while the
     * source on {@code at} and the destination from the other port stay the same (each port
     * keeps the last one decoded and encoded, as the JDK does for a channel's last sender).
     */
    private void readBatched(final Port at, final DatagramChannel ch, final BatchedDatagramIo batch) {
        final int received = batch.receive(at.fd);
        if (received <= 0) {
            if (received != -BatchedDatagramIo.EAGAIN) {
                LOG.debug("relay port read error in {} (session continues): errno {}", key, -received);
            }
            return;
        }
        final Port out = at.other;
        // the other port's channel and socket: both set together on this loop, cleared together on close
        final boolean canSend = out.channel != null && out.fd >= 0;
        final long now = System.nanoTime();
        int queued = 0;
        for (int i = 0; i < received; i++) {
            final ByteBuffer datagram = batch.datagram(i);
            if (blocked || datagram == null) {
                continue; // setBlocked: read and dropped, as if the path went dark; or no IP source
            }
            final InetSocketAddress source = batch.source(i, at.addresses);
            final int length = datagram.remaining();
            final InetSocketAddress destination = routing.route(at.leg, source, datagram, canSend, now);
            if (destination != null) {
                batch.queue(queued++, i, length, destination, out.addresses);
            }
            if (routing.heldCount() > 0) { // only at a session's start: the first checks
                releaseHeld(at, ch, RECEIVE_BUFFER.get(), now);
            }
        }
        if (queued > 0) {
            final int tried = batch.send(out.fd, out.ipv6, queued);
            for (int j = 0; j < queued; j++) {
                if (j >= tried || batch.failed(j)) {
                    routing.unsent(at.leg, batch.queuedLength(j));
                }
            }
        }
    }

    /**
     * Sends the datagrams the other side sent toward {@code at}'s peer before its address was
     * known (the first ICE checks), now that it may be: from {@code at}'s own port, which is the
     * port that peer sends to. Reuses {@code buffer}; allocation-free.
     */
    private void releaseHeld(final Port at, final DatagramChannel ch, final ByteBuffer buffer, final long now) {
        for (InetSocketAddress to; (to = routing.releaseHeld(at.leg, buffer, now)) != null; ) {
            final int length = buffer.remaining();
            if (!sendTo(ch, buffer, to)) {
                routing.unsent(routing.other(at.leg), length);
            }
        }
    }

    /** @return whether the datagram left; false when the socket buffer was full or the send failed */
    private boolean sendTo(final DatagramChannel channel, final ByteBuffer datagram,
                           final InetSocketAddress destination) {
        try {
            return channel.send(datagram, destination) > 0 || !datagram.hasRemaining();
        } catch (final IOException | RuntimeException e) {
            // e.g. an ICMP error surfacing on the next send, or an address family the socket cannot reach
            LOG.debug("relay send error in {} (session continues): {}", key, e.toString());
            return false;
        }
    }

    long lastActivityNanos() {
        return routing.lastActivityNanos();
    }

    @Override
    public void setBlocked(final boolean blocked) {
        this.blocked = blocked;
    }

    /**
     * For tests: how many readiness events both ports have served, read on the event loop.
     *
     * @throws Exception if the event loop has shut down or the wait is interrupted
     */
    long readyEvents() throws Exception {
        return loop.submit(() -> portA.readyEvents + portB.readyEvents).get();
    }

    /** For tests: the pure state behind this session. */
    RelayRouting routing() {
        return routing;
    }

    @Override
    public @NotNull SessionKey key() {
        return key;
    }

    @Override
    public @NotNull String peerA() {
        return routing.legA().peer();
    }

    @Override
    public @NotNull String peerB() {
        return routing.legB().peer();
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException while the ports are still binding (the session is handed out
     *     only once they are bound)
     */
    @Override
    public @NotNull InetSocketAddress advertisedAddress(final @NotNull String peerId) {
        final boolean a = routing.legOf(peerId) == routing.legA();
        final InetSocketAddress address = a ? advertisedA : advertisedB;
        if (address == null) {
            throw new IllegalStateException("relay session " + key + " has no ports yet");
        }
        return address;
    }

    @Override
    public void setIceCredentials(final @NotNull String peerId, final @NotNull IceCredentials credentials) {
        routing.setIceCredentials(peerId, credentials);
    }

    @Override
    public void permitPeerRelay(final @NotNull String peerId, final @NotNull InetSocketAddress peerRelay) {
        routing.permitPeerRelay(peerId, peerRelay);
    }

    @Override
    public @NotNull RelayCounters counters() {
        return routing.counters();
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public void close() {
        close(null);
    }

    /**
     * Closes once: unregisters, fails {@link #ready} if still pending (with {@code whyPending}, or
     * a plain "closed while binding" error), and closes the bound channels on the event loop.
     * Called on the event loop (a failed bind, for one), it fails {@link #ready} on the relay's
     * control thread, like its completion: the stages waiting on it (the signaling service's
     * refusal, the broker applying it) never run where packets are forwarded.
     */
    void close(final @Nullable Throwable whyPending) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!ready.isDone()) { // a session handed out long ago needs no exception (and its stack trace)
            final Throwable why = whyPending != null ? whyPending
                    : new IllegalStateException("relay session " + key + " was closed while its ports were binding");
            if (loop.inEventLoop()) {
                relay.offLoop(() -> ready.completeExceptionally(why));
            } else {
                ready.completeExceptionally(why);
            }
        }
        relay.closed(this);
        try {
            loop.execute(this::closeChannels);
        } catch (final RejectedExecutionException e) {
            // the relay's event loops are shutting down and close every channel themselves
        }
    }

    /** Event loop only: closes the channels bound so far and returns their ports. */
    private void closeChannels() {
        for (final Port port : new Port[] {portA, portB}) {
            final DatagramChannel channel = port.channel;
            if (channel != null) {
                port.channel = null;
                port.fd = -1;
                relay.closeAndRelease(loop, channel, port.number);
            }
        }
    }

    /** Closes {@code channel}, logging rather than throwing. */
    void closeQuietly(final DatagramChannel channel) {
        try {
            channel.close();
        } catch (final IOException e) {
            LOG.debug("closing a relay port of {} failed: {}", key, e.toString());
        }
    }

    /**
     * Event loop only: a port finished binding. @return false when the session closed meanwhile
     * (the caller then closes the channel itself)
     */
    boolean attach(final Port port, final DatagramChannel channel, final int number) {
        if (closed.get()) {
            return false;
        }
        port.channel = channel;
        port.number = number;
        if (relay.batchedIo()) {
            final int fd = BatchedDatagramIo.fileDescriptor(channel);
            if (fd >= 0) {
                port.ipv6 = BatchedDatagramIo.isIpv6Socket(fd);
                port.fd = fd;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        final InetSocketAddress a = advertisedA;
        final InetSocketAddress b = advertisedB;
        return "UdpRelaySession[" + key + (a == null || b == null ? ", binding"
                : ", pA=" + a.getPort() + ", pB=" + b.getPort()) + "]";
    }
}
