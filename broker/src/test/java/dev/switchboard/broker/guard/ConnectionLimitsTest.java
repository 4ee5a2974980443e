package dev.switchboard.broker.guard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConnectionLimitsTest {

    @Test
    void defaults_asDocumented() {
        final ConnectionLimits d = ConnectionLimits.DEFAULTS;
        assertEquals(32, d.maxConnectionsPerAddress());
        assertEquals(96 * 1024, d.preConnectBytes());
        assertEquals(Duration.ofSeconds(10), d.connectTimeout());
        assertEquals(64 * 1024, d.readBytesPerSecond());
        assertEquals(65 * 1024, d.maxWebSocketFrameBytes());
    }

    @Test
    void outOfRange_refusedNamingTheLimit() {
        final IllegalArgumentException perAddress = assertThrows(IllegalArgumentException.class,
                () -> new ConnectionLimits(0, 96 * 1024, Duration.ofSeconds(10), 256 * 1024, 65 * 1024));
        assertTrue(perAddress.getMessage().contains("maxConnectionsPerAddress"), perAddress.getMessage());
        final IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
                () -> new ConnectionLimits(1, 96 * 1024, Duration.ofMillis(10), 256 * 1024, 65 * 1024));
        assertTrue(timeout.getMessage().contains("connectTimeout"), timeout.getMessage());
        final IllegalArgumentException frame = assertThrows(IllegalArgumentException.class,
                () -> new ConnectionLimits(1, 96 * 1024, Duration.ofSeconds(10), 256 * 1024, 10));
        assertTrue(frame.getMessage().contains("maxWebSocketFrameBytes"), frame.getMessage());
    }
}
