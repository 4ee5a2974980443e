package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Immutable web server settings; start from {@link #of} with the configured address and path
 * prefix (the {@code web} section and {@code pathPrefix} of the node's configuration, whose
 * defaults are written there) and change the rest with the {@code with...} methods.
 *
 * @param bindAddress       address and port to listen on; port 0 picks a free port (see
 *                          {@link WebServer#port()}).
 * @param pathPrefix        prefix under which everything is served, e.g. {@code /hidden/}; a
 *                          missing leading or trailing slash is added.
 * @param classpathRoot     class path directory holding the static files, without leading or
 *                          trailing slash. Default {@code webclient} (the webclient module's jar).
 * @param cspConnectSources extra Content-Security-Policy {@code connect-src} sources besides
 *                          {@code 'self'}, e.g. the broker's {@code wss://host:8884}. Default none.
 * @param idleTimeout       a connection with no reads or writes for this long is closed; positive.
 *                          Default 60 s.
 * @param maxRequestBytes   largest accepted request body in bytes (larger: 413); 1..1 MiB.
 *                          Default 16 KiB.
 * @param shutdownTimeout   {@link WebServer#close()} waits at most about this long for the event
 *                          loops; positive. Default 5 s.
 */
public record WebServerSettings(@NotNull InetSocketAddress bindAddress,
                                @NotNull String pathPrefix,
                                @NotNull String classpathRoot,
                                @NotNull List<String> cspConnectSources,
                                @NotNull Duration idleTimeout,
                                int maxRequestBytes,
                                @NotNull Duration shutdownTimeout) {

    /** Default largest request body: 16 KiB. */
    public static final int DEFAULT_MAX_REQUEST_BYTES = 16 * 1024;

    private static final Pattern PREFIX = Pattern.compile("/([A-Za-z0-9_~-][A-Za-z0-9._~-]*/)*");
    private static final Pattern ROOT = Pattern.compile("[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)*");

    /**
     * @throws IllegalArgumentException if a value is out of range; the message names it
     */
    public WebServerSettings {
        Objects.requireNonNull(bindAddress, "bindAddress");
        pathPrefix = normalizePrefix(pathPrefix);
        if (!ROOT.matcher(classpathRoot).matches()) {
            throw new IllegalArgumentException("classpathRoot must be a relative resource directory: '"
                    + classpathRoot + "'");
        }
        cspConnectSources = List.copyOf(cspConnectSources);
        cspConnectSources.forEach(SecurityHeaders::checkSource);
        if (idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("idleTimeout must be positive: " + idleTimeout);
        }
        if (maxRequestBytes < 1 || maxRequestBytes > 1024 * 1024) {
            throw new IllegalArgumentException("maxRequestBytes must be 1..1048576: " + maxRequestBytes);
        }
        if (shutdownTimeout.isNegative() || shutdownTimeout.isZero()) {
            throw new IllegalArgumentException("shutdownTimeout must be positive: " + shutdownTimeout);
        }
    }

    /**
     * @param bindAddress address and port to listen on (port 0 picks a free one).
     * @param pathPrefix  prefix under which everything is served.
     * @return settings with the defaults listed above for everything else.
     * @throws IllegalArgumentException if the prefix is invalid
     */
    public static @NotNull WebServerSettings of(final @NotNull InetSocketAddress bindAddress,
                                                final @NotNull String pathPrefix) {
        return new WebServerSettings(bindAddress, pathPrefix, "webclient", List.of(), Duration.ofSeconds(60),
                DEFAULT_MAX_REQUEST_BYTES, Duration.ofSeconds(5));
    }

    public @NotNull WebServerSettings withBindAddress(final @NotNull InetSocketAddress value) {
        return new WebServerSettings(value, pathPrefix, classpathRoot, cspConnectSources, idleTimeout,
                maxRequestBytes, shutdownTimeout);
    }

    public @NotNull WebServerSettings withPathPrefix(final @NotNull String value) {
        return new WebServerSettings(bindAddress, value, classpathRoot, cspConnectSources, idleTimeout,
                maxRequestBytes, shutdownTimeout);
    }

    public @NotNull WebServerSettings withClasspathRoot(final @NotNull String value) {
        return new WebServerSettings(bindAddress, pathPrefix, value, cspConnectSources, idleTimeout,
                maxRequestBytes, shutdownTimeout);
    }

    public @NotNull WebServerSettings withCspConnectSources(final @NotNull List<String> value) {
        return new WebServerSettings(bindAddress, pathPrefix, classpathRoot, value, idleTimeout,
                maxRequestBytes, shutdownTimeout);
    }

    public @NotNull WebServerSettings withIdleTimeout(final @NotNull Duration value) {
        return new WebServerSettings(bindAddress, pathPrefix, classpathRoot, cspConnectSources, value,
                maxRequestBytes, shutdownTimeout);
    }

    public @NotNull WebServerSettings withMaxRequestBytes(final int value) {
        return new WebServerSettings(bindAddress, pathPrefix, classpathRoot, cspConnectSources, idleTimeout,
                value, shutdownTimeout);
    }

    public @NotNull WebServerSettings withShutdownTimeout(final @NotNull Duration value) {
        return new WebServerSettings(bindAddress, pathPrefix, classpathRoot, cspConnectSources, idleTimeout,
                maxRequestBytes, value);
    }

    /**
     * @param prefix e.g. {@code hidden}, {@code /hidden}, {@code /hidden/}, {@code /a/b/}, {@code /}
     * @return it with exactly one leading and one trailing slash
     * @throws IllegalArgumentException if a segment holds characters other than
     *                                  {@code A-Z a-z 0-9 . _ ~ -}, starts with a dot, or is empty
     */
    static @NotNull String normalizePrefix(final @NotNull String prefix) {
        String p = prefix.startsWith("/") ? prefix : "/" + prefix;
        p = p.endsWith("/") ? p : p + "/";
        if (!PREFIX.matcher(p).matches()) {
            throw new IllegalArgumentException("invalid path prefix: '" + prefix + "'");
        }
        return p;
    }
}
