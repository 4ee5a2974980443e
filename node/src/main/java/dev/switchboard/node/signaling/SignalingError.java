package dev.switchboard.node.signaling;

import org.jetbrains.annotations.NotNull;

import java.util.Objects;

/**
 * Why a signaling message was refused: a machine-readable code (see {@code docs/protocol.md},
 * "Errors") and a human-readable message that names the offending field and value.
 *
 * @param code    for example {@code bad-json}, {@code bad-field}, {@code bad-sdp}.
 * @param message the explanation shown to the sender.
 */
public record SignalingError(@NotNull String code, @NotNull String message) {
    /** Error codes used by the node. */
    public static final String BAD_JSON = "bad-json";
    public static final String BAD_VERSION = "bad-version";
    public static final String UNKNOWN_TYPE = "unknown-type";
    public static final String BAD_FIELD = "bad-field";
    public static final String FORGED_SENDER = "forged-sender";
    public static final String KEY_MISMATCH = "key-mismatch";
    public static final String BAD_SDP = "bad-sdp";
    public static final String BAD_CANDIDATE = "bad-candidate";
    public static final String RELAY_UNAVAILABLE = "relay-unavailable";
    public static final String TOO_LARGE = "too-large";
    /** The recipient of an offer or answer is not connected, or not in the room of its context. */
    public static final String RECIPIENT_UNAVAILABLE = "recipient-unavailable";
    /** The sender of an offer or answer in a room is not in that room itself. */
    public static final String NOT_IN_ROOM = "not-in-room";
    /** A call to a callee id that does not exist or has expired (docs/protocol.md §5.3). */
    public static final String UNKNOWN_CALLEE = "unknown-callee";
    /** Something only a page that proved the callee's secret may do. */
    public static final String NOT_CALLEE = "not-callee";
    /** An accept for a call another tab of the callee already answered. */
    public static final String CALL_TAKEN = "call-taken";
    /** A register for a callee id that exists already. */
    public static final String CALLEE_EXISTS = "callee-exists";
    /**
     * An offer or answer with {@code "mode":"p2p"} outside a call whose called side consented to a
     * direct link (docs/protocol.md §5.2, §8); nothing was forwarded.
     */
    public static final String P2P_NOT_AGREED = "p2p-not-agreed";

    public SignalingError {
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(message, "message");
    }
}
