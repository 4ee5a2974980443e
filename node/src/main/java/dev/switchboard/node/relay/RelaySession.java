package dev.switchboard.node.relay;

import java.net.InetSocketAddress;
import org.jetbrains.annotations.NotNull;

/**
 * One relayed call leg pair between peers A and B: port pA is advertised to B as "A", port pB to
 * A as "B". What arrives on pB from A leaves from pA to B, and the other way round; the relay only
 * sends to addresses that proved themselves (see the relay package's design notes).
 *
 * <p>Thread-safe: may be called from any thread.
 */
public interface RelaySession extends AutoCloseable {
    /** @return the key this session is registered under */
    @NotNull SessionKey key();

    /** @return peer A's id (as passed to open) */
    @NotNull String peerA();

    /** @return peer B's id */
    @NotNull String peerB();

    /**
     * @param peerId A or B
     * @return the relay address that stands for {@code peerId} in the other peer's view:
     *     {@code relayHost:pA} for A (goes into A's SDP that B receives), {@code relayHost:pB} for B
     * @throws IllegalArgumentException when {@code peerId} is not part of this session
     */
    @NotNull InetSocketAddress advertisedAddress(@NotNull String peerId);

    /**
     * Sets (or, after an ICE restart, replaces) a peer's ICE credentials from its SDP. The relay
     * uses them to verify connectivity checks the other peer sends to this peer's port.
     *
     * @throws IllegalArgumentException when {@code peerId} is not part of this session
     */
    void setIceCredentials(@NotNull String peerId, @NotNull IceCredentials credentials);

    /** Convenience for {@code setIceCredentials(peerId, new IceCredentials(ufrag, pwd))}. */
    default void setIceCredentials(final @NotNull String peerId, final @NotNull String ufrag, final @NotNull String pwd) {
        setIceCredentials(peerId, new IceCredentials(ufrag, pwd));
    }

    /**
     * Federation: makes {@code peerRelay}, another node's relay port, the far end of
     * {@code peerId}'s side. A call between sites is relayed by both nodes (browser A, this
     * node's relay, the peer node's relay, browser B), so on this node one side of the session is
     * the peer node's relay rather than a browser; that side is proven by configuration (the peer
     * node is federated and announced this address), not by STUN or ICE. From now on:
     * <ul>
     *   <li>datagrams from {@code peerRelay} to {@code peerId}'s relay port are accepted without
     *       further proof;</li>
     *   <li>the other side's traffic goes to {@code peerRelay} at once, even before anything
     *       arrived from it, and stays pinned to it (no later source displaces it); STUN responses
     *       still go to the source of their request;</li>
     *   <li>other sources on that side need ICE proof: the permit counts as ICE proof, so a STUN
     *       answer no longer admits anyone there.</li>
     * </ul>
     * The caller must pass only an address a federated peer node announced as its relay: these
     * are the only non-client destinations a relay may send to. A later call replaces the address.
     *
     * @param peerId A or B: the peer whose side is the peer node's relay
     * @param peerRelay the peer node's relay address for this session
     * @throws IllegalArgumentException when {@code peerId} is not part of this session
     * @throws UnsupportedOperationException when this relay cannot forward to peer relays (the
     *     UDP relay can)
     */
    default void permitPeerRelay(final @NotNull String peerId, final @NotNull InetSocketAddress peerRelay) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot forward to peer relays");
    }

    /**
     * Test hook for network drops: while blocked, every datagram that arrives on either port is
     * read and dropped (not counted, nothing proven, nothing forwarded), as if the path between the
     * two browsers went dark; unblocking lets traffic through again under the usual rules. The
     * browser tests use it to cut a call for a while and watch both sides recover.
     *
     * @param blocked whether to drop everything from now on
     * @throws UnsupportedOperationException when this relay cannot block (the UDP relay can)
     */
    default void setBlocked(final boolean blocked) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot block");
    }

    /** @return a snapshot of this session's counters */
    @NotNull RelayCounters counters();

    /** @return false once closed (explicitly, by idle timeout or by the relay shutting down) */
    boolean isOpen();

    /** Closes both ports and frees them; idempotent. */
    @Override
    void close();
}
