package dev.switchboard.node.callee;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CalleeRegistry}: registration, the secret check, use and expiry on an injected clock. */
class CalleeRegistryTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dir;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private CalleeStore store;

    static String random(final int bytes) {
        final byte[] b = new byte[bytes];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private CalleeRegistry registry(final Duration expiry) throws Exception {
        store = CalleeStore.open(dir);
        return new CalleeRegistry(store, clock, expiry);
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void register_newId_createdThenExists() throws Exception {
        final CalleeRegistry r = registry(CalleeRegistry.DEFAULT_EXPIRY);
        final String id = random(32);
        assertEquals(CalleeRegistry.Registered.CREATED,
                r.register(id, CalleeRegistry.hashOf(random(32)), "Ann's desk").get(10, TimeUnit.SECONDS));
        assertEquals(CalleeRegistry.Registered.EXISTS,
                r.register(id, CalleeRegistry.hashOf(random(32)), "mine now").get(10, TimeUnit.SECONDS));
        assertEquals("Ann's desk", r.lookup(id).label());
    }

    @Test
    void verify_rightSecretOnly_unknownIdAndWrongSecretAlike() throws Exception {
        final CalleeRegistry r = registry(CalleeRegistry.DEFAULT_EXPIRY);
        final String id = random(32);
        final String secret = random(32);
        r.register(id, CalleeRegistry.hashOf(secret), "").get(10, TimeUnit.SECONDS);
        assertTrue(r.verify(id, secret));
        assertFalse(r.verify(id, random(32)), "wrong secret");
        assertFalse(r.verify(id, null), "no secret");
        assertFalse(r.verify(id, "short"), "malformed secret");
        assertFalse(r.verify(random(32), secret), "unknown id");
        assertFalse(r.verify(id, CalleeRegistry.hashOf(secret)), "the stored hash is not the secret");
    }

    @Test
    void expiry_unusedForTheExpiry_gone_useExtendsIt_listenerTold() throws Exception {
        final CalleeRegistry r = registry(Duration.ofDays(92));
        final java.util.List<String> discarded = new java.util.ArrayList<>();
        r.onDiscarded(discarded::add);
        final String used = random(32);
        final String idle = random(32);
        final String secret = random(32);
        r.register(used, CalleeRegistry.hashOf(secret), "").get(10, TimeUnit.SECONDS);
        r.register(idle, CalleeRegistry.hashOf(secret), "").get(10, TimeUnit.SECONDS);
        assertEquals(java.util.Set.of(used, idle), java.util.Set.copyOf(r.ids()));
        clock.advance(Duration.ofDays(91));
        r.touch(used);
        assertNotNull(r.lookup(idle), "91 days: still there");
        clock.advance(Duration.ofDays(1));
        assertEquals(java.util.List.of(used), r.ids(), "an expired pair is not listed, even before it is discarded");
        assertNull(r.lookup(idle), "92 days unused: expired");
        assertEquals(java.util.List.of(idle), discarded);
        assertFalse(r.verify(idle, secret), "an expired pair takes no secret");
        assertNotNull(r.lookup(used), "used a day ago");
        clock.advance(Duration.ofDays(92));
        assertEquals(1, r.sweep(), "the sweep discards the other one on its own");
        assertEquals(0, r.size());
        assertEquals(java.util.List.of(idle, used), discarded);
    }

    @Test
    void expiry_survivesReload_expiredPairsDroppedAtLoad() throws Exception {
        CalleeRegistry r = registry(Duration.ofHours(1));
        final String id = random(32);
        r.register(id, CalleeRegistry.hashOf(random(32)), "x").get(10, TimeUnit.SECONDS);
        store.close();
        r = registry(Duration.ofHours(1));
        assertNotNull(r.lookup(id), "reloaded");
        store.close();
        clock.advance(Duration.ofHours(2));
        r = registry(Duration.ofHours(1));
        assertEquals(0, r.size(), "expired while the node was down");
    }

    @Test
    void label_cleanedOfControlAndBidiCharacters() {
        assertEquals("Ann evil", CalleeRegistry.cleanLabel("  Ann\u202e\u0000 evil\n "));
        assertEquals(CalleeRegistration.MAX_LABEL, CalleeRegistry.cleanLabel("x".repeat(100)).length());
    }
}
