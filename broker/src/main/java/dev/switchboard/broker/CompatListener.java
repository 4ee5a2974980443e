package dev.switchboard.broker;

import java.net.InetAddress;
import java.util.Objects;

import dev.switchboard.broker.guard.PublishLimits;
import org.jetbrains.annotations.NotNull;

/**
 * The opt-in compatibility listener (docs/protocol.md §12): a WebSocket listener of its own where
 * unmodified clients of public-broker signaling libraries (Trystero's MQTT strategy, RTChat) may
 * connect anonymously with MQTT 3.1.1 or 5 and use flat topic names only
 * ({@link dev.switchboard.broker.topic.FlatTopics}): no {@code /}, no wildcards, no {@code $},
 * no retained messages, QoS 0 and 1, small messages, publish budgets per client and per source
 * address. Nothing there reaches a Switchboard topic, and such clients get no identity and no
 * relay. It uses TLS exactly when the main WebSocket listener does (same certificate).
 *
 * @param bind             address to listen on.
 * @param port             0 = pick a free port (see {@link EmbeddedBroker#compatPort()}), or 1..65535.
 * @param path             the WebSocket path, starting with {@code /}, e.g. {@code /mqtt}.
 * @param maxMessageBytes  largest payload of one publish, in bytes, 64..65536; larger ones are
 *                         refused (PUBACK 0x87 at QoS 1, dropped at QoS 0). Trystero's signals
 *                         (encrypted SDP) take a few KiB.
 * @param perClient        each client's publish budget.
 * @param perAddress       the budget all compatibility clients of one source address share.
 */
public record CompatListener(@NotNull InetAddress bind, int port, @NotNull String path, int maxMessageBytes,
                             @NotNull PublishLimits perClient, @NotNull PublishLimits perAddress) {

    /** Default largest message, in bytes. */
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024;
    /** Default per-client budget: 10 messages/s, bursts of 40, 64 KiB/s, bursts of 128 KiB. */
    public static final @NotNull PublishLimits DEFAULT_PER_CLIENT = new PublishLimits(10, 40, 64 * 1024, 128 * 1024,
            200, java.time.Duration.ofSeconds(10));
    /** Default per-address budget: 30 messages/s, bursts of 120, 192 KiB/s, bursts of 384 KiB. */
    public static final @NotNull PublishLimits DEFAULT_PER_ADDRESS = new PublishLimits(30, 120, 192 * 1024, 384 * 1024,
            10_000_000, java.time.Duration.ofSeconds(10));

    /**
     * @throws IllegalArgumentException naming the bad value.
     */
    public CompatListener {
        Objects.requireNonNull(bind, "bind");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(perClient, "perClient");
        Objects.requireNonNull(perAddress, "perAddress");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("compat port must be 0 (any) or 1..65535: " + port);
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("compat path must start with '/': " + path);
        }
        if (maxMessageBytes < 64 || maxMessageBytes > 65536) {
            throw new IllegalArgumentException("compat maxMessageBytes must be 64..65536: " + maxMessageBytes);
        }
    }

    /**
     * @param bind address to listen on.
     * @param port 0 or 1..65535.
     * @param path the WebSocket path.
     * @return a listener with the default message size and budgets.
     */
    public static @NotNull CompatListener of(final @NotNull InetAddress bind, final int port, final @NotNull String path) {
        return new CompatListener(bind, port, path, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_PER_CLIENT, DEFAULT_PER_ADDRESS);
    }
}
