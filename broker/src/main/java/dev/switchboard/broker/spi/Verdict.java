package dev.switchboard.broker.spi;

import org.jetbrains.annotations.NotNull;

import java.util.Objects;

/**
 * What the node decided about one signaling message; see
 * {@link SignalingInterceptor#inspect(SignalingMessage)}.
 */
public sealed interface Verdict {

    /** @return a verdict that delivers the message unchanged. */
    static @NotNull Verdict forward() {
        return Forward.INSTANCE;
    }

    /**
     * @param payload the payload to deliver instead of the original (topic, QoS and the verified
     *                sender stay the same); handed over, not copied: the broker reads it when the
     *                verdict applies, so the caller must not change it afterwards.
     * @return a verdict that delivers the message with a new payload.
     */
    static @NotNull Verdict rewrite(final byte @NotNull [] payload) {
        return new Rewrite(payload);
    }

    /**
     * @return a verdict that consumes the message without delivering it and without telling the
     *     sender; for messages that are correct but have no business reaching the recipient (a
     *     trickled candidate that would reveal the sender's address in relayed mode).
     */
    static @NotNull Verdict drop() {
        return Drop.INSTANCE;
    }

    /**
     * @param code    a short machine-readable error code, for example {@code bad-json}.
     * @param message a human-readable explanation naming the offending value.
     * @return a verdict that does not deliver the message and answers the sender with an
     *     {@code error} message in its inbox.
     */
    static @NotNull Verdict reject(final @NotNull String code, final @NotNull String message) {
        return new Reject(code, message);
    }

    /** Deliver unchanged. */
    enum Forward implements Verdict {
        INSTANCE
    }

    /** Consume silently. */
    enum Drop implements Verdict {
        INSTANCE
    }

    /**
     * Deliver with a replaced payload.
     *
     * @param payload the new payload.
     */
    record Rewrite(byte @NotNull [] payload) implements Verdict {
        public Rewrite {
            Objects.requireNonNull(payload, "payload");
        }
    }

    /**
     * Refuse delivery and answer the sender with an error.
     *
     * @param code    machine-readable code.
     * @param message human-readable explanation.
     */
    record Reject(@NotNull String code, @NotNull String message) implements Verdict {
        public Reject {
            Objects.requireNonNull(code, "code");
            Objects.requireNonNull(message, "message");
        }
    }
}
