package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Decides the response for a request, without any transport: checks the target
 * ({@link RequestTarget}), strips the path prefix, then answers from the route table (exact paths,
 * e.g. {@code /node-info.json} or a secret admin path) or else from the {@link StaticFiles}.
 * Thread-safe; routes may be added and removed while serving.
 *
 * <p>Static files: GET and HEAD only (405 otherwise; any other method on a path that is neither
 * a route nor a file is 404, like GET); {@code index.html} for a directory path; a
 * directory path without trailing slash is redirected (301) to the one with; conditional GET with
 * If-None-Match (RFC 9110 §13.1.2), or without it If-Modified-Since (§13.1.3), answers 304 with
 * only the fields that guide caches (§15.4.5); {@code Cache-Control: no-cache} so browsers always
 * revalidate, except for versioned paths ({@code _v/VERSION/...}, which pages hand out, see
 * {@link StaticFiles}): with the current version they are {@code immutable} for a year. The
 * build's brotli or gzip copy is sent when Accept-Encoding allows it (Content-Encoding, Vary,
 * and an ETag per coding). Route responses without a Cache-Control get {@code no-store}; a route
 * response with an ETag is answered 304 when If-None-Match matches it.
 */
public final class Router {

    private static final Logger log = LoggerFactory.getLogger(Router.class);
    private static final Pattern ROUTE_PATH = Pattern.compile("(/[A-Za-z0-9._~!$&'()*+,;=:@-]+)+/?|/");

    private final @NotNull String prefix;
    private final @NotNull StaticFiles staticFiles;
    private final @NotNull Map<String, RouteHandler> routes = new ConcurrentHashMap<>();
    private volatile @NotNull HiddenRoutes hidden = HiddenRoutes.NONE;

    /**
     * @param prefix      path prefix, starting and ending with {@code /} (see {@link WebServerSettings})
     * @param staticFiles the static files served below the prefix
     */
    public Router(final @NotNull String prefix, final @NotNull StaticFiles staticFiles) {
        if (!prefix.startsWith("/") || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("prefix must start and end with '/': " + prefix);
        }
        this.prefix = prefix;
        this.staticFiles = Objects.requireNonNull(staticFiles, "staticFiles");
    }

    /**
     * @param path    exact decoded path relative to the prefix, starting with {@code /}, without
     *                query, dot segments or empty segments
     * @param handler answers every method on that path
     * @throws IllegalArgumentException if the path is malformed
     */
    public void addRoute(final @NotNull String path, final @NotNull RouteHandler handler) {
        checkRoutePath(path);
        routes.put(path, Objects.requireNonNull(handler, "handler"));
    }

    /**
     * Sets the hidden routes (the admins' secret paths), asked first for every request below the
     * prefix. Replaces the previous ones.
     */
    public void hiddenRoutes(final @NotNull HiddenRoutes routes) {
        hidden = Objects.requireNonNull(routes, "routes");
    }

    /**
     * @param path a path given to {@link #addRoute}
     * @return whether a route was removed
     */
    public boolean removeRoute(final @NotNull String path) {
        return routes.remove(path) != null;
    }

    static void checkRoutePath(final @NotNull String path) {
        if (!ROUTE_PATH.matcher(path).matches()
                || !(RequestTarget.parse(path) instanceof RequestTarget.Valid)) {
            throw new IllegalArgumentException("not a valid route path: '" + path + "'");
        }
    }

