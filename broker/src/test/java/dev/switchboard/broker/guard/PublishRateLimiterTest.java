package dev.switchboard.broker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.switchboard.broker.guard.PublishRateLimiter.Decision;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PublishRateLimiterTest {

    private static final long SECOND = 1_000_000_000L;
    private static final PublishLimits LIMITS = new PublishLimits(10, 5, 1024, 4096, 3, Duration.ofSeconds(10));

    @Test
    void burst_allowed_thenRefused() {
        final PublishRateLimiter limiter = new PublishRateLimiter(LIMITS, 0);
        for (int i = 0; i < 5; i++) {
            assertEquals(Decision.ALLOW, limiter.check(0, 10), "message " + i + " is within the burst");
        }
        assertEquals(Decision.REFUSE, limiter.check(0, 10));
    }

    @Test
    void tokens_refillAtTheRate() {
        final PublishRateLimiter limiter = new PublishRateLimiter(LIMITS, 0);
        for (int i = 0; i < 5; i++) {
            limiter.check(0, 10);
        }
        assertEquals(Decision.REFUSE, limiter.check(SECOND / 20, 10), "50 ms refill half a token at 10/s");
        assertEquals(Decision.ALLOW, limiter.check(SECOND / 10 + SECOND / 20, 10), "a full token after 100 ms");
        assertEquals(Decision.REFUSE, limiter.check(SECOND / 10 + SECOND / 20, 10));
    }

    @Test
    void bytes_limitedApartFromMessages() {
        final PublishRateLimiter limiter = new PublishRateLimiter(LIMITS, 0);
        assertEquals(Decision.ALLOW, limiter.check(0, 4000));
        assertEquals(Decision.REFUSE, limiter.check(0, 200), "the byte bucket holds 96 bytes");
        assertEquals(Decision.ALLOW, limiter.check(0, 90));
        assertEquals(Decision.ALLOW, limiter.check(SECOND, 1000), "1024 bytes refilled after a second");
    }

    @Test
    void refusedMessage_takesNothing() {
        final PublishRateLimiter limiter = new PublishRateLimiter(LIMITS, 0);
        assertEquals(Decision.ALLOW, limiter.check(0, 4096));
        assertEquals(Decision.REFUSE, limiter.check(0, 4096));
        assertEquals(Decision.ALLOW, limiter.check(SECOND / 100 * 5, 51), "51 bytes refilled in 50 ms; nothing lost to the refusal");
    }

    @Test
    void keepsGoingOverTheRate_disconnect_afterThreshold() {
        final PublishRateLimiter limiter = new PublishRateLimiter(LIMITS, 0);
        for (int i = 0; i < 5; i++) {
            limiter.check(0, 10);
        }
        assertEquals(Decision.REFUSE, limiter.check(0, 10));
        assertEquals(Decision.REFUSE, limiter.check(0, 10));
        assertEquals(Decision.REFUSE, limiter.check(0, 10));
        assertEquals(Decision.DISCONNECT, limiter.check(0, 10), "the fourth refusal in the window is over 3");
        assertEquals(Decision.REFUSE, limiter.check(0, 10), "disconnect is decided once");
    }

    @Test
    void refusalWindow_resets() {
        final PublishRateLimiter limiter = new PublishRateLimiter(LIMITS, 0);
        for (int i = 0; i < 5; i++) {
            limiter.check(0, 10);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(Decision.REFUSE, limiter.check(0, 10));
        }
        // 11 s later the bucket is full again and the window starts over
        final long later = 11 * SECOND;
        for (int i = 0; i < 5; i++) {
            assertEquals(Decision.ALLOW, limiter.check(later, 10));
        }
        assertEquals(Decision.REFUSE, limiter.check(later, 10));
    }

    @Test
    void shouldTell_atMostOncePerSecond() {
        final PublishRateLimiter limiter = new PublishRateLimiter(LIMITS, 0);
        assertTrue(limiter.shouldTell(0));
        assertFalse(limiter.shouldTell(SECOND / 2));
        assertTrue(limiter.shouldTell(SECOND + 1));
    }

    @Test
    void limits_validated() {
        assertThrows(IllegalArgumentException.class,
                () -> new PublishLimits(0, 5, 1024, 4096, 3, Duration.ofSeconds(10)));
        assertThrows(IllegalArgumentException.class,
                () -> new PublishLimits(10, 5, 1024, 4096, 3, Duration.ofMillis(10)));
    }
}
