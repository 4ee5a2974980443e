package dev.switchboard.node.signaling;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Locale;

/**
 * How a call's media flow, as the {@code mode} of {@code accept} gives the called side's final
 * choice ({@code docs/protocol.md} §5.2, §8): through the node's relay (the default), or directly
 * between the two browsers, which then see each other's addresses. Direct is possible only when
 * the caller asked for it and the called side agreed.
 */
public enum CallMode {
    /** Through the node's relay; neither side learns the other's address. */
    RELAY,
    /** Peer to peer; each side sees the other's addresses. */
    P2P;

    /** @return the wire form, {@code relay} or {@code p2p}. */
    public @NotNull String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param wire untrusted text.
     * @return the mode, or {@code null} if {@code wire} names none (never throws).
     */
    public static @Nullable CallMode fromWire(final @NotNull String wire) {
        for (final CallMode m : values()) {
            if (m.wireName().equals(wire)) {
                return m;
            }
        }
        return null;
    }
}
