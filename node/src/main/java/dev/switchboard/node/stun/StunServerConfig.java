package dev.switchboard.node.stun;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * Settings of the STUN service; immutable.
 *
 * @param bindAddress local address and UDP port to listen on; port 0 picks a free port (read the
 *     real one from {@link StunServer#localAddress()}); the usual port is 3478 (RFC 8489 §18.6)
 * @param software SOFTWARE attribute value for responses (fewer than 128 characters), or
 *     {@code null} (default) to leave it out and keep responses small
 */
public record StunServerConfig(@NotNull InetSocketAddress bindAddress, @Nullable String software) {
    public StunServerConfig {
        if (bindAddress.isUnresolved()) {
            throw new IllegalArgumentException("STUN bind address must be resolved");
        }
        if (software != null && software.length() > 127) {
            throw new IllegalArgumentException("SOFTWARE must be shorter than 128 characters");
        }
    }

    /** @return a configuration on {@code address:port} without SOFTWARE */
    public static @NotNull StunServerConfig of(final @NotNull InetAddress address, final int port) {
        return new StunServerConfig(new InetSocketAddress(address, port), null);
    }
}
