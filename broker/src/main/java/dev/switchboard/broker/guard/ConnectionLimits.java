package dev.switchboard.broker.guard;

import java.time.Duration;
import java.util.Objects;
import org.jetbrains.annotations.NotNull;

/**
 * Limits the broker's listeners apply to every connection on its own, before MQTT is parsed, so
 * that one stranger can never use up a budget that everyone shares.
 *
 * @param maxConnectionsPerAddress open connections one source IP address may hold on the broker's
 *                                 listeners (all listeners together); the next one is closed at
 *                                 accept. Default 32; 1..100000.
 * @param preConnectBytes          bytes a connection may send before its MQTT CONNECT has been
 *                                 received (TLS and WebSocket handshakes and the CONNECT itself);
 *                                 a connection over it is closed. Default 96 KiB (a CONNECT may be
 *                                 up to the maximum packet size, 64 KiB by default); 1 KiB..16 MiB.
 * @param connectTimeout           time from accept until the CONNECT must have been received; a
 *                                 slower handshake is closed, however it trickles its bytes.
 *                                 Default 10 s; 1..120 s.
 * @param readBytesPerSecond       sustained bytes per second the broker reads from one connection;
 *                                 one second's worth is read at once (16 KiB before the login),
 *                                 a faster sender is slowed down (its socket is not read for a
 *                                 while), nobody else is ({@link ReadRateLimit}). Default
 *                                 64 KiB/s (an SDP is a few KiB; measured by FloodIT, a faster
 *                                 default lets one flooder slow others down); 1 KiB/s..1 GiB/s.
 * @param maxWebSocketFrameBytes   largest WebSocket frame payload (RFC 6455 §5.2); a larger frame
 *                                 closes the connection with status 1009 (message too big, RFC
 *                                 6455 §7.4.1). Default 65 KiB; 1 KiB..16 MiB.
 */
public record ConnectionLimits(
        int maxConnectionsPerAddress,
        int preConnectBytes,
        @NotNull Duration connectTimeout,
        long readBytesPerSecond,
        int maxWebSocketFrameBytes) {

    /** The defaults, as documented on each component. */
    public static final @NotNull ConnectionLimits DEFAULTS =
            new ConnectionLimits(32, 96 * 1024, Duration.ofSeconds(10), 64 * 1024, 65 * 1024);

    /**
     * Validates every limit.
     *
     * @throws IllegalArgumentException naming the limit and the bad value
     */
    public ConnectionLimits {
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        check("maxConnectionsPerAddress", maxConnectionsPerAddress, 1, 100_000);
        check("preConnectBytes", preConnectBytes, 1024, 16 << 20);
        check("readBytesPerSecond", readBytesPerSecond, 1024, 1L << 30);
        check("maxWebSocketFrameBytes", maxWebSocketFrameBytes, 1024, 16 << 20);
        if (connectTimeout.compareTo(Duration.ofSeconds(1)) < 0
                || connectTimeout.compareTo(Duration.ofSeconds(120)) > 0) {
            throw new IllegalArgumentException("connectTimeout must be 1..120 s: " + connectTimeout);
        }
    }

    private static void check(final String name, final long value, final long min, final long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be " + min + ".." + max + ": " + value);
        }
    }
}
