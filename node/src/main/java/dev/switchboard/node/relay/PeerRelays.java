package dev.switchboard.node.relay;

import dev.switchboard.node.sdp.Sdp;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.net.InetSocketAddress;

/**
 * Federation's answer to "whose relay is the far end of this sender's side?" for an offer or
 * answer the node is about to relay. Every node relays for the calls that cross it, one hop at a
 * time ({@code docs/protocol.md} §13): for a sender that is this node's own client the answer is
 * {@link Decision#LOCAL} (the relay proves the browser's address as usual). For a description that
 * a federation link brought, the SDP arrives already rewritten by the neighbour the link leads to,
 * naming that neighbour's relay (whether the neighbour serves the sender or relayed it on from
 * further away); the answer is that address when the neighbour announced it over the
 * authenticated link (the only non-client destinations a relay may send to, see
 * {@link RelaySession#permitPeerRelay}), or a refusal: also when the description came over
 * another link than the one this node routes the sender's traffic through, so that the offer and
 * the answer of a call cross the same nodes.
 *
 * <p>Implementations are thread-safe and never block.
 */
@FunctionalInterface
public interface PeerRelays {

    /** Every sender is a local client: no federation. */
    @NotNull PeerRelays NONE = (sender, via, sdp) -> Decision.LOCAL;

    /**
     * @param relay   the neighbouring node's relay address to permit on the sender's side, or null
     *                for a local sender.
     * @param refusal why the description is refused, or null.
     */
    record Decision(@Nullable InetSocketAddress relay, @Nullable String refusal) {
        /** The sender is this node's client. */
        public static final Decision LOCAL = new Decision(null, null);
    }

    /**
     * @param senderId the verified sender of an offer or answer.
     * @param viaNode  the peer node whose link brought it, or null when a client of this node
     *                 published it.
     * @param sdp      its parsed SDP.
     * @return what to do: {@link Decision#LOCAL} whenever {@code viaNode} is null.
     */
    @NotNull Decision decide(@NotNull String senderId, @Nullable String viaNode, @NotNull Sdp sdp);
}
