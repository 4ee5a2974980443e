package dev.switchboard.node.relay;

import dev.switchboard.node.sdp.Sdp;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.net.InetSocketAddress;

/**
 * Federation's answer to "whose relay is the far end of this sender's side?" for an offer or
 * answer the node is about to relay. For a sender that is this node's own client the answer is
 * {@link Decision#LOCAL} (the relay proves the browser's address as usual). For a sender served by
 * a peer node the SDP arrives already rewritten by that node, naming its relay; the answer is that
 * address when the peer node announced it over the authenticated link (the only non-client
 * destinations a relay may send to, see {@link RelaySession#permitPeerRelay}), or a refusal.
 *
 * <p>Implementations are thread-safe and never block.
 */
@FunctionalInterface
public interface PeerRelays {

    /** Every sender is a local client: no federation. */
    @NotNull PeerRelays NONE = (sender, sdp) -> Decision.LOCAL;

    /**
     * @param relay   the peer node's relay address to permit on the sender's side, or null for a
     *                local sender.
     * @param refusal why the description is refused, or null.
     */
    record Decision(@Nullable InetSocketAddress relay, @Nullable String refusal) {
        /** The sender is this node's client. */
        public static final Decision LOCAL = new Decision(null, null);
    }

    /**
     * @param senderId the verified sender of an offer or answer.
     * @param sdp      its parsed SDP.
     * @return what to do.
     */
    @NotNull Decision decide(@NotNull String senderId, @NotNull Sdp sdp);
}
