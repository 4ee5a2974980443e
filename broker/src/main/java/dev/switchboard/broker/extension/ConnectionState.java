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
    /** The budget shared by the compatibility clients of this source address; null for others. */
    private final @Nullable PublishRateLimiter addressLimiter;
    /** The SPKI DER bytes the client proved at CONNECT (sb-key-v1); null for other connections. Never modified. */
    private final byte @Nullable [] key;

    /**
     * @param clientId       the verified client id
     * @param role           the trusted role, or {@code null} for an ordinary client
     * @param address        the connection's source address, when HiveMQ knows it
     * @param publishLimiter this client's publish budget
     */
    ConnectionState(final @NotNull String clientId, final @Nullable PeerRole role,
                    final @Nullable InetAddress address, final @NotNull PublishRateLimiter publishLimiter) {
        this(clientId, role, address, publishLimiter, null);
    }

    /**
     * @param clientId       the verified client id
     * @param role           the trusted role, or {@code null} for an ordinary client
     * @param address        the connection's source address, when HiveMQ knows it
     * @param publishLimiter this client's publish budget
     * @param key            the SPKI DER bytes the client proved at CONNECT (it hashes to
     *                       {@code clientId}), or {@code null}; kept, never modified
     */
    ConnectionState(final @NotNull String clientId, final @Nullable PeerRole role,
                    final @Nullable InetAddress address, final @NotNull PublishRateLimiter publishLimiter,
                    final byte @Nullable [] key) {
        this.clientId = clientId;
        this.role = role;
        this.address = address;
        this.publishLimiter = publishLimiter;
        this.addressLimiter = null;
        this.key = key;
    }

    private ConnectionState(final @NotNull String clientId, final @Nullable InetAddress address,
                            final @NotNull PublishRateLimiter publishLimiter,
                            final @NotNull PublishRateLimiter addressLimiter) {
        this.clientId = clientId;
        this.role = null;
        this.address = address;
        this.publishLimiter = publishLimiter;
        this.addressLimiter = addressLimiter;
        this.key = null;
    }

    /**
     * @param clientId       the client id it chose (no identity: anyone may choose it)
     * @param address        the connection's source address, when HiveMQ knows it
     * @param publishLimiter this client's publish budget
     * @param addressLimiter the budget shared by the compatibility clients of its address
     * @return the state of an anonymous client of the compatibility listener
     */
    static @NotNull ConnectionState compat(final @NotNull String clientId, final @Nullable InetAddress address,
                                           final @NotNull PublishRateLimiter publishLimiter,
                                           final @NotNull PublishRateLimiter addressLimiter) {
        return new ConnectionState(clientId, address, publishLimiter, addressLimiter);
    }

    /** @return whether this is an anonymous client of the compatibility listener (flat topics only) */
    boolean compat() {
        return addressLimiter != null;
    }

    /** @return the budget shared by the compatibility clients of this address; null for others */
    @Nullable PublishRateLimiter addressLimiter() {
        return addressLimiter;
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

    /** @return the SPKI DER bytes the client proved at CONNECT, or {@code null}; callers must not modify them */
    byte @Nullable [] key() {
        return key;
    }

    @Nullable PeerRole role() {
        return role;
    }

    @NotNull Set<String> rooms() {
        return rooms;
    }
}
