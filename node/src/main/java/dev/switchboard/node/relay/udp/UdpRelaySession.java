package dev.switchboard.node.relay.udp;

import dev.switchboard.node.relay.IceCredentials;
import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.RelayCounters;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import dev.switchboard.node.stun.IceCheckVerifier;
import dev.switchboard.node.stun.Stun;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jetbrains.annotations.NotNull;

/**
 * The Netty-backed {@link RelaySession}: two UDP channels on one event loop and the forwarding
 * state of both directions.
 *
 * <p>Threading: {@link #forward} and everything in {@link Leg} run only on the session's event
 * loop (both channels are registered on it), so the per-packet path needs no locks. Counters are
 * single-writer volatile fields, readable from any thread. ICE credentials are handed over through
 * a volatile reference and turned into a loop-confined {@link IceCheckVerifier} on first use.
 *
 * <p>Per forwarded packet the path allocates nothing of its own apart from the
 * {@link DatagramPacket} envelope Netty needs for an addressed write; the pooled payload buffer
 * is passed through with {@code retain()}, never copied (STUN Binding requests, only, are copied
 * into a reused scratch array to verify MESSAGE-INTEGRITY). A reusable envelope of our own would
 * avoid that allocation, but Netty's epoll transport batches sends with {@code sendmmsg} only for
 * {@link DatagramPacket}s, so it would trade a short-lived object for one syscall per packet; the
 * relay benchmarks should decide. (Netty's receive path allocates its own packet and sender
 * address per datagram either way.)
 */
final class UdpRelaySession implements RelaySession {
    /** Proven source addresses remembered per side (several local candidates). */
    static final int MAX_PROVEN = 8;
    /** STUN transactions remembered per side for routing responses back (ring buffer). */
    static final int TX_SLOTS = 32;
    /** Larger STUN requests are not checked (ICE checks are around 100 bytes). */
    static final int MAX_CHECK_LENGTH = 1500;

    /**
     * State of one direction, named after the peer that sends it: leg A is what peer A sends to
     * port pB ({@link #in}); it leaves from the other leg's port to the other peer.
     */
    static final class Leg {
        final String peer;
        Channel in;
        Leg other;
        /** Credentials of the peer that {@link #in} stands for: checks from this leg's peer are keyed with them. */
        volatile IceCredentials checkCredentials;
        private IceCredentials verifierCredentials;
        private IceCheckVerifier verifier;

        final InetSocketAddress[] proven = new InetSocketAddress[MAX_PROVEN];
        final boolean[] provenByIce = new boolean[MAX_PROVEN];
        int provenCount;
        int provenNext;
        InetSocketAddress destination;
        boolean destinationByIce;

        final long[] txHigh = new long[TX_SLOTS];
        final int[] txLow = new int[TX_SLOTS];
        final InetSocketAddress[] txSource = new InetSocketAddress[TX_SLOTS];
        int txNext;

        boolean flushPending;
        volatile long packets;
        volatile long bytes;

        Leg(final String peer) {
            this.peer = peer;
        }

        IceCheckVerifier verifier() {
            final IceCredentials c = checkCredentials;
            if (c != verifierCredentials) {
                verifierCredentials = c;
                verifier = c == null ? null : new IceCheckVerifier(c.ufrag(), c.pwd());
            }
            return verifier;
        }

        int indexOf(final InetSocketAddress source) {
            for (int i = 0; i < provenCount; i++) {
                if (proven[i].equals(source)) {
                    return i;
                }
            }
            return -1;
        }

        int prove(final InetSocketAddress source, final boolean byIce, final int known) {
            if (known >= 0) {
                provenByIce[known] |= byIce;
                return known;
            }
            final int slot;
            if (provenCount < MAX_PROVEN) {
                slot = provenCount++;
            } else {
                slot = provenNext;
                provenNext = (provenNext + 1) % MAX_PROVEN;
                if (proven[slot] == destination) {
                    destination = null; // evicted; the next packet from a proven source sets it again
                    destinationByIce = false;
                }
            }
            proven[slot] = source;
            provenByIce[slot] = byIce;
            return slot;
        }

        /** The latest proven source becomes the default destination; ICE-proven beats STUN-proven. */
        void sawFrom(final int index) {
            final boolean byIce = provenByIce[index];
            if (byIce || !destinationByIce || destination == null) {
                destination = proven[index];
                destinationByIce = byIce;
            }
        }

        void rememberTransaction(final long high, final int low, final InetSocketAddress source) {
            txHigh[txNext] = high;
            txLow[txNext] = low;
            txSource[txNext] = source;
            txNext = (txNext + 1) % TX_SLOTS;
        }

        InetSocketAddress transactionSource(final long high, final int low) {
            for (int i = 0; i < TX_SLOTS; i++) {
                if (txSource[i] != null && txHigh[i] == high && txLow[i] == low) {
                    return txSource[i];
                }
            }
            return null;
        }
    }

