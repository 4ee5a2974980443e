package dev.switchboard.node.e2e;

import dev.switchboard.node.Node;
import org.jetbrains.annotations.NotNull;

import java.nio.file.Path;

/**
 * A running node plus a running Chromium, for one browser test class: start it in
 * {@code @BeforeAll}, close it in {@code @AfterAll} (one node per JVM at a time).
 */
final class BrowserFixture implements AutoCloseable {
    final Node node;
    final Browsers browsers;

    private BrowserFixture(final Node node, final Browsers browsers) {
        this.node = node;
        this.browsers = browsers;
    }

    /**
     * @param dataDir a temporary directory for the node.
     * @param options the node's extension points.
     * @return a node serving HTTPS/WSS with a fresh self-signed certificate on loopback, and a
     *     browser that accepts that certificate.
     */
    static @NotNull BrowserFixture start(final @NotNull Path dataDir, final @NotNull Node.Options options)
            throws Exception {
        return start(dataDir, options, true);
    }

    /**
     * @param tls whether the node serves HTTPS/WSS (else plain HTTP/WS on loopback).
     */
    static @NotNull BrowserFixture start(final @NotNull Path dataDir, final @NotNull Node.Options options,
                                         final boolean tls) throws Exception {
        final Node node = Node.start(TestNodes.config(dataDir, tls), options);
        try {
            return new BrowserFixture(node, new Browsers());
        } catch (final RuntimeException e) {
            node.close();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            browsers.close();
        } finally {
            node.close();
        }
    }
}
