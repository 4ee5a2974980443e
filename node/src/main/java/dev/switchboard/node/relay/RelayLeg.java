package dev.switchboard.node.relay;

import dev.switchboard.node.stun.IceCheckVerifier;
import java.net.InetSocketAddress;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * Who may send on one side of a relay session and where that side's traffic goes: the proof ring,
 * the default destination and the STUN transaction table of one leg. Pure: values in, values out,
 * no sockets; {@link RelayRouting} owns two of them and the UDP relay is a thin adapter around
 * that.
 *
 * <p>A leg is named after the peer whose datagrams it receives: leg A is what peer A sends to
 * port pB. Its sources are A's candidates; its {@link #destination()} is where the other leg's
 * traffic goes (to A, from port pB).
 *
 * <p>Rules, strongest first (see also {@link dev.switchboard.node.relay}):
 * <ol>
 *   <li>a valid ICE connectivity check for this session proves its source (RFC 8445 §7.2.2: only
 *       a holder of the session's ice-pwd can compute MESSAGE-INTEGRITY);</li>
 *   <li>a peer relay address {@linkplain #permit permitted} by configuration (federation) is
 *       proven as strongly as an ICE-proven source, takes no ring slot, and is this leg's
 *       destination from the moment it is permitted, pinned: no later source displaces it;</li>
 *   <li>once the leg has an ICE-proven source or a permit, every source that is not ICE-proven
 *       (or permitted) is refused,
 *       also one admitted earlier because our STUN service answered it: that proof is weak
 *       (anyone gets a STUN answer for their own address) and the real peer keeps re-proving its
 *       addresses with ICE consent checks (RFC 7675);</li>
 *   <li>before any ICE proof, a source our STUN service answered recently is admitted
 *       ({@link ProvenAddresses}).</li>
 * </ol>
 * At most {@link #MAX_PROVEN} sources are remembered; a new ICE-proven source takes the least
 * recently seen STUN-proven slot first, else the least recently seen slot; a STUN-proven source
 * never evicts an ICE-proven one. The default destination is the latest accepted source, an
 * ICE-proven one over a STUN-proven one.
 *
 * <p>Threading: {@link #setCheckCredentials} and {@link #permit} may be called from any thread
 * (volatile hand-over, applied by the owning thread on its next use). Everything else is confined
 * to one thread (a relay session's event loop), needs no locks, allocates nothing and never
 * blocks.
 */
public final class RelayLeg {
    /** Proven source addresses remembered per leg (several candidates); least recently seen evicted first. */
    public static final int MAX_PROVEN = 8;
    /** STUN transactions remembered per leg for routing responses back (ring buffer). */
    public static final int TX_SLOTS = 32;

    private final String peer;

    /** Credentials of the peer that receives this leg's checks; set from any thread. */
    private volatile IceCredentials checkCredentials;
    private IceCredentials verifierCredentials;
    private IceCheckVerifier verifier;

    /** Permitted peer relay address, set from any thread; applied by {@link #applyPermit()}. */
    private volatile InetSocketAddress permitRequest;
    private InetSocketAddress permitted;

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
    private long tick;
    private InetSocketAddress destination;
    private boolean destinationByIce;

    /** Datagrams held per leg while the other side's address is unknown (see {@link #hold}). */
    public static final int HOLD_SLOTS = 4;
    /** Largest datagram held: an ICE check is around 100 bytes. */
    public static final int HOLD_MAX_BYTES = 600;
    /** How long a held datagram stays worth forwarding: ICE retransmits after this anyway. */
    public static final long HOLD_NANOS = 1_000_000_000L;

    /** Held datagrams, allocated at this leg's first hold (then reused): slot i holds heldLength[i] bytes. */
    private byte[][] held;
    private final int[] heldLength = new int[HOLD_SLOTS];
    private final long[] heldAt = new long[HOLD_SLOTS];
    /** Held datagrams in slots heldFirst.. (a ring), oldest first. */
    private int heldCount;
    private int heldFirst;

    private final long[] txHigh = new long[TX_SLOTS];
    private final int[] txLow = new int[TX_SLOTS];
    private final InetSocketAddress[] txSource = new InetSocketAddress[TX_SLOTS];
    private int txNext;

    /** @param peer the id of the peer whose datagrams this leg receives */
    public RelayLeg(final @NotNull String peer) {
        this.peer = peer;
    }

    /** @return the id of the peer whose datagrams this leg receives */
    public @NotNull String peer() {
        return peer;
    }

    /**
     * Sets (or replaces, after an ICE restart) the credentials that this leg's ICE checks are
     * keyed with: those of the peer that <em>receives</em> them (RFC 8445 §7.2.2: USERNAME
     * "receiverUfrag:senderUfrag", MESSAGE-INTEGRITY with the receiver's ice-pwd). Any thread.
     */
    public void setCheckCredentials(final @NotNull IceCredentials credentials) {
        this.checkCredentials = credentials;
    }

    /**
     * Permits {@code peerRelay} as this leg's source and destination without a STUN or ICE proof
     * (see rule 2 in the class comment): for a session whose far side is another node's relay,
     * proven by configuration or by that node's announcement. The caller guarantees that the
     * address is such an announced peer relay address; nothing here checks it. A later call
     * replaces the earlier address. Any thread; takes effect at this leg's next use on its own
     * thread ({@link #destination()}, {@link #accept}, {@link #isAccepted}).
     */
    public void permit(final @NotNull InetSocketAddress peerRelay) {
        this.permitRequest = peerRelay;
    }

    /** Owning thread: adopts a permit handed over by {@link #permit}; one volatile read when none is pending. */
    private void applyPermit() {
        final InetSocketAddress requested = permitRequest;
        if (requested != null && requested != permitted) {
            permitted = requested;
            destination = requested;
            destinationByIce = true;
        }
    }

    /** @return the permitted peer relay address, or null (owning thread) */
    public @Nullable InetSocketAddress permitted() {
        applyPermit();
        return permitted;
    }

    /**
     * Owning thread. @return the verifier for checks arriving on this leg, or null while the
     *     receiving peer's credentials are unknown; rebuilt only when they changed
     */
    public @Nullable IceCheckVerifier verifier() {
        final IceCredentials c = checkCredentials;
        if (c != verifierCredentials) {
            verifierCredentials = c;
            verifier = c == null ? null : new IceCheckVerifier(c.ufrag(), c.pwd());
        }
        return verifier;
    }

    /** @return where traffic for this leg's peer goes now, or null when nothing is proven yet (owning thread) */
    public @Nullable InetSocketAddress destination() {
        applyPermit();
        return destination;
    }

    /** @return whether the destination is ICE-proven or permitted (owning thread) */
    public boolean destinationIsStrong() {
        applyPermit();
        return destination != null && destinationByIce;
    }

    /** @return whether some source proved itself for this leg with an ICE check (RFC 8445 §7.2.2) */
    public boolean hasIceProof() {
        return iceProvenCount > 0;
    }

    /** @return how many sources the ring holds, at most {@link #MAX_PROVEN} */
    public int provenCount() {
        return provenCount;
    }

    /** @return whether a datagram from {@code source} would be accepted now without a new proof (owning thread) */
    public boolean isAccepted(final @NotNull InetSocketAddress source) {
        applyPermit();
        if (permitted != null && permitted.equals(source)) {
            return true;
        }
        final int index = indexOf(source);
        return index >= 0 && (!strong() || provenByIce[index]);
    }

    /** @return whether this leg has ICE proof or a permitted peer relay: STUN-proven sources are refused then */
    private boolean strong() {
        return iceProvenCount > 0 || permitted != null;
    }

    int indexOf(final InetSocketAddress source) {
        for (int i = 0; i < provenCount; i++) {
            if (proven[i].equals(source)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Decides whether a datagram from {@code source} is accepted and, if so, records it as the
     * latest source heard from, which becomes the destination unless a stronger one exists (see
     * the class comment). Owning thread; allocation-free.
     *
     * @param source the datagram's source address
     * @param validCheck whether the datagram is a Binding request that passed this leg's
     *     {@link #verifier()}
     * @param stunAnswered addresses our STUN service answered recently; consulted only for
     *     sources not yet in the ring and only while the leg has neither ICE proof nor a permit
     * @param own the node's own endpoints: never proven, whatever they send (a spoofed check
     *     from one of them would make the relay send to itself); consulted only for sources not
     *     yet in the ring
     * @return whether to accept (forward) the datagram; false means drop it as unproven
     */
    public boolean accept(final @NotNull InetSocketAddress source, final boolean validCheck,
                          final @NotNull ProvenAddresses stunAnswered, final @NotNull OwnEndpoints own) {
        applyPermit();
        if (permitted != null && permitted.equals(source)) {
            return true; // permitted by configuration: the destination is pinned to it already
        }
        int index = indexOf(source);
        if (index < 0 && own.isOwn(source)) {
            return false; // one of the node's own ports: never a source, so never a destination
        }
        if (validCheck) {
            index = prove(source, true, index); // RFC 8445 §7.2.2: a valid check proves the source
        } else if (strong()) {
            if (index < 0 || !provenByIce[index]) {
                return false; // ICE proof or a permit exists on this leg: a STUN answer no longer suffices
            }
        } else if (index < 0) {
            if (!stunAnswered.isProven(source)) {
                return false;
            }
            index = prove(source, false, -1);
        }
        if (index < 0) {
            return false;
        }
        sawFrom(index);
        return true;
    }

    /**
     * Records {@code source} as proven ({@code byIce}: by an ICE check, else by a STUN answer).
     * A known source ({@code known} is its slot) is only upgraded, never downgraded. A new one
     * takes a free slot; when the ring is full it takes the least recently seen STUN-proven slot,
     * and if all slots are ICE-proven, an ICE-proven source takes the least recently seen slot
     * while a STUN-proven one is not admitted: a STUN answer never evicts ICE proof. If the
     * evicted slot was the default destination, the most recently seen ICE-proven source (else
     * the most recently seen one) becomes the destination.
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
        if (permitted != null) {
            return; // pinned
        }
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

    /** The source in {@code index} was accepted: it becomes the destination unless that is stronger or pinned. */
    void sawFrom(final int index) {
        lastSeen[index] = ++tick;
        if (permitted != null) {
            return; // the permitted peer relay stays the destination
        }
        final boolean byIce = provenByIce[index];
        if (byIce || !destinationByIce || destination == null) {
            destination = proven[index];
            destinationByIce = byIce;
        }
    }

    /**
     * Holds a copy of the datagram at {@code start} (absolute) of {@code length} bytes: this leg's
     * peer sent it while the other side's address is not known yet (typically the first ICE
     * check, which the other peer's stack would otherwise retransmit only after 500 ms or more).
     * Bounded: at most {@link #HOLD_SLOTS} datagrams of at most {@link #HOLD_MAX_BYTES} each per
     * leg; the slots are allocated once, at the leg's first hold. Owning thread.
     *
     * @return whether it is held; false when it is too large or the slots are full
     */
    boolean hold(final java.nio.ByteBuffer datagram, final int start, final int length, final long nowNanos) {
        if (length > HOLD_MAX_BYTES || heldCount == HOLD_SLOTS) {
            return false;
        }
        if (held == null) {
            held = new byte[HOLD_SLOTS][HOLD_MAX_BYTES];
        }
        final int slot = (heldFirst + heldCount) % HOLD_SLOTS;
        datagram.get(start, held[slot], 0, length);
        heldLength[slot] = length;
        heldAt[slot] = nowNanos;
        heldCount++;
        return true;
    }

    /** @return how many datagrams this leg holds (owning thread) */
    int heldCount() {
        return heldCount;
    }

    /**
     * Takes the oldest held datagram: copies it into {@code out} (cleared, then flipped) and
     * returns its length, or returns -1 when it was held longer than {@link #HOLD_NANOS} (it is
     * discarded). Owning thread; only when {@link #heldCount()} is positive.
     */
    int takeHeld(final java.nio.ByteBuffer out, final long nowNanos) {
        final int slot = heldFirst;
        heldFirst = (heldFirst + 1) % HOLD_SLOTS;
        heldCount--;
        if (nowNanos - heldAt[slot] > HOLD_NANOS) {
            return -1;
        }
        out.clear();
        out.put(held[slot], 0, heldLength[slot]).flip();
        return heldLength[slot];
    }

    /**
     * Remembers that {@code source} sent the Binding request with transaction id
     * {@code high}/{@code low} (RFC 8489 §5: the 96-bit id as its first 8 and last 4 bytes), so
     * that the response goes back to it. Owning thread; overwrites the oldest of
     * {@link #TX_SLOTS} entries.
     */
    public void rememberTransaction(final long high, final int low, final @NotNull InetSocketAddress source) {
        txHigh[txNext] = high;
        txLow[txNext] = low;
        txSource[txNext] = source;
        txNext = (txNext + 1) % TX_SLOTS;
    }

    /**
     * Owning thread.
     *
     * @return the source of this leg's Binding request with that transaction id, or null if
     *     unknown or if that source may no longer receive: once the leg has ICE proof or a permit,
     *     only ICE-proven sources still in the ring (and a permitted peer relay) do; a request sent
     *     earlier by a STUN-proven source gets no response routed to it
     */
    public @Nullable InetSocketAddress transactionSource(final long high, final int low) {
        applyPermit();
        for (int i = 0; i < TX_SLOTS; i++) {
            if (txSource[i] != null && txHigh[i] == high && txLow[i] == low) {
                final InetSocketAddress source = txSource[i];
                if (!strong() || source.equals(permitted)) {
                    return source;
                }
                final int index = indexOf(source);
                return index >= 0 && provenByIce[index] ? source : null;
            }
        }
        return null;
    }
}
