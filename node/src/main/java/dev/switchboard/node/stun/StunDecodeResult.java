package dev.switchboard.node.stun;

import org.jetbrains.annotations.NotNull;

/**
 * Outcome of {@link StunDecoder#decode}: either a {@link Success} carrying the message or a
 * {@link Failure} naming what was wrong. Decoding untrusted bytes never throws.
 */
public sealed interface StunDecodeResult permits StunDecodeResult.Success, StunDecodeResult.Failure {

    /** @return the message, or {@code null} for a failure */
    default StunMessage messageOrNull() {
        return this instanceof Success s ? s.message() : null;
    }

    /**
     * A well-formed message.
     *
     * @param message the decoded message
     */
    record Success(@NotNull StunMessage message) implements StunDecodeResult {
    }

    /**
     * A rejected datagram.
     *
     * @param error the category
     * @param detail a human-readable explanation naming the offending value (no addresses)
     */
    record Failure(@NotNull StunDecodeError error, @NotNull String detail) implements StunDecodeResult {
    }
}
