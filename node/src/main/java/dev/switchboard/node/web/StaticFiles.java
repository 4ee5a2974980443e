package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.jar.JarEntry;

/**
 * Static files from the class path under a root (e.g. {@code webclient}, the webclient module's
 * jar). Files are read once and kept in memory (the client is small and fixed for the life of the
 * process); directories are never served. Thread-safe. The first read of a file happens on the
 * calling thread (a short read from a jar already open on the class path).
 */
public final class StaticFiles {

    /**
     * A file ready to send.
     *
     * @param body         content; do not modify
     * @param contentType  from {@link MimeTypes}
     * @param etag         strong entity tag including quotes (RFC 9110 §8.8.3), from a SHA-256 of the body
     * @param lastModified HTTP-date (RFC 9110 §5.6.7), or null if the class path does not tell
     */
    public record StaticFile(byte @NotNull [] body, @NotNull String contentType, @NotNull String etag,
                             @Nullable String lastModified) {
    }

    private static final Logger log = LoggerFactory.getLogger(StaticFiles.class);
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

    private final @NotNull ClassLoader classLoader;
    private final @NotNull String root;
    private final @NotNull ConcurrentMap<String, StaticFile> cache = new ConcurrentHashMap<>();

    /**
     * @param classLoader where to look
     * @param root        resource directory, without leading or trailing slash, e.g. {@code webclient}
     */
    public StaticFiles(final @NotNull ClassLoader classLoader, final @NotNull String root) {
        this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
        this.root = Objects.requireNonNull(root, "root");
    }

    /**
     * @param relativePath path below the root without leading slash, already checked by
     *                     {@link RequestTarget} (no dot segments, no backslashes), e.g. {@code js/app.js}
     * @return the file, or null if there is no such regular file
     */
    public @Nullable StaticFile find(final @NotNull String relativePath) {
        if (relativePath.isEmpty() || relativePath.startsWith("/") || relativePath.endsWith("/")) {
            return null;
        }
        final StaticFile cached = cache.get(relativePath);
        if (cached != null) {
            return cached;
        }
        final StaticFile loaded = load(relativePath);
        if (loaded != null) {
            cache.putIfAbsent(relativePath, loaded);
        }
        return loaded;
    }

    private @Nullable StaticFile load(final String relativePath) {
        final URL url = classLoader.getResource(root + "/" + relativePath);
        if (url == null) {
            return null;
        }
        try {
            final URLConnection connection = url.openConnection();
            if (!isRegularFile(url, connection)) {
                return null;
            }
            final byte[] body;
            try (InputStream in = connection.getInputStream()) {
                body = in.readAllBytes();
            }
            final long modified = connection.getLastModified();
            return new StaticFile(body, MimeTypes.forFileName(relativePath), etag(body),
                    modified > 0 ? HTTP_DATE.format(Instant.ofEpochMilli(modified)) : null);
        } catch (final IOException | URISyntaxException e) {
            log.warn("Cannot read static file {}: {}", relativePath, e.toString());
            return null;
        }
    }

    private static boolean isRegularFile(final URL url, final URLConnection connection)
            throws IOException, URISyntaxException {
        if (url.getProtocol().equals("file")) {
            return Files.isRegularFile(Path.of(url.toURI()));
        }
        if (connection instanceof JarURLConnection) {
            final JarEntry entry = ((JarURLConnection) connection).getJarEntry();
            return entry != null && !entry.isDirectory();
        }
        return true;
    }

    private static String etag(final byte[] body) {
        try {
            final byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22) + "\"";
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
    }
}
