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
 * <p>Proof (see {@link Leg#accept}): a source is forwarded from once it sent a valid ICE check for
 * this session (RFC 8445 §7.2.2) or, while its leg has no ICE-proven source yet, once our STUN
 * service answered it recently ({@link ProvenAddresses}). As soon as one source on a leg is
 * ICE-proven, STUN-proven sources on that leg are dropped as unproven: a STUN answer only shows
 * that a host owns its own address, so a host that asked our STUN service from several ports could
 * otherwise spray the guessable relay ports, be forwarded to the other peer and, by filling the
 * {@link #MAX_PROVEN} ring, evict and replace the real peer as destination. ICE-proven sources stay
 * proven through the peer's ICE consent checks (RFC 7675) and are never evicted by STUN-proven
 * ones; the default destination of a leg with ICE proof is always ICE-proven.
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
    /** Proven source addresses remembered per side (several local candidates); least recently seen evicted first. */
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

        /**
         * Sources proven for this leg, {@code provenCount} slots in use. Once {@link #iceProvenCount}
         * is positive, only the ICE-proven slots are accepted; the others merely wait for eviction.
         */
        final InetSocketAddress[] proven = new InetSocketAddress[MAX_PROVEN];
        final boolean[] provenByIce = new boolean[MAX_PROVEN];
        /** Per slot, the value of {@link #tick} when that source was last proven or accepted (LRU age). */
        final long[] lastSeen = new long[MAX_PROVEN];
        int provenCount;
        /** Slots in use with {@code provenByIce}; never decreases to 0 once positive (see {@link #prove}). */
        int iceProvenCount;
        /** Logical clock of accepted datagrams and proofs on this leg (ordering only, not time). */
        long tick;
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

        /** @return whether some source proved itself for this leg with an ICE check (RFC 8445 §7.2.2) */
        boolean hasIceProof() {
            return iceProvenCount > 0;
        }

        /**
         * Decides whether a datagram from {@code source} is forwarded and, if so, records it as
         * the latest source heard from ({@link #sawFrom}). The rules, strongest first:
         * <ol>
         *   <li>a valid ICE connectivity check for this session proves its source (RFC 8445
         *       §7.2.2: only a holder of the session's ice-pwd can compute MESSAGE-INTEGRITY);</li>
         *   <li>once this leg has an ICE-proven source, every source that is not ICE-proven is
         *       refused, also one admitted earlier because our STUN service answered it: that
         *       proof is weak (anyone gets a STUN answer for their own address) and the real peer
         *       keeps re-proving its addresses with ICE consent checks (RFC 7675);</li>
         *   <li>before any ICE proof, a source our STUN service answered recently is admitted
         *       ({@code stunAnswered}, consulted only for sources not yet in the ring).</li>
         * </ol>
         * Event loop only; allocation-free.
         *
         * @param validCheck whether the datagram is a Binding request that passed this leg's
         *     {@link IceCheckVerifier}
         * @return the source's slot in {@link #proven}, or -1 to drop the datagram as unproven
         */
        int accept(final InetSocketAddress source, final boolean validCheck, final ProvenAddresses stunAnswered) {
            int index = indexOf(source);
            if (validCheck) {
                index = prove(source, true, index); // RFC 8445 §7.2.2: a valid check proves the source
            } else if (iceProvenCount > 0) {
                if (index < 0 || !provenByIce[index]) {
                    return -1; // ICE proof exists on this leg: a STUN answer no longer suffices
                }
            } else if (index < 0) {
                if (!stunAnswered.isProven(source)) {
                    return -1;
                }
                index = prove(source, false, -1);
            }
            if (index >= 0) {
                sawFrom(index);
            }
            return index;
        }

        /**
         * Records {@code source} as proven ({@code byIce}: by an ICE check, else by a STUN answer).
         * A known source ({@code known} is its slot) is only upgraded, never downgraded. A new one
         * takes a free slot; when the ring is full it takes the least recently seen STUN-proven
         * slot, and if all slots are ICE-proven, an ICE-proven source takes the least recently
         * seen slot while a STUN-proven one is not admitted: a STUN answer never evicts ICE proof.
         * If the evicted slot was the default destination, the most recently seen ICE-proven
         * source (else the most recently seen one) becomes the destination.
         *
         * @return the source's slot, or -1 when a STUN-proven source was not admitted
         */
        int prove(final InetSocketAddress source, final boolean byIce, final int known) {
            if (known >= 0) {
                if (byIce && !provenByIce[known]) {
                    provenByIce[known] = true;
                    iceProvenCount++;
                }
                lastSeen[known] = ++tick;
                return known;
            }
            final int slot;
            boolean evictedDestination = false;
            if (provenCount < MAX_PROVEN) {
                slot = provenCount++;
            } else {
                slot = evictionSlot(byIce);
                if (slot < 0) {
                    return -1;
                }
                if (provenByIce[slot]) {
                    iceProvenCount--; // only for a new ICE-proven source: the count does not drop
                }
                evictedDestination = proven[slot] == destination;
            }
            proven[slot] = source;
            provenByIce[slot] = byIce;
            lastSeen[slot] = ++tick;
            if (byIce) {
                iceProvenCount++;
            }
            if (evictedDestination) {
                chooseDestination();
            }
            return slot;
        }

        /** Full ring only: the slot a new source takes, or -1 if a STUN-proven one must not take any. */
        private int evictionSlot(final boolean byIce) {
            int weakest = -1;
            int oldest = -1;
            for (int i = 0; i < MAX_PROVEN; i++) {
                if (!provenByIce[i] && (weakest < 0 || lastSeen[i] < lastSeen[weakest])) {
                    weakest = i;
                }
                if (oldest < 0 || lastSeen[i] < lastSeen[oldest]) {
                    oldest = i;
                }
            }
            if (weakest >= 0) {
                return weakest;
            }
            return byIce ? oldest : -1;
        }

        /** The most recently seen source becomes the destination, an ICE-proven one if there is any. */
        private void chooseDestination() {
            int best = -1;
            for (int i = 0; i < provenCount; i++) {
                if (best < 0 || (provenByIce[i] && !provenByIce[best])
                        || (provenByIce[i] == provenByIce[best] && lastSeen[i] > lastSeen[best])) {
                    best = i;
                }
            }
            destination = best < 0 ? null : proven[best];
            destinationByIce = best >= 0 && provenByIce[best];
        }

        /** The latest accepted source becomes the default destination; ICE-proven beats STUN-proven. */
        void sawFrom(final int index) {
            lastSeen[index] = ++tick;
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

        /**
         * @return the source of this leg's Binding request with that transaction id, or null if
         *     unknown or if that source may no longer receive: once the leg has ICE proof, only
         *     ICE-proven sources still in the ring do (a request sent earlier by a STUN-proven
         *     source gets no response routed to it)
         */
        InetSocketAddress transactionSource(final long high, final int low) {
            for (int i = 0; i < TX_SLOTS; i++) {
                if (txSource[i] != null && txHigh[i] == high && txLow[i] == low) {
                    if (iceProvenCount > 0) {
                        final int index = indexOf(txSource[i]);
                        if (index < 0 || !provenByIce[index]) {
                            return null;
                        }
                    }
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

        boolean validCheck = false;
        if (type == Stun.BINDING_REQUEST && length <= MAX_CHECK_LENGTH) {
            final IceCheckVerifier verifier = from.verifier();
            if (verifier != null) {
                buf.getBytes(start, scratch, 0, length);
                validCheck = verifier.verify(scratch, 0, length); // RFC 8445 §7.2.2
            }
        }
        if (from.accept(source, validCheck, provenAddresses) < 0) {
            droppedUnproven++; // never proven, or only STUN-proven while the leg has ICE proof
            return;
        }

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
