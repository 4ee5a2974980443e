package dev.switchboard.node.relay;

import org.jetbrains.annotations.NotNull;

/**
 * Identifies a relay session: a context (e.g. a room id or call id) and the unordered pair of
 * peer ids. {@code SessionKey.of(ctx, a, b).equals(SessionKey.of(ctx, b, a))}.
 *
 * @param context the context, non-empty
 * @param lowPeer the lexicographically smaller peer id
 * @param highPeer the other peer id (different from {@code lowPeer})
 */
public record SessionKey(@NotNull String context, @NotNull String lowPeer, @NotNull String highPeer) {
    public SessionKey {
        if (context.isEmpty() || lowPeer.isEmpty() || highPeer.isEmpty()) {
            throw new IllegalArgumentException("context and peer ids must not be empty");
        }
        if (lowPeer.compareTo(highPeer) >= 0) {
            throw new IllegalArgumentException("peers must be distinct and ordered; use SessionKey.of");
        }
    }

    /**
     * @return the key for {@code context} and the two peers in either order
     * @throws IllegalArgumentException when the peers are equal or anything is empty
     */
    public static @NotNull SessionKey of(final @NotNull String context, final @NotNull String peer1,
                                         final @NotNull String peer2) {
        return peer1.compareTo(peer2) < 0 ? new SessionKey(context, peer1, peer2) : new SessionKey(context, peer2, peer1);
    }

    /** @return whether {@code peerId} is one of the two peers */
    public boolean involves(final @NotNull String peerId) {
        return lowPeer.equals(peerId) || highPeer.equals(peerId);
    }
}
