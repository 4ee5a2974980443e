package dev.switchboard.node.callee;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * The callee service across federated nodes ({@code docs/protocol.md} §5.3, "Across nodes"). A
 * callee pair lives on one node, its home: only that node keeps the secret's hash, checks a
 * waiting tab's secret and rings the tabs. Its home node announces to its peer nodes whether the
 * callee has a waiting tab; a caller page opened on a peer node then calls it there, and that node
 * passes the {@code call} to the home node over the link.
 *
 * <p>Implementations are thread-safe and never block.
 */
public interface FederatedCallees {

    /** No federation: no remote callees, nothing announced. */
    @NotNull FederatedCallees NONE = new FederatedCallees() {
        @Override
        public @Nullable Remote lookup(final @NotNull String calleeId) {
            return null;
        }

        @Override
        public boolean servedBy(final @NotNull String peerId, final @NotNull String nodeId) {
            return false;
        }

        @Override
        public void waiting(final @NotNull String calleeId, final @NotNull String label, final boolean online) {
        }
    };

    /**
     * A callee whose home is a peer node, as that node announced it over the link.
     *
     * @param home   the peer node's id.
     * @param label  the pair's label (empty when the announcement had none).
     * @param online whether a tab waits for its calls there now.
     */
    record Remote(@NotNull String home, @NotNull String label, boolean online) {
    }

    /**
     * @param calleeId a callee id (untrusted, 43 base64url characters) that is not registered here.
     * @return the callee as the peer nodes announced it (its home, or a node on the way), or {@code null}.
     */
    @Nullable Remote lookup(@NotNull String calleeId);

    /**
     * @param peerId a verified sender id.
     * @param nodeId a peer node's id.
     * @return whether {@code peerId} is a client of that peer node (heard of over its link).
     */
    boolean servedBy(@NotNull String peerId, @NotNull String nodeId);

    /**
     * A callee registered here got its first waiting tab ({@code online}), or lost its last one,
     * or is registered without one (at registration and when the node starts: {@code false}):
     * the peer nodes are told, so that a caller there hears "offline" rather than "unknown".
     *
     * @param calleeId the callee's id.
     * @param label    its label (not announced while offline).
     * @param online   whether a tab waits now.
     */
    void waiting(@NotNull String calleeId, @NotNull String label, boolean online);

    /**
     * A callee registered here expired and was discarded: the peer nodes forget it.
     *
     * @param calleeId the callee's id.
     */
    default void gone(final @NotNull String calleeId) {
    }
}
