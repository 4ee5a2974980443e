package dev.switchboard.broker.extension;

import dev.switchboard.broker.guard.PublishRateLimiter;
import java.net.InetAddress;
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
    private final @Nullable InetAddress address;
    private final PublishRateLimiter publishLimiter;

    /**
     * @param clientId       the verified client id
     * @param role           the trusted role, or {@code null} for an ordinary client
     * @param address        the connection's source address, when HiveMQ knows it
     * @param publishLimiter this client's publish budget
     */
    ConnectionState(final @NotNull String clientId, final @Nullable PeerRole role,
                    final @Nullable InetAddress address, final @NotNull PublishRateLimiter publishLimiter) {
        this.clientId = clientId;
        this.role = role;
        this.address = address;
        this.publishLimiter = publishLimiter;
    }

    /** @return the connection's source address, or {@code null} when unknown */
    @Nullable InetAddress address() {
        return address;
    }

    /** @return this client's publish budget */
    @NotNull PublishRateLimiter publishLimiter() {
        return publishLimiter;
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
