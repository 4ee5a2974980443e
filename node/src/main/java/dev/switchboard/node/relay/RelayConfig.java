package dev.switchboard.node.relay;

import java.net.InetAddress;
import java.time.Duration;
import org.jetbrains.annotations.NotNull;

/**
 * Settings of the UDP relay; immutable and validated. Start from {@link #defaults()} and adjust
 * with the {@code with*} methods.
 *
 * @param bindAddress local address the relay ports bind to; default 127.0.0.1
 * @param advertisedHost address written into rewritten candidates, i.e. what browsers send to;
 *     default 127.0.0.1 (set it to the node's reachable address in production)
 * @param ports the port range; default 40000-40999; each session takes two ports
 * @param maxSessions total session limit, at least 1; default 500
 * @param maxSessionsPerPeer sessions one peer id may take part in, at least 1; default 8
 * @param idleTimeout a session without any forwarded packet for this long is closed; positive;
 *     default 30 s (ICE consent checks run every ~5 s, RFC 7675, so a live call is never idle)
 * @param ioThreads event loop threads for all relay ports, at least 1; default min(4, CPUs)
 */
public record RelayConfig(@NotNull InetAddress bindAddress, @NotNull InetAddress advertisedHost,
                          @NotNull PortRange ports, int maxSessions, int maxSessionsPerPeer,
                          @NotNull Duration idleTimeout, int ioThreads) {
    public RelayConfig {
        if (maxSessions < 1 || maxSessionsPerPeer < 1) {
            throw new IllegalArgumentException("session limits must be at least 1: total " + maxSessions
                    + ", per peer " + maxSessionsPerPeer);
        }
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idle timeout must be positive: " + idleTimeout);
        }
        if (ioThreads < 1) {
            throw new IllegalArgumentException("ioThreads must be at least 1: " + ioThreads);
        }
    }

    /** @return the defaults documented on the record components */
    public static @NotNull RelayConfig defaults() {
        final InetAddress loopback = InetAddress.getLoopbackAddress();
        return new RelayConfig(loopback, loopback, new PortRange(40000, 40999), 500, 8, Duration.ofSeconds(30),
                Math.min(4, Runtime.getRuntime().availableProcessors()));
    }

    public @NotNull RelayConfig withAddresses(final @NotNull InetAddress bind, final @NotNull InetAddress advertised) {
        return new RelayConfig(bind, advertised, ports, maxSessions, maxSessionsPerPeer, idleTimeout, ioThreads);
    }

    public @NotNull RelayConfig withPorts(final @NotNull PortRange range) {
        return new RelayConfig(bindAddress, advertisedHost, range, maxSessions, maxSessionsPerPeer, idleTimeout, ioThreads);
    }

    public @NotNull RelayConfig withLimits(final int total, final int perPeer) {
        return new RelayConfig(bindAddress, advertisedHost, ports, total, perPeer, idleTimeout, ioThreads);
    }

    public @NotNull RelayConfig withIdleTimeout(final @NotNull Duration timeout) {
        return new RelayConfig(bindAddress, advertisedHost, ports, maxSessions, maxSessionsPerPeer, timeout, ioThreads);
    }

    public @NotNull RelayConfig withIoThreads(final int threads) {
        return new RelayConfig(bindAddress, advertisedHost, ports, maxSessions, maxSessionsPerPeer, idleTimeout, threads);
    }
}
