package dev.switchboard.node.signaling;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * What a page can do in a call, as the {@code caps} of {@code call}, {@code accept} and
 * {@code capabilities} carry it ({@code docs/protocol.md} §5.2; the IRC WebRTC negotiation's
 * capability list, spelled the same). The wire form is the constant's name.
 */
public enum Capability {
    /** Audio both ways. */
    VOICE,
    /** Video both ways. */
    VIDEO,
    /** Files over the session's file channel ({@code docs/protocol.md} §10.2). */
    FILE;

    /**
     * @param wire untrusted text.
     * @return the capability, or {@code null} if {@code wire} names none (never throws).
     */
    public static @Nullable Capability fromWire(final @NotNull String wire) {
        for (final Capability c : values()) {
            if (c.name().equals(wire)) {
                return c;
            }
        }
        return null;
    }
}
