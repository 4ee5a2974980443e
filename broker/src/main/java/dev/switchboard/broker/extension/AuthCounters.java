package dev.switchboard.broker.extension;

import java.util.concurrent.atomic.LongAdder;

/**
 * Key authentications ({@code sb-key-v1}) decided since the broker was created, by result: a
 * success is a verified signature, a failure is any refusal (wrong method, bad key or id, no or
 * expired challenge, bad signature, internal error). Kept across broker restarts.
 *
 * <p>Thread-safe: increments are {@link LongAdder}s, reads may come from any thread.
 */
public final class AuthCounters {

    private final LongAdder succeeded = new LongAdder();
    private final LongAdder failed = new LongAdder();

    void success() {
        succeeded.increment();
    }

    void failure() {
        failed.increment();
    }

    /** @return authentications that succeeded since creation */
    public long succeeded() {
        return succeeded.sum();
    }

    /** @return authentications that failed since creation */
    public long failed() {
        return failed.sum();
    }
}
