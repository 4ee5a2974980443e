package dev.switchboard.node.relay;

import dev.switchboard.node.stun.IceCheckVerifier;
import dev.switchboard.node.stun.Stun;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * The forwarding decisions of one relay session, without sockets: for each datagram, whether it
 * is forwarded and to which address, plus the session's counters. Two {@link RelayLeg}s hold the
 * proof state; this class classifies the datagram (STUN or not, RFC 7983 §7 and RFC 8489 §5),
 * verifies ICE checks (RFC 8445 §7.2.2), routes STUN responses to the source of their request
 * and everything else to the other leg's destination. A transport (the UDP relay) only reads
 * datagrams, calls {@link #route} and writes what it returns.
 *
 * <pre>{@code
 * RelayRouting routing = new RelayRouting("A", "B", provenAddresses, System.nanoTime());
 * routing.setIceCredentials("A", credentialsFromAsSdp);
 * // a datagram from A's side arrived on port pB:
 * InetSocketAddress to = routing.route(routing.legA(), sender, datagramView, portA.isWritable(), System.nanoTime());
 * if (to != null) { send the datagram from port pA to `to` }
 * }</pre>
 *
 * <p>Threading: {@link #route} and the leg state are confined to one thread (the session's event
 * loop); {@link #route} allocates nothing and never blocks. {@link #setIceCredentials} and
 * {@link #permitPeerRelay} may be called from any thread. The counters are single-writer volatile
 * fields: {@link #counters()} and {@link #lastActivityNanos()} may be read from any thread.
 */
public final class RelayRouting {
    /** Larger STUN requests are not checked (ICE checks are around 100 bytes). */
    public static final int MAX_CHECK_LENGTH = 1500;

    private final RelayLeg legA;
    private final RelayLeg legB;
    private final ProvenAddresses stunAnswered;
    private final OwnEndpoints own;
    private final byte[] scratch = new byte[MAX_CHECK_LENGTH];
    private volatile long packetsAtoB;
    private volatile long bytesAtoB;
    private volatile long packetsBtoA;
    private volatile long bytesBtoA;
    private volatile long droppedUnproven;
    private volatile long droppedOther;
    private volatile long lastActivityNanos;
    private volatile int heldNow;

    /**
     * @param peerA peer A's id
     * @param peerB peer B's id, different from A's
     * @param stunAnswered addresses our STUN service answered recently (shared with it)
     * @param nowNanos the current monotonic time ({@link System#nanoTime()}): the session's
     *     activity starts now
     * @throws IllegalArgumentException when the peers are equal
     */
    public RelayRouting(final @NotNull String peerA, final @NotNull String peerB,
                        final @NotNull ProvenAddresses stunAnswered, final long nowNanos) {
        this(peerA, peerB, stunAnswered, OwnEndpoints.NONE, nowNanos);
    }

    /**
     * @param peerA peer A's id
     * @param peerB peer B's id, different from A's
     * @param stunAnswered addresses our STUN service answered recently (shared with it)
     * @param own the node's own endpoints, never accepted as a source or destination
     * @param nowNanos the current monotonic time (the session counts as active from now)
     * @throws IllegalArgumentException when the two ids are equal
     */
    public RelayRouting(final @NotNull String peerA, final @NotNull String peerB,
                        final @NotNull ProvenAddresses stunAnswered, final @NotNull OwnEndpoints own,
                        final long nowNanos) {
        if (peerA.equals(peerB)) {
            throw new IllegalArgumentException("a relay session needs two different peers, got " + peerA + " twice");
        }
        this.legA = new RelayLeg(peerA);
        this.legB = new RelayLeg(peerB);
        this.stunAnswered = stunAnswered;
        this.own = own;
        this.lastActivityNanos = nowNanos;
    }

    /** @return the leg of what peer A sends (to port pB) */
    public @NotNull RelayLeg legA() {
        return legA;
    }

    /** @return the leg of what peer B sends (to port pA) */
    public @NotNull RelayLeg legB() {
        return legB;
    }

    /**
     * @return the leg of what {@code peerId} sends
     * @throws IllegalArgumentException when {@code peerId} is neither A nor B
     */
    public @NotNull RelayLeg legOf(final @NotNull String peerId) {
        if (legA.peer().equals(peerId)) {
            return legA;
        }
        if (legB.peer().equals(peerId)) {
            return legB;
        }
        throw new IllegalArgumentException("peer " + peerId + " is not part of this relay session ("
                + legA.peer() + ", " + legB.peer() + ")");
    }

    /** @return the leg opposite {@code leg} (one of this session's two) */
    public @NotNull RelayLeg other(final @NotNull RelayLeg leg) {
        if (leg == legA) {
            return legB;
        }
        if (leg == legB) {
            return legA;
        }
        throw new IllegalArgumentException("leg of " + leg.peer() + " belongs to another session");
    }

    /**
     * Sets (or replaces) {@code peerId}'s ICE credentials from its SDP: connectivity checks the
     * <em>other</em> peer sends to this peer's port carry this peer's ufrag first and are keyed
     * with its pwd (RFC 8445 §7.2.2). Any thread.
     *
     * @throws IllegalArgumentException when {@code peerId} is neither A nor B
     */
    public void setIceCredentials(final @NotNull String peerId, final @NotNull IceCredentials credentials) {
        other(legOf(peerId)).setCheckCredentials(credentials);
    }

    /**
     * Makes {@code peerRelay} the proven source and the pinned destination of {@code peerId}'s
     * side ({@link RelayLeg#permit}). Any thread.
     *
     * @throws IllegalArgumentException when {@code peerId} is neither A nor B
     */
    public void permitPeerRelay(final @NotNull String peerId, final @NotNull InetSocketAddress peerRelay) {
        legOf(peerId).permit(peerRelay);
    }

    /**
     * Decides one datagram and counts it. Owning thread only; allocation-free; never throws for
     * any datagram content.
     *
     * @param from the leg it arrived on: {@link #legA()} for a datagram that arrived on port pB
     *     (sent from A's side), {@link #legB()} for one on port pA
     * @param source the datagram's source address
     * @param datagram the datagram between position and limit; read with absolute gets only, so
     *     position, limit and content are left as they are; any byte order
     * @param canSend whether the port it would leave from can take a write now; when false a
     *     datagram that would be forwarded is dropped and counted as "other"
     * @param nowNanos the current monotonic time, for the idle timeout
     * @return the address to send the datagram to, from the other leg's port; null to drop it
     *     (counted as unproven or other, see {@link RelayCounters}), or when it is held: a
     *     Binding request (an ICE check) from a proven source while the other side's address is
     *     not known yet is kept (bounded, see {@link RelayLeg#hold}) and handed out by
     *     {@link #releaseHeld} once that side has sent a datagram that was accepted
     */
    public @Nullable InetSocketAddress route(final @NotNull RelayLeg from, final @NotNull InetSocketAddress source,
                                             final @NotNull ByteBuffer datagram, final boolean canSend,
                                             final long nowNanos) {
        final RelayLeg to = other(from);
        final int start = datagram.position();
        final int length = datagram.remaining();
        // RFC 7983 §7: a first byte of 0..3 is STUN; RFC 8489 §5: the magic cookie
        final boolean stun = length >= Stun.HEADER_LENGTH && (datagram.get(start) & 0xC0) == 0
                && int32(datagram, start + 4) == Stun.MAGIC_COOKIE;
        final int type = stun ? uint16(datagram, start) : -1;

        boolean validCheck = false;
        if (type == Stun.BINDING_REQUEST && length <= MAX_CHECK_LENGTH) {
            final IceCheckVerifier verifier = from.verifier();
            if (verifier != null) {
                datagram.get(start, scratch, 0, length);
                validCheck = verifier.verify(scratch, 0, length); // RFC 8445 §7.2.2
            }
        }
        if (!from.accept(source, validCheck, stunAnswered, own)) {
            droppedUnproven++; // never proven, or only STUN-proven while the leg has ICE proof
            return null;
        }

        InetSocketAddress destination = null;
        if (type == Stun.BINDING_SUCCESS_RESPONSE || type == Stun.BINDING_ERROR_RESPONSE) {
            // back to the address that sent the request, so ICE's symmetric-address check holds
            destination = to.transactionSource(int64(datagram, start + 8), int32(datagram, start + 16));
        }
        if (destination == null) {
            destination = to.destination();
        }
        if (destination == null && canSend && type == Stun.BINDING_REQUEST
                && from.hold(datagram, start, length, nowNanos)) {
            // the other side's address is not known yet: keep this check for releaseHeld
            from.rememberTransaction(int64(datagram, start + 8), int32(datagram, start + 16), source);
            heldNow++;
            return null;
        }
        if (destination == null || !canSend) {
            droppedOther++;
            return null;
        }
        if (type == Stun.BINDING_REQUEST) {
            from.rememberTransaction(int64(datagram, start + 8), int32(datagram, start + 16), source);
        }
        if (from == legA) {
            packetsAtoB++;
            bytesAtoB += length;
        } else {
            packetsBtoA++;
            bytesBtoA += length;
        }
        lastActivityNanos = nowNanos;
        return destination;
    }

    /**
     * The datagram {@link #route} just returned a destination for could not be sent (the socket
     * buffer was full, or the send failed): moves it from the forwarded counters to "other"
     * drops. Owning thread only.
     *
     * @param from the leg passed to that {@link #route} call
     * @param length the datagram's length in bytes, as routed
     */
    public void unsent(final @NotNull RelayLeg from, final int length) {
        if (from == legA) {
            packetsAtoB--;
            bytesAtoB -= length;
        } else {
            packetsBtoA--;
            bytesBtoA -= length;
        }
        droppedOther++;
    }

    /**
     * After a datagram from {@code arrivedOn} was routed: releases one datagram the other leg
     * held because {@code arrivedOn}'s address was not known (see {@link #route}), now that it
     * is. Copies it into {@code out} (cleared, then flipped for sending) and returns where it goes:
     * from the port {@code arrivedOn}'s datagrams arrive on, to {@code arrivedOn}'s destination.
     * Call until it returns null. A datagram held longer than {@link RelayLeg#HOLD_NANOS} is
     * discarded and counted as "other". Owning thread only; allocation-free.
     *
     * @param arrivedOn the leg of the datagram just routed
     * @param out a buffer of at least {@link RelayLeg#HOLD_MAX_BYTES} bytes; untouched when null is returned
     * @param nowNanos the current monotonic time
     * @return the destination of the datagram now in {@code out}, or null when nothing (more) is due
     */
    public @Nullable InetSocketAddress releaseHeld(final @NotNull RelayLeg arrivedOn, final @NotNull ByteBuffer out,
                                                   final long nowNanos) {
        final RelayLeg holder = other(arrivedOn);
        while (holder.heldCount() > 0) {
            final InetSocketAddress destination = arrivedOn.destination();
            if (destination == null) {
                return null;
            }
            heldNow--;
            final int length = holder.takeHeld(out, nowNanos);
            if (length < 0) {
                droppedOther++; // held too long: the sender has retransmitted by now
                continue;
            }
            if (holder == legA) {
                packetsAtoB++;
                bytesAtoB += length;
            } else {
                packetsBtoA++;
                bytesBtoA += length;
            }
            lastActivityNanos = nowNanos;
            return destination;
        }
        return null;
    }

    /**
     * @return how many datagrams the session holds for a side whose address is not known yet
     *     (not counted as forwarded or dropped until released or discarded); any thread
     */
    public int heldCount() {
        return heldNow;
    }

    /** @return a snapshot of the counters; any thread */
    public @NotNull RelayCounters counters() {
        return new RelayCounters(packetsAtoB, bytesAtoB, packetsBtoA, bytesBtoA, droppedUnproven, droppedOther);
    }

    /** @return the monotonic time of the latest forwarded datagram, or of construction; any thread */
    public long lastActivityNanos() {
        return lastActivityNanos;
    }

    private static int uint16(final ByteBuffer b, final int i) {
        return (b.get(i) & 0xff) << 8 | b.get(i + 1) & 0xff;
    }

    private static int int32(final ByteBuffer b, final int i) {
        return uint16(b, i) << 16 | uint16(b, i + 2);
    }

    private static long int64(final ByteBuffer b, final int i) {
        return (long) int32(b, i) << 32 | int32(b, i + 4) & 0xffffffffL;
    }
}
