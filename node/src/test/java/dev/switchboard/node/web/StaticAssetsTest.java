package dev.switchboard.node.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Page weight (issue 13): the build's brotli/gzip copies are served by Accept-Encoding, pages hand
 * out versioned asset paths, and those are cacheable for good, so a reload asks only for the page.
 * Fixture: src/test/resources/webclient-versioned (asset-version, index.html, app.js with fake
 * .br/.gz copies, css/site.css without).
 */
class StaticAssetsTest {
    private static final String VERSION = "abcDEF123_-xyz00";
    private final Router router = new Router("/", new StaticFiles(StaticAssetsTest.class.getClassLoader(),
            "webclient-versioned"));

    private WebResponse get(final String target, final Map<String, String> headers) {
        return router.handle("GET", target, headers, new byte[0]);
    }

    private static String text(final WebResponse r) {
        return new String(r.body(), StandardCharsets.UTF_8);
    }

    @Test
    void page_referencesItsOwnFilesByVersionedPath_andIsRevalidated() {
        final WebResponse page = get("/", Map.of());
        assertEquals(200, page.status());
        final String html = text(page);
        assertTrue(html.contains("src=\"_v/" + VERSION + "/app.js\""), html);
        assertTrue(html.contains("href=\"_v/" + VERSION + "/css/site.css\""), html);
        assertTrue(html.contains("src=\"missing.js\""), "a file that does not exist stays as it is: " + html);
        assertTrue(html.contains("href=\"https://example.org/app.js\"") && html.contains("href=\"data:,\"")
                && html.contains("href=\"#top\""), html);
        assertEquals("no-cache", page.headers().get("Cache-Control"));
        assertNull(page.headers().get("Content-Encoding"), "uncompressed unless asked for");
        final WebResponse gz = get("/", Map.of("accept-encoding", "br, gzip"));
        assertEquals("gzip", gz.headers().get("Content-Encoding"), "the rewritten page, gzipped by the node");
        assertTrue(gz.headers().get("ETag").endsWith("-gzip\""));
    }

    @Test
    void versionedAsset_immutableAndCompressedAsAccepted() {
        final WebResponse br = get("/_v/" + VERSION + "/app.js", Map.of("accept-encoding", "gzip, deflate, br"));
        assertEquals(200, br.status());
        assertEquals("BROTLI-BYTES", text(br));
        assertEquals("br", br.headers().get("Content-Encoding"));
        assertEquals("Accept-Encoding", br.headers().get("Vary"));
        assertEquals("public, max-age=31536000, immutable", br.headers().get("Cache-Control"));
        assertTrue(br.headers().get("ETag").endsWith("-br\""), br.headers().get("ETag"));
        assertTrue(br.contentType().startsWith("text/javascript"), br.contentType());

        final WebResponse gz = get("/_v/" + VERSION + "/app.js", Map.of("accept-encoding", "br;q=0, gzip"));
        assertEquals("GZIP-BYTES", text(gz));
        assertEquals("gzip", gz.headers().get("Content-Encoding"));

        final WebResponse plain = get("/_v/" + VERSION + "/app.js", Map.of());
        assertEquals("export const x = 1;\n", text(plain));
        assertNull(plain.headers().get("Content-Encoding"));
        assertEquals("Accept-Encoding", plain.headers().get("Vary"));

        final WebResponse revalidated = get("/_v/" + VERSION + "/app.js",
                Map.of("accept-encoding", "br", "if-none-match", br.headers().get("ETag")));
        assertEquals(304, revalidated.status());
        final WebResponse otherCoding = get("/_v/" + VERSION + "/app.js",
                Map.of("accept-encoding", "gzip", "if-none-match", br.headers().get("ETag")));
        assertEquals(200, otherCoding.status(), "the brotli ETag does not match the gzip copy");
    }