    /**
     * @param method  request method, uppercase
     * @param target  request target as sent, untrusted
     * @param headers request headers, names lowercase
     * @param body    request body
     * @return the response (for HEAD the full GET response; the transport drops the body)
     */
    public @NotNull WebResponse handle(final @NotNull String method, final @NotNull String target,
                                       final @NotNull Map<String, String> headers, final byte @NotNull [] body) {
        final RequestTarget.Result result = RequestTarget.parse(target);
        if (result instanceof RequestTarget.Invalid) {
            return WebResponse.badRequest(((RequestTarget.Invalid) result).reason());
        }
        final RequestTarget.Valid valid = (RequestTarget.Valid) result;
        final String path = valid.path();
        if (!path.startsWith(prefix)) {
            if ((path + "/").equals(prefix)) {
                return WebResponse.movedPermanently(withQuery(valid.rawPath() + "/", valid.query()));
            }
            return WebResponse.notFound();
        }
        final String relative = path.substring(prefix.length() - 1);
        final RouteHandler secret = hidden.find(relative);
        if (secret != null) {
            // the path is a secret: it never reaches the log
            return callRoute(secret, new WebRequest(method, relative, valid.query(), headers, body), "a hidden route");
        }
        final RouteHandler route = routes.get(relative);
        if (route != null) {
            return callRoute(route, new WebRequest(method, relative, valid.query(), headers, body), relative);
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            // RFC 9110 §15.5.6: 405 is for a resource that exists but refuses the method. A path
            // the node does not serve is a 404 whatever the method, so a scanner probing with POST
            // is counted like one probing with GET, and a wrong secret path answers like any other.
            return serveStatic(relative.substring(1), valid, Map.of()).status() == 404
                    ? WebResponse.notFound() : WebResponse.methodNotAllowed("GET, HEAD");
        }
        return serveStatic(relative.substring(1), valid, headers);
    }

    /** @param name how the log names the route (never a secret path) */
    private static WebResponse callRoute(final RouteHandler route, final WebRequest request, final String name) {
        WebResponse response;
        try {
            response = route.handle(request);
        } catch (final RuntimeException e) {
            log.warn("Route {} failed", name, e);
            return WebResponse.text(500, "Internal Server Error");
        }
        if (response == null) {
            log.warn("Route {} returned no response", name);
            return WebResponse.text(500, "Internal Server Error");
        }
        if (!response.headers().containsKey("Cache-Control")) {
            response = response.withHeader("Cache-Control", "no-store");
        }
        // a route that tags its answer gets conditional GET too (RFC 9110 §13.1.2)
        final String etag = response.headers().get("ETag");
        if (etag != null && response.status() == 200 && request.isGetOrHead()
                && matches(request.headers().get("if-none-match"), etag)) {
            WebResponse notModified = new WebResponse(304, response.contentType(), new byte[0], Map.of())
                    .withHeader("ETag", etag).withHeader("Cache-Control", response.headers().get("Cache-Control"));
            final String vary = response.headers().get("Vary");
            if (vary != null) {
                notModified = notModified.withHeader("Vary", vary);
            }
            return notModified;
        }
        return response;
    }

    private WebResponse serveStatic(final String requested, final RequestTarget.Valid target,
                                    final Map<String, String> headers) {
        // a versioned path (dir/_v/VERSION/file, handed out in pages): the file itself, and if the
        // version is the current one, cacheable for good (a new build has a new version)
        String relative = requested;
        boolean immutable = false;
        final int v = versionedAt(requested);
        if (v >= 0) {
            final int end = requested.indexOf('/', v + StaticFiles.VERSION_SEGMENT.length());
            if (end < 0) {
                return WebResponse.notFound();
            }
            immutable = requested.substring(v + StaticFiles.VERSION_SEGMENT.length(), end).equals(staticFiles.version());
            relative = requested.substring(0, v) + requested.substring(end + 1);
        }
        final String file = relative.isEmpty() || relative.endsWith("/") ? relative + "index.html" : relative;
        // names starting with a dot (".git", ".env") are never served
        if (file.startsWith(".") || file.contains("/.")) {
            return WebResponse.notFound();
        }
        final StaticFiles.StaticFile found = staticFiles.find(file);
        if (found == null) {
            if (!relative.endsWith("/") && !relative.isEmpty() && staticFiles.find(relative + "/index.html") != null) {
                return WebResponse.movedPermanently(withQuery(target.rawPath() + "/", target.query()));
            }
            return WebResponse.notFound();
        }
        // RFC 9110 §12.5.3: brotli, else gzip, else the file as it is; each with its own ETag
        final String accepted = headers.getOrDefault("accept-encoding", "");
        byte[] body = found.body();
        String encoding = null;
        if (found.brotli() != null && accepts(accepted, "br")) {
            body = found.brotli();
            encoding = "br";
        } else if (found.gzip() != null && accepts(accepted, "gzip")) {
            body = found.gzip();
            encoding = "gzip";
        }
        final String etag = encoding == null ? found.etag()
                : found.etag().substring(0, found.etag().length() - 1) + "-" + encoding + "\"";
        final boolean compressed = found.brotli() != null || found.gzip() != null;
        if (notModified(headers, etag, found.lastModified())) {
            // RFC 9110 §15.4.5: the fields a 200 would carry that guide caches (ETag, Cache-Control,
            // Vary), no body and no other representation metadata; the content type stays in the
            // value (not sent) so the transport picks the security headers of that kind of file
            WebResponse notModified = new WebResponse(304, found.contentType(), new byte[0], Map.of())
                    .withHeader("ETag", etag).withHeader("Cache-Control", cacheControl(immutable));
            if (compressed) {
                notModified = notModified.withHeader("Vary", "Accept-Encoding");
            }
            return notModified;
        }
        WebResponse response = WebResponse.of(200, found.contentType(), body)
                .withHeader("ETag", etag).withHeader("Cache-Control", cacheControl(immutable));
        if (encoding != null) {
            response = response.withHeader("Content-Encoding", encoding);
        }
        if (compressed) {
            // RFC 9110 §12.5.5: the answer depends on Accept-Encoding (also the uncompressed one)
            response = response.withHeader("Vary", "Accept-Encoding");
        }
        if (found.lastModified() != null) {
            response = response.withHeader("Last-Modified", HttpDates.format(found.lastModified()));
        }
        return response;
    }

