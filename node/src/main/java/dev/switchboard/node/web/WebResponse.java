package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP response produced by a route handler or the static file service, free of Netty types.
 * The server adds Content-Length, Date, connection handling and the {@link SecurityHeaders}; for
 * HEAD requests it sends the headers only.
 *
 * @param status      HTTP status code, 100..599
 * @param contentType the Content-Type, or null for none; a 304 may keep the type of what it
 *                    revalidates (the transport chooses headers by it and does not send it)
 * @param body        the body; do not modify
 * @param headers     further headers (e.g. ETag, Location, Allow, Cache-Control), unmodifiable
 */
public record WebResponse(int status, @Nullable String contentType, byte @NotNull [] body,
                          @NotNull Map<String, String> headers) {

    private static final String TEXT = "text/plain; charset=utf-8";

    public WebResponse {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("HTTP status out of range: " + status);
        }
        Objects.requireNonNull(body, "body");
        headers = Map.copyOf(headers);
    }

    /**
     * @param status      status code
     * @param contentType Content-Type
     * @param body        body
     * @return a response without further headers
     */
    public static @NotNull WebResponse of(final int status, final @NotNull String contentType,
                                          final byte @NotNull [] body) {
        return new WebResponse(status, contentType, body, Map.of());
    }

    /** @return 200 with {@code application/json} and {@code Cache-Control: no-store} */
    public static @NotNull WebResponse json(final byte @NotNull [] body) {
        return new WebResponse(200, "application/json", body, Map.of("Cache-Control", "no-store"));
    }

    /**
     * For public JSON that changes seldom (e.g. {@code node-info.json}): browsers keep it and ask
     * again each time with If-None-Match, and get 304 without a body while it is unchanged (the
     * {@link Router} answers that for any route response with an ETag).
     *
     * @return 200 with {@code application/json}, {@code Cache-Control: no-cache} and a strong ETag
     *     (RFC 9110 §8.8.3) from a SHA-256 of the body
     */
    public static @NotNull WebResponse jsonRevalidated(final byte @NotNull [] body) {
        final byte[] digest;
        try {
            digest = java.security.MessageDigest.getInstance("SHA-256").digest(body);
        } catch (final java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing", e);
        }
        final String etag = "\"" + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(digest).substring(0, 22) + "\"";
        return new WebResponse(200, "application/json", body, Map.of("Cache-Control", "no-cache", "ETag", etag));
    }

    /** @return a short {@code text/plain} response, e.g. for errors; the text ends with a newline */
    public static @NotNull WebResponse text(final int status, final @NotNull String text) {
        return of(status, TEXT, (text + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** @return 404 */
    public static @NotNull WebResponse notFound() {
        return text(404, "Not Found");
    }

    /** @return 405 with an Allow header, RFC 9110 §15.5.6 */
    public static @NotNull WebResponse methodNotAllowed(final @NotNull String allow) {
        return text(405, "Method Not Allowed").withHeader("Allow", allow);
    }

    /** @return 400 naming the reason */
    public static @NotNull WebResponse badRequest(final @NotNull String reason) {
        return text(400, "Bad Request: " + reason);
    }

    /** @return 301 to {@code location} (a path on this server) */
    public static @NotNull WebResponse movedPermanently(final @NotNull String location) {
        return text(301, "Moved Permanently").withHeader("Location", location);
    }

    /**
     * @param name  header name
     * @param value header value
     * @return a copy with the header set (replacing one of the same name)
     */
    public @NotNull WebResponse withHeader(final @NotNull String name, final @NotNull String value) {
        final Map<String, String> copy = new LinkedHashMap<>(headers);
        copy.put(name, value);
        return new WebResponse(status, contentType, body, copy);
    }
}