    @Test
    void notModified_compressedCopy_keepsVaryAndItsOwnETag_noRepresentationMetadata() {
        final String path = "/_v/" + VERSION + "/app.js";
        final WebResponse br = get(path, Map.of("accept-encoding", "br"));
        final WebResponse again = get(path, Map.of("accept-encoding", "br", "if-none-match", br.headers().get("ETag")));
        assertEquals(304, again.status());
        assertEquals(0, again.body().length);
        // RFC 9110 §15.4.5: the fields a 200 would carry that guide caches, and no others
        assertEquals(Map.of("ETag", br.headers().get("ETag"), "Vary", "Accept-Encoding",
                "Cache-Control", "public, max-age=31536000, immutable"), again.headers());
        // RFC 9110 §8.8.3: each coding its own strong tag, so a cache never mixes them up
        final WebResponse gz = get(path, Map.of("accept-encoding", "gzip"));
        final WebResponse plain = get(path, Map.of());
        assertEquals(3, java.util.Set.of(br.headers().get("ETag"), gz.headers().get("ETag"), plain.headers().get("ETag")).size());
        assertEquals(200, get(path, Map.of("if-none-match", br.headers().get("ETag"))).status(),
                "the brotli tag does not revalidate the uncompressed file");
        assertEquals(304, get(path, Map.of("accept-encoding", "gzip", "if-none-match",
                br.headers().get("ETag") + ", " + gz.headers().get("ETag"))).status());
    }

    @Test
    void ifModifiedSince_pageAndAsset_notModifiedOnlyWithoutIfNoneMatch() {
        final WebResponse page = get("/", Map.of());
        final String modified = page.headers().get("Last-Modified");
        assertTrue(modified != null && modified.endsWith(" GMT"), String.valueOf(modified));
        assertEquals(304, get("/", Map.of("if-modified-since", modified)).status());
        assertEquals(200, get("/", Map.of("if-modified-since", "Thu, 01 Jan 1970 00:00:00 GMT")).status());
        assertEquals(200, get("/", Map.of("if-modified-since", modified, "if-none-match", "\"stale\"")).status(),
                "If-None-Match decides when both are sent (RFC 9110 §13.2.2)");
        assertEquals(304, get("/", Map.of("if-modified-since", modified, "if-none-match", page.headers().get("ETag"))).status());
        final WebResponse asset = get("/_v/" + VERSION + "/app.js", Map.of());
        assertEquals(304, get("/_v/" + VERSION + "/app.js",
                Map.of("if-modified-since", asset.headers().get("Last-Modified"))).status());
    }

    @Test
    void olderVersionOrPlainPath_servedButRevalidated() {
        final WebResponse old = get("/_v/0123456789abcdef/app.js", Map.of());
        assertEquals(200, old.status());
        assertEquals("no-cache", old.headers().get("Cache-Control"));
        final WebResponse plain = get("/css/site.css", Map.of("accept-encoding", "br"));
        assertEquals(200, plain.status());
        assertEquals("no-cache", plain.headers().get("Cache-Control"));
        assertNull(plain.headers().get("Content-Encoding"), "no build copy: sent as it is");
        assertNull(plain.headers().get("Vary"));
        assertEquals(404, get("/_v/" + VERSION, Map.of()).status());
        assertEquals(404, get("/_v/" + VERSION + "/nothing.js", Map.of()).status());
    }

    @Test
    void acceptEncoding_parsedAsRfc9110Says() {
        assertTrue(Router.accepts("gzip, br", "br"));
        assertTrue(Router.accepts("*", "br"));
        assertFalse(Router.accepts("br;q=0", "br"));
        assertFalse(Router.accepts("*;q=0", "gzip"));
        assertTrue(Router.accepts("br;q=0.5", "br"));
        assertFalse(Router.accepts("", "gzip"));
        assertFalse(Router.accepts("identity", "gzip"));
        assertFalse(Router.accepts("gzip;q=0.000, *", "gzip"));
    }
}
