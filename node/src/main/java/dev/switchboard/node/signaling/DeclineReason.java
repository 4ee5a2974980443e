package dev.switchboard.node.signaling;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Locale;

/**
 * Why the called side did not take a call: the {@code reason} of {@code decline}
 * ({@code docs/protocol.md} §5.2). The wire form is the constant's name in lower case.
 */
public enum DeclineReason {
    /** The called side is already in a call. */
    BUSY,
    /** The person said no. */
    REJECTED,
    /** Nobody can take the call now (no page waiting, or it cannot take calls of this kind). */
    UNAVAILABLE;

    /** @return the wire form, e.g. {@code busy}. */
    public @NotNull String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wire untrusted text.
     * @return the reason, or {@code null} if {@code wire} names none (never throws).
     */
    public static @Nullable DeclineReason fromWire(final @NotNull String wire) {
        for (final DeclineReason r : values()) {
            if (r.wireName().equals(wire)) {
                return r;
            }
        }
        return null;
    }
}
