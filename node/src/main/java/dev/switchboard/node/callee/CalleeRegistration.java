package dev.switchboard.node.callee;

import dev.switchboard.broker.identity.PeerIds;
import org.jetbrains.annotations.NotNull;

import java.time.Instant;
import java.util.Objects;

/**
 * One callee pair as the node keeps it ({@code docs/protocol.md} §5.3). Immutable.
 *
 * @param calleeId   the public id of the caller URL: 43 base64url characters (32 random bytes chosen
 *                   by the page), unrelated to the secret.
 * @param secretHash base64url of SHA-256 over the callee secret's bytes, 43 characters; the node
 *                   never stores the secret itself.
 * @param label      what the callee called the pair (shown to callers), 0 to {@link #MAX_LABEL}
 *                   characters, cleaned of control and bidirectional characters.
 * @param created    when the pair was registered.
 * @param lastUsed   the last call attempt or waiting tab; the pair expires this long after it.
 */
public record CalleeRegistration(@NotNull String calleeId, @NotNull String secretHash, @NotNull String label,
                                 @NotNull Instant created, @NotNull Instant lastUsed) {

    /** Longest label, in characters. */
    public static final int MAX_LABEL = 64;

    /**
     * @throws IllegalArgumentException if an id or hash has the wrong shape or the label is too long.
     */
    public CalleeRegistration {
        if (!PeerIds.isValid(calleeId)) {
            throw new IllegalArgumentException("calleeId must be 43 base64url characters: " + calleeId);
        }
        if (!PeerIds.isValid(secretHash)) {
            throw new IllegalArgumentException("secretHash must be 43 base64url characters");
        }
        Objects.requireNonNull(label, "label");
        if (label.length() > MAX_LABEL) {
            throw new IllegalArgumentException("label longer than " + MAX_LABEL + " characters");
        }
        Objects.requireNonNull(created, "created");
        Objects.requireNonNull(lastUsed, "lastUsed");
    }

    /**
     * @param when the new last use.
     * @return this registration used at {@code when} (never earlier than its current last use).
     */
    public @NotNull CalleeRegistration usedAt(final @NotNull Instant when) {
        return when.isAfter(lastUsed) ? new CalleeRegistration(calleeId, secretHash, label, created, when) : this;
    }
}
