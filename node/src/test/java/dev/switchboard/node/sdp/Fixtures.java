package dev.switchboard.node.sdp;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Loads the Chromium fixtures under src/test/resources/sdp/chromium with their exact bytes. */
final class Fixtures {
    private Fixtures() {
    }

    static Path dir() {
        final URL url = Fixtures.class.getResource("/sdp/chromium");
        if (url == null) {
            throw new IllegalStateException("fixtures missing: /sdp/chromium");
        }
        try {
            return Path.of(url.toURI());
        } catch (final URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return fixture file names (*.sdp), sorted */
    static List<String> sdpNames() {
        try (Stream<Path> files = Files.list(dir())) {
            final List<String> names = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(".sdp")).sorted().toList();
            if (names.size() < 8) {
                throw new IllegalStateException("expected at least 8 fixtures, found " + names);
            }
            return names;
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(final String name) {
        try {
            return Files.readString(dir().resolve(name), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the trickled candidate strings Chromium produced, one per line ("" = end) */
    static List<String> trickled() {
        final String text = read("trickle-candidates.txt");
        return List.of(text.split("\n", -1)).subList(0, (int) text.chars().filter(c -> c == '\n').count());
    }

    static List<String> all() {
        return sdpNames().stream().map(Fixtures::read).toList();
    }
}
