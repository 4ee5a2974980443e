package dev.switchboard.node.e2e;

import dev.switchboard.node.Node;
import org.jetbrains.annotations.NotNull;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * A running node plus a running Chromium for one browser test class, as a JUnit extension:
 * <pre>{@code
 * @RegisterExtension
 * static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true);
 * }</pre>
 * Started before the class's first test in a fresh temporary data directory, closed after its
 * last (only one node per JVM at a time).
 */
final class BrowserFixture implements BeforeAllCallback, AfterAllCallback {
    private final Node.Options options;
    private final boolean tls;
    private final String pathPrefix;
    private final String relayPorts;
    private final String idleTimeout;
    private Path dataDir;
    private Node node;
    private Browsers browsers;

    /**
     * @param options the node's extension points.
     * @param tls     HTTPS/WSS with a fresh self-signed certificate (accepted by the browser), or
     *                plain HTTP/WS on loopback.
     */
    BrowserFixture(final @NotNull Node.Options options, final boolean tls) {
        this(options, tls, "/");
    }

    /**
     * @param pathPrefix the hidden path the node serves everything under.
     */
    BrowserFixture(final @NotNull Node.Options options, final boolean tls, final @NotNull String pathPrefix) {
        this(options, tls, pathPrefix, "41000-41099", "30s");
    }

    /**
     * @param relayPorts  the relay's UDP port range (see {@link TestNodes#config(Path, boolean, String, String, String)})
     * @param idleTimeout the relay's idle timeout, e.g. {@code 90s}
     */
    BrowserFixture(final @NotNull Node.Options options, final boolean tls, final @NotNull String pathPrefix,
                   final @NotNull String relayPorts, final @NotNull String idleTimeout) {
        this.options = options;
        this.tls = tls;
        this.pathPrefix = pathPrefix;
        this.relayPorts = relayPorts;
        this.idleTimeout = idleTimeout;
    }

    @Override
    public void beforeAll(final ExtensionContext context) throws Exception {
        dataDir = Files.createTempDirectory("switchboard-browser-test-");
        node = Node.start(TestNodes.config(dataDir, tls, pathPrefix, relayPorts, idleTimeout), options);
        browsers = new Browsers();
    }

    @Override
    public void afterAll(final ExtensionContext context) throws IOException {
        try {
            if (browsers != null) {
                browsers.close();
            }
        } finally {
            if (node != null) {
                node.close();
            }
            try (Stream<Path> files = Files.walk(dataDir)) {
                for (final Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** @return the running node. */
    @NotNull Node node() {
        return node;
    }

    /** @return the running browser. */
    @NotNull Browsers browsers() {
        return browsers;
    }
}
