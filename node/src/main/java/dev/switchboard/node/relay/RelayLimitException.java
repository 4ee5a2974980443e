package dev.switchboard.node.relay;

import org.jetbrains.annotations.NotNull;

/** A relay session could not be opened because a configured limit is reached. */
public final class RelayLimitException extends Exception {
    private static final long serialVersionUID = 1L;

    /** Which limit. */
    public enum Reason {
        /** The total number of sessions is at its maximum. */
        TOTAL_SESSIONS,
        /** One of the peers has its maximum number of sessions. */
        SESSIONS_PER_PEER,
        /** The opener's (or joiner's) source address takes part in its maximum number of sessions. */
        SESSIONS_PER_ADDRESS,
        /** No two bindable ports are left in the configured range. */
        PORTS_EXHAUSTED
    }

    private final Reason reason;

    public RelayLimitException(final @NotNull Reason reason, final @NotNull String message) {
        super(message);
        this.reason = reason;
    }

    /** @return which limit was hit */
    public @NotNull Reason reason() {
        return reason;
    }
}
