package dev.switchboard.node.callee;

import dev.switchboard.broker.identity.PeerIds;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

/**
 * The node's callee pairs ({@code docs/protocol.md} §5.3): registers them, checks a callee secret
 * against its stored hash, notes their use, and forgets a pair not used for {@link #expiry()}
 * (92 days by default): an expired pair is as unknown as one that never existed.
 *
 * <p>Thread-safe; nothing here blocks ({@link #register} completes when the store has written).
 * Time comes from the injected {@link Clock}, so tests move it instead of sleeping.
 */
public final class CalleeRegistry {

    /** Default expiry: a pair not used for this long is discarded. */
    public static final Duration DEFAULT_EXPIRY = Duration.ofDays(92);
    /** A callee secret: base64url of at least 16 random bytes (128 bits), at most 64 characters. */
    public static final Pattern SECRET = Pattern.compile("[A-Za-z0-9_-]{22,64}");
    /** Cleaning of labels: the characters {@code docs/protocol.md} §5.1 strips from names. */
    private static final Pattern LABEL_STRIPPED =
            Pattern.compile("[\\x{0000}-\\x{001f}\\x{007f}-\\x{009f}\\x{2028}\\x{2029}\\x{202a}-\\x{202e}\\x{2066}-\\x{2069}]");
    /** Compared with when the id is unknown, so that time does not tell unknown ids from wrong secrets. */
    private static final byte[] NO_HASH = new byte[32];

    private final CalleeStore store;
    private final Clock clock;
    private final Duration expiry;
    private volatile java.util.function.Consumer<String> discarded = id -> { };

