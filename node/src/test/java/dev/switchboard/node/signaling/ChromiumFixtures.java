package dev.switchboard.node.signaling;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/** SDP and candidates captured from Chromium ({@code src/test/resources/sdp/chromium/}). */
final class ChromiumFixtures {

    private ChromiumFixtures() {
    }

    /** @return the fixture's text, exactly as captured (CRLF line endings for SDP). */
    static String fixture(final String name) {
        try (InputStream in = ChromiumFixtures.class.getResourceAsStream("/sdp/chromium/" + name)) {
            assertNotNull(in, "fixture " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
