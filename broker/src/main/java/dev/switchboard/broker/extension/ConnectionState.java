package dev.switchboard.broker.extension;

import dev.switchboard.broker.PeerRole;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the extension remembers about one authenticated connection: its verified id, its role, the
 * room presence topics it subscribed to. Thread-safe.
 */
final class ConnectionState {

    private final String clientId;
    private final @Nullable PeerRole role;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();

    ConnectionState(final @NotNull String clientId, final @Nullable PeerRole role) {
        this.clientId = clientId;
        this.role = role;
    }

    @NotNull String clientId() {
        return clientId;
    }

    @Nullable PeerRole role() {
        return role;
    }

    @NotNull Set<String> rooms() {
        return rooms;
    }
}
