package dev.switchboard.broker.spi;

import java.net.InetAddress;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * What the broker knows about who is online, for the node's signaling rules: whether a peer is
 * connected, which rooms it is in (it subscribed to the room's presence topic), and the source
 * address of its connection. The broker hands its view to the node through
 * {@link SignalingInterceptor#attach(Presence)}.
 *
 * <p>Thread-safe; every method answers from memory without blocking.
 */
public interface Presence {

    /**
     * A view that knows nothing, so it refuses nobody: every peer counts as connected and in
     * every room, with no known address. The node uses it until the broker attaches its own.
     */
    @NotNull Presence UNKNOWN = new Presence() {
        @Override
        public boolean isConnected(final @NotNull String peerId) {
            return true;
        }

        @Override
        public boolean isInRoom(final @NotNull String peerId, final @NotNull String roomId) {
            return true;
        }

        @Override
        public @Nullable InetAddress addressOf(final @NotNull String peerId) {
            return null;
        }
    };

    /** @return whether a client with this peer id is authenticated and connected now */
    boolean isConnected(@NotNull String peerId);

    /** @return whether that client is subscribed to the presence topic of {@code roomId} now */
    boolean isInRoom(@NotNull String peerId, @NotNull String roomId);

    /** @return the source address of that client's connection, or {@code null} when unknown */
    @Nullable InetAddress addressOf(@NotNull String peerId);
}
