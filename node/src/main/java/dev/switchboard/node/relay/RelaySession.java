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

    /** @return a snapshot of this session's counters */
    @NotNull RelayCounters counters();

    /** @return false once closed (explicitly, by idle timeout or by the relay shutting down) */
    boolean isOpen();

    /** Closes both ports and frees them; idempotent. */
    @Override
    void close();
}