    /**
     * @param store  where registrations live; its content is taken over (expired ones dropped).
     * @param clock  the time source.
     * @param expiry how long an unused pair lives, positive.
     * @throws IllegalArgumentException if {@code expiry} is not positive.
     */
    public CalleeRegistry(final @NotNull CalleeStore store, final @NotNull Clock clock, final @NotNull Duration expiry) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        if (expiry.isNegative() || expiry.isZero()) {
            throw new IllegalArgumentException("callee expiry must be positive: " + expiry);
        }
        this.expiry = expiry;
        sweep();
    }

    /** @return how long an unused pair lives. */
    public @NotNull Duration expiry() {
        return expiry;
    }

    /** The outcome of {@link #register}. */
    public enum Registered {
        /** Stored durably. */
        CREATED,
        /** A pair with this id exists already; nothing changed. */
        EXISTS
    }

    /**
     * Registers a new pair.
     *
     * @param calleeId   43 base64url characters.
     * @param secretHash base64url SHA-256 of the secret, 43 characters.
     * @param label      the callee's label, possibly empty; cleaned and cut to
     *                   {@link CalleeRegistration#MAX_LABEL} characters here.
     * @return completes with {@link Registered#CREATED} once the pair is on the device, or
     *     {@link Registered#EXISTS}; fails if the store cannot write.
     * @throws IllegalArgumentException if an id or hash has the wrong shape (validate first).
     */
    public @NotNull CompletableFuture<Registered> register(final @NotNull String calleeId,
                                                          final @NotNull String secretHash,
                                                          final @NotNull String label) {
        final Instant now = clock.instant();
        final CalleeRegistration r = new CalleeRegistration(calleeId, secretHash, cleanLabel(label), now, now);
        synchronized (this) { // registrations are rare; this makes "exists" and "put" one step
            final CalleeRegistration existing = store.get(calleeId);
            if (existing != null && !expired(existing, now)) {
                return CompletableFuture.completedFuture(Registered.EXISTS);
            }
            return store.put(r).thenApply(ignored -> Registered.CREATED);
        }
    }

    /**
     * @param calleeId a callee id (untrusted).
     * @return the pair, or {@code null} if there is none or it expired (then it is discarded).
     */
    public @Nullable CalleeRegistration lookup(final @NotNull String calleeId) {
        final CalleeRegistration r = store.get(calleeId);
        if (r == null) {
            return null;
        }
        if (expired(r, clock.instant())) {
            store.remove(r);
            discarded.accept(r.calleeId());
            return null;
        }
        return r;
    }

    /**
     * @param listener told the id of each pair discarded from now on (expired); called on the
     *                 thread that discards it (a lookup's or the sweep's); must not block.
     */
    public void onDiscarded(final @NotNull java.util.function.Consumer<String> listener) {
        this.discarded = Objects.requireNonNull(listener, "listener");
    }

    /** @return the ids of the pairs registered now (expired ones left out). */
    public @NotNull java.util.List<String> ids() {
        final Instant now = clock.instant();
        final java.util.List<String> ids = new java.util.ArrayList<>();
        for (final CalleeRegistration r : store.values()) {
            if (!expired(r, now)) {
                ids.add(r.calleeId());
            }
        }
        return ids;
    }

    /**
     * Checks a callee secret, in the same time whether the id exists or not.
     *
     * @param calleeId a callee id (untrusted).
     * @param secret   the secret as the page presents it (untrusted), base64url.
     * @return whether the pair exists, has not expired, and {@code secret} hashes to its stored hash.
     */
    public boolean verify(final @NotNull String calleeId, final @Nullable String secret) {
        final CalleeRegistration r = lookup(calleeId);
        final byte[] stored = r == null ? NO_HASH : decode(r.secretHash());
        final byte[] presented = secret == null || !SECRET.matcher(secret).matches()
                ? new byte[32] : sha256(secret.getBytes(StandardCharsets.US_ASCII));
        final boolean equal = MessageDigest.isEqual(stored, presented);
        return r != null && secret != null && SECRET.matcher(secret).matches() && equal;
    }

    /**
     * Notes a use of the pair (a call attempt, a waiting tab): it lives {@link #expiry()} from now.
     *
     * @param calleeId the pair's id; nothing happens if it is unknown.
     */
    public void touch(final @NotNull String calleeId) {
        final CalleeRegistration r = store.get(calleeId);
        if (r != null) {
            store.update(r.usedAt(clock.instant()));
        }
    }

    /**
     * Discards every expired pair (the node runs this periodically; lookups also discard).
     *
     * @return how many were discarded.
     */
    public int sweep() {
        final Instant now = clock.instant();
        int removed = 0;
        final java.util.List<CalleeRegistration> expired = new java.util.ArrayList<>();
        for (final CalleeRegistration r : store.values()) {
            if (expired(r, now)) {
                expired.add(r);
            }
        }
        for (final CalleeRegistration r : expired) {
            store.remove(r);
            discarded.accept(r.calleeId());
            removed++;
        }
        return removed;
    }

    /** @return how many pairs are registered (expired ones not yet swept included). */
    public int size() {
        return store.size();
    }

    private boolean expired(final CalleeRegistration r, final Instant now) {
        return !r.lastUsed().plus(expiry).isAfter(now);
    }

    /**
     * @param secret the secret's text (base64url).
     * @return base64url of SHA-256 over its ASCII bytes: what the node stores.
     */
    public static @NotNull String hashOf(final @NotNull String secret) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(secret.getBytes(StandardCharsets.US_ASCII)));
    }

    /** @return the label with control and bidirectional characters removed, trimmed and cut. */
    static @NotNull String cleanLabel(final @NotNull String label) {
        final String clean = LABEL_STRIPPED.matcher(label).replaceAll("").trim();
        int end = 0;
        while (end < clean.length()) {
            final int next = clean.offsetByCodePoints(end, 1);
            if (next > CalleeRegistration.MAX_LABEL) {
                break; // at most 64 UTF-16 units, never half a surrogate pair
            }
            end = next;
        }
        return clean.substring(0, end);
    }

    private static byte[] decode(final String b64) {
        return PeerIds.isValid(b64) ? Base64.getUrlDecoder().decode(b64) : NO_HASH;
    }

    private static byte[] sha256(final byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
