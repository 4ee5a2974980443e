package dev.switchboard.node.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WebServerSettingsTest {

    @ParameterizedTest
    @CsvSource({"/,/", "hidden,/hidden/", "/hidden,/hidden/", "/hidden/,/hidden/", "a/b-c_d~e.f,/a/b-c_d~e.f/"})
    void normalizePrefix_variants_leadingAndTrailingSlash(final String in, final String out) {
        assertEquals(out, WebServerSettings.normalizePrefix(in));
    }

    @ParameterizedTest
    @ValueSource(strings = {"//", "/a//b/", "/../", "/./", "/.git/", "/a b/", "/a?b/", "/%2e/"})
    void normalizePrefix_bad_throws(final String prefix) {
        assertThrows(IllegalArgumentException.class, () -> WebServerSettings.normalizePrefix(prefix));
    }

    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void of_otherValues_asDocumented() {
        final WebServerSettings defaults = WebServerSettings.of(LOOPBACK, "hidden");
        assertEquals("/hidden/", defaults.pathPrefix());
        assertEquals("webclient", defaults.classpathRoot());
        assertEquals(16 * 1024, defaults.maxRequestBytes());
        assertEquals(LOOPBACK, defaults.bindAddress());
    }

    @Test
    void withers_outOfRange_throw() {
        final WebServerSettings defaults = WebServerSettings.of(LOOPBACK, "/");
        assertThrows(IllegalArgumentException.class, () -> defaults.withMaxRequestBytes(0));
        assertThrows(IllegalArgumentException.class, () -> defaults.withIdleTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> defaults.withShutdownTimeout(Duration.ofSeconds(-1)));
        assertThrows(IllegalArgumentException.class, () -> defaults.withClasspathRoot("/webclient/"));
        assertThrows(IllegalArgumentException.class, () -> defaults.withCspConnectSources(List.of("wss://x; script-src *")));
        assertThrows(IllegalArgumentException.class, () -> defaults.withCspConnectSources(List.of("'unsafe-inline'")));
        assertEquals(List.of("wss://127.0.0.1:8884", "ws://[::1]:8080"),
                defaults.withCspConnectSources(List.of("wss://127.0.0.1:8884", "ws://[::1]:8080")).cspConnectSources());
    }

    @Test
    void routePath_bad_throws() {
        for (final String path : List.of("", "x", "/a?b", "/a/../b", "//", "/a b", "/a#b")) {
            assertThrows(IllegalArgumentException.class, () -> Router.checkRoutePath(path), path);
        }
        Router.checkRoutePath("/node-info.json");
        Router.checkRoutePath("/admin-3f9a/");
    }
}
