package dev.switchboard.broker.guard;

import org.jetbrains.annotations.NotNull;

/**
 * One client's publish budget ({@link PublishLimits}): a token bucket for messages and one for
 * payload bytes, refilled continuously, and a count of refusals in the current window. Values in
 * (a monotonic time in nanoseconds, a payload size), a decision out; allocates nothing.
 *
 * <p>Thread-safe: {@link #check} is synchronized (calls for one client come in publish order and
 * never contend in practice).
 */
public final class PublishRateLimiter {

    /** What to do with one message. */
    public enum Decision {
        /** Within the budget: deliver. */
        ALLOW,
        /** Over the budget: refuse this message, keep the client. */
        REFUSE,
        /** Over the budget and over the refusal threshold in this window: disconnect the client. */
        DISCONNECT
    }

    private final PublishLimits limits;
    private final long windowNanos;
    private double messageTokens;
    private double byteTokens;
    private long lastRefillNanos;
    private long windowStartNanos;
    private int refusedInWindow;
    private long lastToldNanos;
    private boolean told;
    private boolean disconnectDecided;

    /**
     * @param limits   the budget
     * @param nowNanos the current time on the clock later passed to {@link #check}; the buckets
     *                 start full
     */
    public PublishRateLimiter(final @NotNull PublishLimits limits, final long nowNanos) {
        this.limits = limits;
        this.windowNanos = limits.window().toNanos();
        this.messageTokens = limits.messageBurst();
        this.byteTokens = limits.byteBurst();
        this.lastRefillNanos = nowNanos;
        this.windowStartNanos = nowNanos;
    }

    /**
     * Takes one message of {@code payloadBytes} from the budget if it fits.
     *
     * @param nowNanos     the current monotonic time ({@link System#nanoTime()})
     * @param payloadBytes the message's payload size, at least 0
     * @return the decision; a refused message takes nothing from the buckets; {@link
     *     Decision#DISCONNECT} comes at most once
     */
    public synchronized @NotNull Decision check(final long nowNanos, final int payloadBytes) {
        final long elapsed = Math.max(0, nowNanos - lastRefillNanos);
        lastRefillNanos = nowNanos;
        final double seconds = elapsed / 1e9;
        messageTokens = Math.min(limits.messageBurst(), messageTokens + seconds * limits.messagesPerSecond());
        byteTokens = Math.min(limits.byteBurst(), byteTokens + seconds * limits.bytesPerSecond());
        if (messageTokens >= 1 && byteTokens >= payloadBytes) {
            messageTokens -= 1;
            byteTokens -= payloadBytes;
            return Decision.ALLOW;
        }
        if (nowNanos - windowStartNanos > windowNanos) {
            windowStartNanos = nowNanos;
            refusedInWindow = 0;
        }
        refusedInWindow++;
        if (refusedInWindow > limits.disconnectAfter() && !disconnectDecided) {
            disconnectDecided = true; // once: the publishes still in flight are only refused
            return Decision.DISCONNECT;
        }
        return Decision.REFUSE;
    }

    /**
     * Whether a refused client should be told again (an error message to its inbox): at most once
     * a second, so the answers to a flood are no flood themselves.
     *
     * @param nowNanos the current monotonic time
     * @return true at most once per second
     */
    public synchronized boolean shouldTell(final long nowNanos) {
        if (told && nowNanos - lastToldNanos < 1_000_000_000L) {
            return false;
        }
        told = true;
        lastToldNanos = nowNanos;
        return true;
    }
}
