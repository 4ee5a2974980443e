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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.jar.JarEntry;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Static files from the class path under a root (e.g. {@code webclient}, the webclient module's
 * jar). Files are read once and kept in memory (the client is small and fixed for the life of the
 * process); directories are never served. Compressed copies made at build time ({@code FILE.br},
 * {@code FILE.gz}) are kept with each file; in HTML pages the references to the client's own
 * files are rewritten to versioned paths ({@link #VERSION_SEGMENT}) when the build wrote an
 * {@link #VERSION_FILE}. Thread-safe. The first read of a file happens on the
 * calling thread (a short read from a jar already open on the class path).
 */
public final class StaticFiles {

    /**
     * A file ready to send.
     *
     * @param body         content; do not modify
     * @param contentType  from {@link MimeTypes}
     * @param etag         strong entity tag including quotes (RFC 9110 §8.8.3), from a SHA-256 of the body
     * @param lastModified when the file last changed, in whole seconds (an HTTP-date's resolution,
     *                     RFC 9110 §5.6.7), or null if the class path does not tell; for a page with
     *                     versioned references the later of the page's and the version file's time
     * @param brotli       the body compressed with brotli (RFC 7932), made at build time
     *                     ({@code FILE.br} next to the file), or null; do not modify
     * @param gzip         the body compressed with gzip (RFC 1952, {@code FILE.gz}), or null
     */
    public record StaticFile(byte @NotNull [] body, @NotNull String contentType, @NotNull String etag,
                             @Nullable Instant lastModified, byte @Nullable [] brotli, byte @Nullable [] gzip) {
        /** A file without compressed copies. */
        public StaticFile(final byte @NotNull [] body, final @NotNull String contentType, final @NotNull String etag,
                          final @Nullable Instant lastModified) {
            this(body, contentType, etag, lastModified, null, null);
        }
    }

    /**
     * Name of the resource (below the root) that holds the build's asset version: a digest of all
     * files, written by the webclient build ({@code src/build/precompress.mjs}).
     */
    public static final String VERSION_FILE = "asset-version";
    /** Path segment that starts a versioned asset path: {@code _v/VERSION/js/app.js}. */
    public static final String VERSION_SEGMENT = "_v/";
    /** {@code src} and {@code href} attributes with a plain relative path (no scheme, no leading slash, no dot segment). */
    private static final Pattern RELATIVE_REF =
            Pattern.compile("\\b(src|href)=\"((?![a-zA-Z][a-zA-Z0-9+.-]*:|/|#|\\.)[^\"?#]+)\"");

    private static final Logger log = LoggerFactory.getLogger(StaticFiles.class);

    private final @NotNull ClassLoader classLoader;
    private final @NotNull String root;
    private final @NotNull ConcurrentMap<String, StaticFile> cache = new ConcurrentHashMap<>();
    private final @Nullable String version;
    /** When the version file last changed (ms since the epoch), 0 if unknown. */
    private final long versionModified;

    /**
     * @param classLoader where to look
     * @param root        resource directory, without leading or trailing slash, e.g. {@code webclient}
     */
    public StaticFiles(final @NotNull ClassLoader classLoader, final @NotNull String root) {
        this.classLoader = Objects.requireNonNull(classLoader, "classLoader");
        this.root = Objects.requireNonNull(root, "root");
        final URL versionUrl = classLoader.getResource(root + "/" + VERSION_FILE);
        this.version = versionUrl == null ? null : readVersion(versionUrl);
        this.versionModified = versionUrl == null ? 0 : modified(versionUrl);
    }

    /**
     * @return the build's asset version (letters, digits, {@code -} and {@code _}), or null when the
     *     client was built without one (then nothing is served as immutable)
     */
    public @Nullable String version() {
        return version;
    }

    private static @Nullable String readVersion(final URL url) {
        try (InputStream in = url.openStream()) {
            final String v = new String(in.readNBytes(64), StandardCharsets.US_ASCII).trim();
            return v.matches("[A-Za-z0-9_-]{8,64}") ? v : null;
        } catch (final IOException e) {
            log.warn("Cannot read {}: {}", VERSION_FILE, e.toString());
            return null;
        }
    }

    /** @return when the resource last changed (ms since the epoch), 0 if unknown */
    private static long modified(final URL url) {
        try {
            return Math.max(0, url.openConnection().getLastModified());
        } catch (final IOException e) {
            return 0;
        }
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
            byte[] body;
            try (InputStream in = connection.getInputStream()) {
                body = in.readAllBytes();
            }
            final String contentType = MimeTypes.forFileName(relativePath);
            byte[] brotli = null;
            byte[] gzip = null;
            long modified = connection.getLastModified();
            if (version != null && contentType.startsWith("text/html")) {
                body = versionReferences(relativePath, body); // the precompressed copies lack the versions
                gzip = gzip(body);
                // the page's bytes now depend on the version too
                modified = modified > 0 && versionModified > 0 ? Math.max(modified, versionModified) : 0;
            } else {
                brotli = readOptional(relativePath + ".br");
                gzip = readOptional(relativePath + ".gz");
            }
            return new StaticFile(body, contentType, etag(body),
                    modified > 0 ? Instant.ofEpochSecond(modified / 1000) : null, brotli, gzip);
        } catch (final IOException | URISyntaxException e) {
            log.warn("Cannot read static file {}: {}", relativePath, e.toString());
            return null;
        }
    }

    /** @return {@code body} gzipped (RFC 1952, best compression), once per page */
    private static byte[] gzip(final byte[] body) throws IOException {
        final java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(body.length / 2 + 64);
        try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(out) {
            {
                def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION);
            }
        }) {
            z.write(body);
        }
        return out.toByteArray();
    }

    private byte @Nullable [] readOptional(final String relativePath) throws IOException {
        final URL url = classLoader.getResource(root + "/" + relativePath);
        if (url == null) {
            return null;
        }
        try (InputStream in = url.openStream()) {
            return in.readAllBytes();
        }
    }

    /**
     * Rewrites the page's {@code src}/{@code href} references to files of the client into their
     * versioned path ({@code js/app.js} becomes {@code _v/VERSION/js/app.js}), which the router
     * serves as immutable. References with a scheme, a leading slash, a dot segment, a query or a
     * fragment, and those to files that do not exist, stay as they are.
     */
    private byte[] versionReferences(final String pagePath, final byte[] page) {
        final String dir = pagePath.contains("/") ? pagePath.substring(0, pagePath.lastIndexOf('/') + 1) : "";
        final Matcher m = RELATIVE_REF.matcher(new String(page, StandardCharsets.UTF_8));
        final StringBuilder out = new StringBuilder(page.length + 256);
        while (m.find()) {
            final String ref = m.group(2);
            final boolean exists = !ref.contains("/..") && !ref.contains("//")
                    && classLoader.getResource(root + "/" + dir + ref) != null;
            m.appendReplacement(out, Matcher.quoteReplacement(exists
                    ? m.group(1) + "=\"" + VERSION_SEGMENT + version + "/" + ref + "\"" : m.group()));
        }
        m.appendTail(out);
        return out.toString().getBytes(StandardCharsets.UTF_8);
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
