package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;

import java.util.Locale;
import java.util.Map;

/**
 * Content types of the static files, by file name extension. Text types carry
 * {@code charset=utf-8}; JavaScript is {@code text/javascript} (RFC 9239 §6, also for {@code .mjs}).
 * Browsers enforce these for module scripts and stylesheets (together with
 * {@code X-Content-Type-Options: nosniff}), so a wrong type breaks the client. Pure and thread-safe.
 */
public final class MimeTypes {

    /** Type of files with an unknown extension; with nosniff, browsers will not execute them. */
    public static final @NotNull String DEFAULT = "application/octet-stream";

    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("map", "application/json"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("woff2", "font/woff2"),
            Map.entry("wasm", "application/wasm"));

    private MimeTypes() {
    }

    /**
     * @param fileName a file name or path; only the part after the last dot of the last segment counts
     * @return its content type, {@link #DEFAULT} if the extension is unknown or missing
     */
    public static @NotNull String forFileName(final @NotNull String fileName) {
        final int slash = fileName.lastIndexOf('/');
        final int dot = fileName.lastIndexOf('.');
        if (dot <= slash + 1) {
            return DEFAULT;
        }
        return BY_EXTENSION.getOrDefault(fileName.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
    }
}
