package dev.switchboard.node.access;

import dev.switchboard.node.config.NodeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AccessControlTest {

    private static final ScannerRules RULES = new ScannerRules(2, 2, Duration.ofSeconds(10), Duration.ofSeconds(30));
    private final AtomicLong now = new AtomicLong();

    private static InetAddress ip(final String s) throws Exception {
        return InetAddress.getByName(s);
    }

    @Test
    void ipAllowList_admitsOnlyItsNetworks_andRecordsRefusals() throws Exception {
        final AccessControl access = new AccessControl(new NodeConfig.Access(
                List.of(Cidr.parse("127.0.0.1/32"), Cidr.parse("::1/128")), List.of(), null, RULES),
                UnaryOperator.identity(), now::get, Clock.systemUTC());
        assertTrue(access.admits(ip("127.0.0.1"), "web"));
        assertTrue(access.admits(ip("::1"), "web"));
        assertFalse(access.admits(ip("127.0.0.2"), "stun"));
        final List<AccessEvent> events = access.events().snapshot();
        assertEquals(1, events.size());
        assertEquals(AccessEvent.Kind.REFUSED_CONNECTION, events.get(0).kind());
        assertEquals(ip("127.0.0.2"), events.get(0).address());
        assertTrue(events.get(0).detail().startsWith("stun"), events.get(0).detail());
    }

    @Test
    void countryAllowList_usesTheDatabaseThroughTheSeam(@TempDir final Path dir) throws Exception {
        final Path db = GeoIpCountriesTest.testDatabase(dir);
        // the seam: 127.0.0.2 looks like a Swedish address, 127.0.0.3 like a British one
        final UnaryOperator<InetAddress> seam = a -> {
            try {
                return switch (a.getHostAddress()) {
                    case "127.0.0.2" -> ip("89.160.20.112");
                    case "127.0.0.3" -> ip("81.2.69.142");
                    default -> a;
                };
            } catch (final Exception e) {
                throw new IllegalStateException(e);
            }
        };
        final AccessControl access = new AccessControl(new NodeConfig.Access(List.of(), List.of("SE"), db, RULES),
                seam, now::get, Clock.systemUTC());
        assertEquals("SE", access.country(ip("127.0.0.2")));
        assertTrue(access.allowed(ip("127.0.0.2")));
        assertFalse(access.allowed(ip("127.0.0.3")), "GB is not on the list");
        assertTrue(access.allowed(ip("127.0.0.1")), "loopback: no country, local");
        assertFalse(access.allowed(ip("216.160.83.56")), "US");
        // reload: GB too
        access.update(new NodeConfig.Access(List.of(), List.of("SE", "GB"), db, RULES));
        assertTrue(access.allowed(ip("127.0.0.3")));
    }

    @Test
    void scanner_isBlockedEverywhere_andSeen() throws Exception {
        final AccessControl access = new AccessControl(new NodeConfig.Access(List.of(), List.of(), null, RULES),
                UnaryOperator.identity(), now::get, Clock.systemUTC());
        access.unknownPath(ip("127.0.0.3"), "/wp-admin");
        assertTrue(access.admits(ip("127.0.0.3")));
        access.unknownPath(ip("127.0.0.3"), "/.env");
        assertFalse(access.admits(ip("127.0.0.3")), "the broker refuses it");
        assertFalse(access.admits(ip("127.0.0.3"), "stun"));
        assertTrue(access.admits(ip("127.0.0.1"), "web"));
        access.keyProofFailed(ip("127.0.0.5"));
        access.keyProofFailed(ip("127.0.0.5"));
        assertFalse(access.allowed(ip("127.0.0.5")));
        final InetAddress five = ip("127.0.0.5");
        assertTrue(access.events().snapshot().stream().anyMatch(e -> e.kind() == AccessEvent.Kind.BLOCKED
                && five.equals(e.address())));
        now.addAndGet(Duration.ofSeconds(30).toNanos());
        assertTrue(access.allowed(ip("127.0.0.3")));
        assertTrue(access.allowed(ip("127.0.0.5")));
    }
}
