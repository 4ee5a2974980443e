package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.Verdict;
import org.jetbrains.annotations.NotNull;

/**
 * The lobby's side of the signaling service ({@code docs/lobby.md}): takes the requests people
 * make on the lobby page, addressed to the node's own inbox, and hears when a requester's
 * connection ends. The node's lobby implements it; the signaling service knows nothing of admins.
 *
 * <p>Threading: called on the broker extension's executor, concurrently for different clients;
 * implementations are thread-safe and never block.
 */
public interface LobbyDesk {

    /** No lobby: every request is refused with {@code bad-field}. */
    @NotNull LobbyDesk NONE = new LobbyDesk() {
        @Override
        public @NotNull Verdict request(final @NotNull Message.Envelope envelope,
                                        final @NotNull Message.LobbyRequest request) {
            return Verdict.reject(SignalingError.BAD_FIELD, "this node has no lobby");
        }

        @Override
        public @NotNull Verdict cancel(final @NotNull Message.Envelope envelope,
                                       final @NotNull Message.LobbyCancel cancel) {
            return Verdict.reject(SignalingError.BAD_FIELD, "this node has no lobby");
        }

        @Override
        public void left(final @NotNull String peerId) {
        }
    };

    /**
     * A requester asks for a chat. Whatever the outcome (a known admin or not, a permitted name or
     * not), the requester must be told the same thing: the verdict is the same for all of them.
     *
     * @return the verdict for the message (it is never delivered to anyone)
     */
    @NotNull Verdict request(@NotNull Message.Envelope envelope, @NotNull Message.LobbyRequest request);

    /** A requester stops waiting. */
    @NotNull Verdict cancel(@NotNull Message.Envelope envelope, @NotNull Message.LobbyCancel cancel);

    /** A client's connection ended: it waits no longer. */
    void left(@NotNull String peerId);

    /** Takes the broker's view of who is online (source addresses), once at start. */
    default void attach(final @NotNull dev.switchboard.broker.spi.Presence presence) {
    }
}