    private static String cacheControl(final boolean immutable) {
        return immutable ? "public, max-age=31536000, immutable" : "no-cache";
    }

    /**
     * Whether a GET or HEAD of a representation with this entity tag and modification time gets
     * 304 Not Modified (RFC 9110 §13.2.2, steps 3 and 4): If-None-Match when present (weak
     * comparison, §13.1.2), and only without it If-Modified-Since (§13.1.3): not modified when the
     * representation changed at or before the date given. An If-Modified-Since that is no valid
     * HTTP-date, or a representation without a modification time, is ignored.
     *
     * @param headers      request headers, names lowercase, untrusted
     * @param etag         the selected representation's entity tag, with quotes
     * @param lastModified its modification time in whole seconds, or null if unknown
     * @return true for 304
     */
    static boolean notModified(final @NotNull Map<String, String> headers, final @NotNull String etag,
                               final @Nullable Instant lastModified) {
        final String ifNoneMatch = headers.get("if-none-match");
        if (ifNoneMatch != null) {
            return matches(ifNoneMatch, etag);
        }
        if (lastModified == null) {
            return false;
        }
        final Instant since = HttpDates.parse(headers.get("if-modified-since"), Instant.now());
        return since != null && !lastModified.isAfter(since);
    }

    /** @return where the first {@code _v/} segment starts in {@code path}, or -1 */
    private static int versionedAt(final String path) {
        if (path.startsWith(StaticFiles.VERSION_SEGMENT)) {
            return 0;
        }
        final int i = path.indexOf("/" + StaticFiles.VERSION_SEGMENT);
        return i < 0 ? -1 : i + 1;
    }

    /**
     * @return whether an Accept-Encoding value (RFC 9110 §12.5.3) accepts {@code coding}: listed by
     *     name or {@code *}, without {@code q=0}
     */
    static boolean accepts(final @NotNull String acceptEncoding, final @NotNull String coding) {
        boolean star = false;
        for (final String item : acceptEncoding.split(",")) {
            final String[] parts = item.trim().split(";");
            final String name = parts[0].trim().toLowerCase(java.util.Locale.ROOT);
            boolean zero = false;
            for (int i = 1; i < parts.length; i++) {
                final String p = parts[i].trim().toLowerCase(java.util.Locale.ROOT).replace(" ", "");
                zero |= p.matches("q=0(\\.0{0,3})?");
            }
            if (name.equals(coding)) {
                return !zero;
            }
            star |= name.equals("*") && !zero;
        }
        return star;
    }

    /** RFC 9110 §13.1.2: If-None-Match uses weak comparison; {@code *} matches any current representation. */
    static boolean matches(final @Nullable String ifNoneMatch, final @NotNull String etag) {
        if (ifNoneMatch == null) {
            return false;
        }
        for (final String candidate : ifNoneMatch.split(",")) {
            String tag = candidate.trim();
            if (tag.equals("*")) {
                return true;
            }
            if (tag.startsWith("W/")) {
                tag = tag.substring(2);
            }
            if (tag.equals(etag)) {
                return true;
            }
        }
        return false;
    }

    private static String withQuery(final String path, final String query) {
        return query.isEmpty() ? path : path + "?" + query;
    }
}
