package dev.switchboard.node.relay.udp;

import dev.switchboard.node.relay.IceCredentials;
import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.RelayCounters;
import dev.switchboard.node.relay.RelayLeg;
import dev.switchboard.node.relay.RelayRouting;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * The Netty-backed {@link RelaySession}: two UDP channels on one event loop around the pure
 * {@link RelayRouting}, which holds every proof, destination and counter rule. This class only
 * reads datagrams, asks the routing where they go and writes them.
 *
 * <p>Life cycle: created (and registered, which reserves its place in the limits) by
 * {@link UdpRelay#open}; its two ports are then bound asynchronously on its event loop;
 * {@link #ready} completes once both are bound. {@link #close()} may come at any point, also while
 * binding: the future then fails, and every port bound so far is closed and returned to the pool.
 *
 * <p>Threading: {@link #forward}, the channels and the binding steps run only on the session's
 * event loop (both channels are registered on it), so the per-packet path needs no locks. The
 * public methods may be called from any thread.
 *
 * <p>Per forwarded packet the path allocates nothing of its own apart from the
 * {@link DatagramPacket} envelope Netty needs for an addressed write; the pooled payload buffer
 * is passed through with {@code retain()}, never copied, and the routing reads it through
 * {@link ByteBuf#internalNioBuffer}, a view Netty keeps with the (recycled) pooled buffer (STUN
 * Binding requests, only, are copied into a reused scratch array to verify MESSAGE-INTEGRITY). A
 * reusable envelope of our own would avoid that allocation, but Netty's epoll transport batches
 * sends with {@code sendmmsg} only for {@link DatagramPacket}s, so it would trade a short-lived
 * object for one syscall per packet; the relay benchmarks should decide. (Netty's receive path
 * allocates its own packet and sender address per datagram either way.)
 */
final class UdpRelaySession implements RelaySession {

    /** One of the two relay ports: the leg whose datagrams arrive on it, and its channel. */
    static final class Port {
        /** The leg of the peer that sends to this port. */
        final RelayLeg leg;
        Port other;
        /** Set once bound, on the event loop; null while binding. */
        Channel channel;
        /** Event loop only. */
        boolean flushPending;

        Port(final RelayLeg leg) {
            this.leg = leg;
        }
    }

    private final UdpRelay relay;
    private final SessionKey key;
    private final EventLoop loop;
    private final RelayRouting routing;
    /** Port pA: B sends to it (leg B); what arrives here leaves from pB. */
    final Port portA;
    /** Port pB: A sends to it (leg A). */
    final Port portB;
    /** Completes with this session once both ports are bound, or fails. */
    final CompletableFuture<RelaySession> ready = new CompletableFuture<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile boolean bound;
    private volatile InetSocketAddress advertisedA;
    private volatile InetSocketAddress advertisedB;

    UdpRelaySession(final UdpRelay relay, final SessionKey key, final String peerA, final String peerB,
                    final ProvenAddresses provenAddresses, final EventLoop loop) {
        this.relay = relay;
        this.key = key;
        this.loop = loop;
        this.routing = new RelayRouting(peerA, peerB, provenAddresses, relay.ownEndpoints(), System.nanoTime());
        this.portA = new Port(routing.legB());
        this.portB = new Port(routing.legA());
        portA.other = portB;
        portB.other = portA;
    }

    EventLoop loop() {
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
        portA.channel.config().setAutoRead(true);
        portB.channel.config().setAutoRead(true);
        relay.offLoop(() -> ready.complete(this)); // dependent stages must not run where packets are forwarded
    }

    /** Fails {@link #ready} with {@code cause} and closes the session (releasing what was bound). */
    void fail(final Throwable cause) {
        close(cause);
    }

    /** @return whether both ports are bound and the session was handed out (and may since have closed) */
    boolean isBound() {
        return bound;
    }

    /**
     * Handles one datagram that arrived on {@code at}; event loop only. Does not release
     * {@code packet}; retains its content when forwarding.
     */
    void forward(final Port at, final DatagramPacket packet) {
        final ByteBuf buf = packet.content();
        final Port out = at.other;
        final Channel channel = out.channel;
        final InetSocketAddress destination = routing.route(at.leg, packet.sender(), view(buf),
                channel != null && channel.isWritable(), System.nanoTime());
        if (destination == null) {
            return;
        }
        channel.write(new DatagramPacket(buf.retain(), destination), channel.voidPromise());
        out.flushPending = true;
    }

    /**
     * The readable bytes as a ByteBuffer without copying: for the single-buffer datagrams every
     * transport reads, Netty's internal view, which it keeps and recycles with the pooled buffer
     * (no allocation); otherwise a fresh view.
     */
    private static ByteBuffer view(final ByteBuf buf) {
        return buf.nioBufferCount() == 1 ? buf.internalNioBuffer(buf.readerIndex(), buf.readableBytes())
                : buf.nioBuffer();
    }

    /** Flushes writes queued on {@code port} during a read batch; event loop only. */
    static void flushIfPending(final Port port) {
        if (port.flushPending && port.channel != null) {
            port.flushPending = false;
            port.channel.flush();
        }
    }

    long lastActivityNanos() {
        return routing.lastActivityNanos();
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
     */
    void close(final @Nullable Throwable whyPending) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        ready.completeExceptionally(whyPending != null ? whyPending
                : new IllegalStateException("relay session " + key + " was closed while its ports were binding"));
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
            final Channel channel = port.channel;
            if (channel != null) {
                port.channel = null;
                relay.closeAndRelease(channel);
            }
        }
    }

    /**
     * Event loop only: a port finished binding. @return false when the session closed meanwhile
     * (the caller then closes the channel itself)
     */
    boolean attach(final Port port, final Channel channel) {
        if (closed.get()) {
            return false;
        }
        port.channel = channel;
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