    private final UdpRelay relay;
    private final SessionKey key;
    private final ProvenAddresses provenAddresses;
    final Leg legA;
    final Leg legB;
    private final byte[] scratch = new byte[MAX_CHECK_LENGTH];
    private final AtomicBoolean closed = new AtomicBoolean();
    private InetSocketAddress advertisedA;
    private InetSocketAddress advertisedB;
    private volatile long droppedUnproven;
    private volatile long droppedOther;
    private volatile long lastActivityNanos = System.nanoTime();

    UdpRelaySession(final UdpRelay relay, final SessionKey key, final String peerA, final String peerB,
                    final ProvenAddresses provenAddresses) {
        this.relay = relay;
        this.key = key;
        this.provenAddresses = provenAddresses;
        this.legA = new Leg(peerA);
        this.legB = new Leg(peerB);
        legA.other = legB;
        legB.other = legA;
    }

    /** Called once both ports are bound, before reading starts. */
    void attach(final Channel portA, final Channel portB, final InetSocketAddress advertisedA,
                final InetSocketAddress advertisedB) {
        legB.in = portA; // B sends to pA
        legA.in = portB; // A sends to pB
        this.advertisedA = advertisedA;
        this.advertisedB = advertisedB;
    }

    /**
     * Handles one datagram that arrived on {@code from.in}; event loop only. Does not release
     * {@code packet}; retains its content when forwarding.
     */
    void forward(final Leg from, final DatagramPacket packet) {
        final ByteBuf buf = packet.content();
        final InetSocketAddress source = packet.sender();
        final int start = buf.readerIndex();
        final int length = buf.readableBytes();
        // RFC 7983 §7: first byte 0..3 is STUN; RFC 8489 §5: magic cookie
        final boolean stun = length >= Stun.HEADER_LENGTH && (buf.getByte(start) & 0xC0) == 0
                && buf.getInt(start + 4) == Stun.MAGIC_COOKIE;
        final int type = stun ? buf.getUnsignedShort(start) : -1;

        int index = from.indexOf(source);
        if (type == Stun.BINDING_REQUEST && length <= MAX_CHECK_LENGTH) {
            final IceCheckVerifier verifier = from.verifier();
            if (verifier != null) {
                buf.getBytes(start, scratch, 0, length);
                if (verifier.verify(scratch, 0, length)) { // RFC 8445 §7.2.2: a valid check proves the source
                    index = from.prove(source, true, index);
                }
            }
        }
        if (index < 0) {
            if (!provenAddresses.isProven(source)) {
                droppedUnproven++;
                return;
            }
            index = from.prove(source, false, -1);
        }
        from.sawFrom(index);

        final Leg to = from.other;
        InetSocketAddress destination = null;
        if (type == Stun.BINDING_SUCCESS_RESPONSE || type == Stun.BINDING_ERROR_RESPONSE) {
            // back to the address that sent the request, so ICE's symmetric-address check holds
            destination = to.transactionSource(buf.getLong(start + 8), buf.getInt(start + 16));
        }
        if (destination == null) {
            destination = to.destination;
        }
        final Channel out = to.in;
        if (destination == null || !out.isWritable()) {
            droppedOther++;
            return;
        }
        if (type == Stun.BINDING_REQUEST) {
            from.rememberTransaction(buf.getLong(start + 8), buf.getInt(start + 16), source);
        }
        out.write(new DatagramPacket(buf.retain(), destination), out.voidPromise());
        to.flushPending = true;
        from.packets++;
        from.bytes += length;
        lastActivityNanos = System.nanoTime();
    }

    /** Flushes writes queued on {@code leg.in} during a read batch; event loop only. */
    void flushIfPending(final Leg leg) {
        if (leg.flushPending) {
            leg.flushPending = false;
            leg.in.flush();
        }
    }

    long lastActivityNanos() {
        return lastActivityNanos;
    }

    Channel portA() {
        return legB.in;
    }

    Channel portB() {
        return legA.in;
    }

    private Leg legOf(final String peerId) {
        if (legA.peer.equals(peerId)) {
            return legA;
        }
        if (legB.peer.equals(peerId)) {
            return legB;
        }
        throw new IllegalArgumentException("peer " + peerId + " is not part of relay session " + key);
    }

    @Override
    public @NotNull SessionKey key() {
        return key;
    }

    @Override
    public @NotNull String peerA() {
        return legA.peer;
    }

    @Override
    public @NotNull String peerB() {
        return legB.peer;
    }

    @Override
    public @NotNull InetSocketAddress advertisedAddress(final @NotNull String peerId) {
        return legOf(peerId) == legA ? advertisedA : advertisedB;
    }

    @Override
    public void setIceCredentials(final @NotNull String peerId, final @NotNull IceCredentials credentials) {
        // checks that the *other* peer sends to this peer's port carry this peer's ufrag and pwd
        legOf(peerId).other.checkCredentials = credentials;
    }

    @Override
    public @NotNull RelayCounters counters() {
        return new RelayCounters(legA.packets, legA.bytes, legB.packets, legB.bytes, droppedUnproven, droppedOther);
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            relay.closed(this);
        }
    }

    @Override
    public String toString() {
        return "UdpRelaySession[" + key + ", pA=" + advertisedA.getPort() + ", pB=" + advertisedB.getPort() + "]";
    }
}
