package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * An HTTP request as route handlers see it, free of Netty types. The body is at most
 * {@link WebServerSettings#maxRequestBytes()} long (larger requests are answered 413 before any
 * handler runs).
 *
 * @param method  the method, uppercase as sent, e.g. {@code GET}
 * @param path    the decoded path relative to the server's path prefix, starting with {@code /}
 *                (e.g. {@code /node-info.json} for {@code /hidden/node-info.json})
 * @param query   the raw query string without {@code ?}, empty if none
 * @param headers request headers, names lowercase, the first value of each; over HTTP/2 the
 *                {@code :authority} is the {@code host} header, and Netty adds
 *                {@code x-http2-stream-id} and {@code x-http2-scheme} (a client may send these
 *                names over HTTP/1.1 too: never trust them)
 * @param body    the request body, empty if none; do not modify
 */
public record WebRequest(@NotNull String method, @NotNull String path, @NotNull String query,
                         @NotNull Map<String, String> headers, byte @NotNull [] body) {

    public WebRequest {
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(query, "query");
        headers = Map.copyOf(headers);
        Objects.requireNonNull(body, "body");
    }

    /**
     * @param name header name, any case
     * @return its first value, or null if absent
     */
    public @Nullable String header(final @NotNull String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    /** @return whether the method is GET or HEAD */
    public boolean isGetOrHead() {
        return method.equals("GET") || method.equals("HEAD");
    }
}
