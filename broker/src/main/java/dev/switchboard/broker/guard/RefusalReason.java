package dev.switchboard.broker.guard;

import org.jetbrains.annotations.NotNull;

/**
 * Why the node refused someone: one value per class of refusal, used as the metrics label and in
 * the refusal log. The wire-level answer a client sees is documented in {@code docs/protocol.md}.
 */
public enum RefusalReason {
    /** A source address outside the node's allow-lists, or blocked as a scanner ({@link AddressGate}). */
    ADDRESS_REFUSED("address-refused"),
    /** A source address already holds the most connections one address may hold. */
    TOO_MANY_CONNECTIONS("too-many-connections"),
    /** A connection sent more bytes before its CONNECT than the pre-CONNECT limit. */
    PRE_CONNECT_BYTES("pre-connect-bytes"),
    /** A connection did not complete its CONNECT within the connect timeout. */
    SLOW_HANDSHAKE("slow-handshake"),
    /** A WebSocket frame larger than the limit (closed with 1009). */
    WEBSOCKET_FRAME_TOO_BIG("websocket-frame-too-big"),
    /** A client published faster than its message or byte rate; the message was refused. */
    RATE_LIMITED("rate-limited"),
    /** A client stayed far over its rate and was disconnected (reason code 0x96). */
    RATE_DISCONNECTED("rate-disconnected"),
    /** A publish outside the topic grammar, retained, or to a topic the node does not handle. */
    FORBIDDEN_TOPIC("forbidden-topic"),
    /** An offer or answer to a peer that is not there (not connected, or not in the room). */
    RECIPIENT_UNAVAILABLE("recipient-unavailable"),
    /** An offer or answer the relay had no room for (total, per-peer or per-address limit). */
    RELAY_UNAVAILABLE("relay-unavailable"),
    /** Any other message the node's signaling rules refused (malformed, forged, too large, ...). */
    INVALID_MESSAGE("invalid-message");

    private final String label;

    RefusalReason(final String label) {
        this.label = label;
    }

    /**
     * @param code an error code the node's signaling rules answered with ({@code docs/protocol.md}
     *             §7)
     * @return the class of refusal it belongs to
     */
    public static @NotNull RefusalReason ofSignalingCode(final @NotNull String code) {
        return switch (code) {
            case "recipient-unavailable", "not-in-room" -> RECIPIENT_UNAVAILABLE;
            case "relay-unavailable" -> RELAY_UNAVAILABLE;
            case "forbidden-topic" -> FORBIDDEN_TOPIC;
            case "rate-limited" -> RATE_LIMITED;
            default -> INVALID_MESSAGE;
        };
    }

    /** @return the lower-case, dash-separated name used in metrics and logs */
    public @NotNull String label() {
        return label;
    }
}
