package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The security headers sent with every response. The Content-Security-Policy lets the page load
 * only its own files ({@code 'self'}); the exceptions are {@code connect-src}, which also allows the
 * broker's WebSocket URL(s) given by the caller, {@code blob:} for workers (MQTT.js timers run in a
 * worker made from a blob) and media, and {@code data:}/{@code blob:} images. No inline script or
 * style, no plugins, no framing. Permissions-Policy grants camera, microphone and screen capture to
 * the page's own origin only. No HSTS: with a self-signed certificate it could lock users out.
 */
public final class SecurityHeaders {

    // a CSP source expression must not be able to end the directive or add another one
    private static final Pattern SOURCE = Pattern.compile("[A-Za-z0-9*][A-Za-z0-9+.\\-*:/\\[\\]_%]*");

    private SecurityHeaders() {
    }

    /**
     * @param connectSources extra {@code connect-src} sources, e.g. {@code wss://node.example:8884}
     * @return header name to value, in a stable order
     * @throws IllegalArgumentException if a source contains characters not allowed in a CSP source
     *                                  expression (whitespace, {@code ;}, {@code ,}, quotes, ...)
     */
    public static @NotNull Map<String, String> forConnectSources(final @NotNull List<String> connectSources) {
        final StringBuilder connect = new StringBuilder("'self'");
        for (final String source : connectSources) {
            checkSource(source);
            connect.append(' ').append(source);
        }
        final Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; "
                + "img-src 'self' data: blob:; media-src 'self' blob:; worker-src 'self' blob:; "
                + "connect-src " + connect + "; object-src 'none'; base-uri 'self'; form-action 'self'; "
                + "frame-ancestors 'none'");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Referrer-Policy", "no-referrer");
        headers.put("Permissions-Policy", "camera=(self), microphone=(self), display-capture=(self), "
                + "geolocation=(), payment=(), usb=()");
        headers.put("X-Frame-Options", "DENY");
        headers.put("Cross-Origin-Opener-Policy", "same-origin");
        headers.put("Cross-Origin-Resource-Policy", "same-origin");
        return Collections.unmodifiableMap(headers);
    }

    /** Headers that matter for scripts and style sheets too; the others only act on documents (and workers). */
    private static final List<String> SUBRESOURCE = List.of("X-Content-Type-Options", "Referrer-Policy",
            "Cross-Origin-Resource-Policy");

    /**
     * The headers a script or style sheet needs: {@code X-Content-Type-Options},
     * {@code Referrer-Policy} and {@code Cross-Origin-Resource-Policy}. Content-Security-Policy,
     * Permissions-Policy, X-Frame-Options and Cross-Origin-Opener-Policy act only on the document
     * that loads them (CSP 3 §3.1, Permissions Policy §9.1, RFC 7034, HTML's COOP), so leaving them
     * off the page's about 15 subresources saves about 8 KB per first load.
     *
     * @param all the headers of {@link #forConnectSources}
     * @return the subset, in the same order
     */
    public static @NotNull Map<String, String> forSubresources(final @NotNull Map<String, String> all) {
        final Map<String, String> headers = new LinkedHashMap<>();
        all.forEach((name, value) -> {
            if (SUBRESOURCE.contains(name)) {
                headers.put(name, value);
            }
        });
        return Collections.unmodifiableMap(headers);
    }

    /**
     * @param source a CSP source expression
     * @throws IllegalArgumentException if it could break out of its directive
     */
    static void checkSource(final @NotNull String source) {
        if (!SOURCE.matcher(source).matches()) {
            throw new IllegalArgumentException("not a valid CSP connect-src source: '" + source + "'");
        }
    }
}
