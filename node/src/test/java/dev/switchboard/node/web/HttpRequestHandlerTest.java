package dev.switchboard.node.web;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The whole server pipeline (minus TLS) on an {@link EmbeddedChannel}: raw bytes in, raw bytes out. */
class HttpRequestHandlerTest {

    private static final String WSS = "wss://node.example:8884";

    private EmbeddedChannel channel;

    record Response(int status, Map<String, String> headers, String body) {
        String header(final String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private EmbeddedChannel open(final WebServerSettings settings, final Router router) {
        final HttpRequestHandler handler = new HttpRequestHandler(router,
                SecurityHeaders.forConnectSources(settings.cspConnectSources()));
        final WebChannelInitializer initializer = new WebChannelInitializer(null, settings, handler);
        channel = new EmbeddedChannel();
        initializer.configure(channel.pipeline(), channel);
        return channel;
    }

    private static WebServerSettings settings(final String prefix) {
        return WebServerSettings.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), prefix)
                .withClasspathRoot("webclient-test")
                .withCspConnectSources(List.of(WSS)).withIdleTimeout(Duration.ofMinutes(5));
    }

    private static Router router(final String prefix) {
        final Router router = new Router(WebServerSettings.normalizePrefix(prefix),
                new StaticFiles(HttpRequestHandlerTest.class.getClassLoader(), "webclient-test"));
        router.addRoute("/node-info.json", request -> request.isGetOrHead()
                ? WebResponse.json("{\"node\":\"n1\"}".getBytes(StandardCharsets.UTF_8))
                : WebResponse.methodNotAllowed("GET, HEAD"));
        router.addRoute("/boom", request -> {
            throw new IllegalStateException("bug");
        });
        router.addRoute("/echo", request -> WebResponse.of(200, "text/plain", request.body()));
        router.addRoute("/tagged.json", request -> WebResponse.jsonRevalidated("{\"a\":1}".getBytes(StandardCharsets.UTF_8)));
        return router;
    }

    private EmbeddedChannel open(final String prefix) {
        return open(settings(prefix), router(prefix));
    }

    @AfterEach
    void close() {
        if (channel != null) {
            channel.finishAndReleaseAll();
        }
    }

    private String send(final String raw) {
        channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
        final StringBuilder out = new StringBuilder();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            out.append(buf.toString(StandardCharsets.ISO_8859_1));
            buf.release();
        }
        return out.toString();
    }

    private static Response parse(final String raw) {
        final int end = raw.indexOf("\r\n\r\n");
        assertTrue(end > 0, "no complete response in: " + raw);
        final String[] lines = raw.substring(0, end).split("\r\n");
        final int status = Integer.parseInt(lines[0].split(" ")[1]);
        final Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            final int colon = lines[i].indexOf(':');
            headers.putIfAbsent(lines[i].substring(0, colon).toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return new Response(status, headers, raw.substring(end + 4));
    }

    private Response get(final String target) {
        return parse(send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    }

    @Test
    void get_root_servesIndexWithHeaders() {
        open("/");
        final Response response = get("/");
        assertEquals(200, response.status());
        assertEquals("text/html; charset=utf-8", response.header("Content-Type"));
        assertTrue(response.body().contains("fixture index"));
        assertEquals(String.valueOf(response.body().length()), response.header("Content-Length"));
        assertEquals("no-cache", response.header("Cache-Control"));
        assertNotNull(response.header("ETag"));
        assertNotNull(response.header("Date"));
        assertEquals("keep-alive", response.header("Connection"));
        assertTrue(channel.isOpen());
    }

    @Test
    void anyResponse_securityHeaders_present() {
        open("/");
        for (final Response response : List.of(get("/"), get("/missing"), get("/node-info.json"))) {
            final String csp = response.header("Content-Security-Policy");
            assertNotNull(csp);
            assertTrue(csp.contains("default-src 'self'"), csp);
            assertTrue(csp.contains("connect-src 'self' " + WSS + ";"), csp);
            assertTrue(csp.contains("frame-ancestors 'none'"), csp);
            assertFalse(csp.contains("unsafe-inline"), csp);
            assertEquals("nosniff", response.header("X-Content-Type-Options"));
            assertEquals("no-referrer", response.header("Referrer-Policy"));
            final String permissions = response.header("Permissions-Policy");
            assertTrue(permissions.contains("camera=(self)") && permissions.contains("microphone=(self)"), permissions);
        }
    }

    @Test
    void scriptsAndStyleSheets_onlyTheHeadersThatActOnThem() {
        open("/");
        for (final Response response : List.of(get("/app.js"), get("/style.css"), get("/module.mjs"))) {
            assertEquals(200, response.status());
            assertEquals("nosniff", response.header("X-Content-Type-Options"));
            assertEquals("no-referrer", response.header("Referrer-Policy"));
            assertEquals("same-origin", response.header("Cross-Origin-Resource-Policy"));
            assertNull(response.header("Content-Security-Policy"), "CSP acts on the document, not its scripts");
            assertNull(response.header("Permissions-Policy"));
            assertNull(response.header("X-Frame-Options"));
            assertNull(response.header("Cross-Origin-Opener-Policy"));
        }
        assertNotNull(get("/").header("Content-Security-Policy"), "the page keeps all of them");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/index.html|text/html; charset=utf-8",
            "/app.js|text/javascript; charset=utf-8",
            "/module.mjs|text/javascript; charset=utf-8",
            "/style.css|text/css; charset=utf-8",
            "/data.json|application/json",
            "/icon.svg|image/svg+xml",
            "/logo.png|image/png",
            "/favicon.ico|image/x-icon",
            "/app.webmanifest|application/manifest+json",
            "/notes.txt|text/plain; charset=utf-8",
            "/LICENSE|application/octet-stream",
            "/sub/|text/html; charset=utf-8",
    })
    void get_staticFile_hasContentType(final String path, final String type) {
        open("/");
        final Response response = get(path);
        assertEquals(200, response.status(), path);
        assertEquals(type, response.header("Content-Type"));
    }

    @Test
    void get_png_bodyIsExactBytes() throws Exception {
        open("/");
        final byte[] expected;
        try (var in = getClass().getClassLoader().getResourceAsStream("webclient-test/logo.png")) {
            expected = in.readAllBytes();
        }
        final Response response = get("/logo.png");
        assertEquals(new String(expected, StandardCharsets.ISO_8859_1), response.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/../pom.xml", "/..%2f..%2fpom.xml", "/%2e%2e/%2e%2e/pom.xml", "/%2E%2E/webclient-test/index.html",
            "/sub/..%5c..%5cindex.html", "/sub\\..\\index.html", "/index.html%00.png", "/./index.html",
            "//index.html", "/%c0%ae%c0%ae/x",
    })
    void get_traversalAttempt_badRequest(final String target) {
        open("/");
        final Response response = get(target);
        assertEquals(400, response.status(), target);
        assertEquals("text/plain; charset=utf-8", response.header("Content-Type"));
        assertNotNull(response.header("Content-Security-Policy"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/missing.html", "/.hidden", "/sub/missing/", "/dev/switchboard/node/web/WebServer.class",
            "/webclient-test/index.html"})
    void get_missingOrHidden_notFound(final String target) {
        open("/");
        assertEquals(404, get(target).status(), target);
    }

    @Test
    void get_directoryWithoutSlash_redirectsKeepingQuery() {
        open("/");
        final Response response = get("/sub?x=1");
        assertEquals(301, response.status());
        assertEquals("/sub/?x=1", response.header("Location"));
    }

    @Test
    void get_withPrefix_servesOnlyBelowPrefix() {
        open("hidden");
        assertEquals(404, get("/").status());
        assertEquals(404, get("/index.html").status());
        assertEquals(404, get("/node-info.json").status());
        assertEquals(404, get("/hiddenx/").status());
        final Response redirect = get("/hidden");
        assertEquals(301, redirect.status());
        assertEquals("/hidden/", redirect.header("Location"));
        assertTrue(get("/hidden/").body().contains("fixture index"));
        assertEquals(200, get("/hidden/app.js").status());
        assertEquals(301, get("/hidden/sub").status());
        assertEquals("{\"node\":\"n1\"}", get("/hidden/node-info.json").body());
    }

    @Test
    void head_staticFile_headersWithoutBody() {
        open("/");
        final Response get = get("/app.js");
        final Response head = parse(send("HEAD /app.js HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertEquals(200, head.status());
        assertEquals(get.header("Content-Length"), head.header("Content-Length"));
        assertEquals(get.header("ETag"), head.header("ETag"));
        assertEquals("", head.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH", "TRACE"})
    void otherMethod_staticFile_methodNotAllowed(final String method) {
        open("/");
        final Response response = parse(send(method + " /index.html HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"));
        assertEquals(405, response.status());
        assertEquals("GET, HEAD", response.header("Allow"));
    }

    /**
     * Issue 9: a scanner probing with POST (or any method) is counted like one probing with GET,
     * and a path that is not served is 404 whatever the method; 405 stays for files that exist.
     */
    @ParameterizedTest
    @ValueSource(strings = {"POST", "PUT", "DELETE", "OPTIONS", "PATCH"})
    void otherMethod_unknownPath_notFound_andCountedAsUnknown(final String method) {
        final List<String> unknown = new java.util.ArrayList<>();
        final WebGate gate = new WebGate() {
            @Override
            public boolean admits(final InetAddress address) {
                return true;
            }

            @Override
            public void unknownPath(final InetAddress address, final String path) {
                unknown.add(path);
            }
        };
        final WebServerSettings settings = settings("/");
        final HttpRequestHandler handler = new HttpRequestHandler(router("/"),
                SecurityHeaders.forConnectSources(settings.cspConnectSources()), new WebCounters(), () -> gate);
        channel = new EmbeddedChannel() {
            @Override
            protected java.net.SocketAddress remoteAddress0() {
                return new InetSocketAddress(InetAddress.getLoopbackAddress(), 40000);
            }
        };
        new WebChannelInitializer(null, settings, handler).configure(channel.pipeline(), channel);
        final Response probe = parse(send(method + " /wp-login.php HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n"));
        assertEquals(404, probe.status());
        assertEquals(get("/no-such-file").body(), probe.body());
        assertEquals(List.of("/wp-login.php", "/no-such-file"), unknown);
        assertEquals(405, parse(send(method + " /sub HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")).status(),
                "a directory that exists");
    }

    /** Issue 9: a hidden route's path is a secret; when its handler fails, the log does not name it. */
    @Test
    void hiddenRoute_throws_internalError_logWithoutThePath() {
        final Router router = router("/");
        router.hiddenRoutes(path -> path.startsWith("/Vq3-Xk9_pL2mZ7tR4wY8bN") ? request -> {
            throw new IllegalStateException("bug");
        } : null);
        open(settings("/"), router);
        final ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(Router.class);
        final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logs =
                new ch.qos.logback.core.read.ListAppender<>();
        logs.start();
        logger.addAppender(logs);
        try {
            assertEquals(500, get("/Vq3-Xk9_pL2mZ7tR4wY8bN/state.json").status());
        } finally {
            logger.detachAppender(logs);
        }
        assertEquals(1, logs.list.size(), "the failure is logged");
        for (final ch.qos.logback.classic.spi.ILoggingEvent e : logs.list) {
            assertFalse(e.getFormattedMessage().contains("Vq3-Xk9"), e.getFormattedMessage());
        }
        assertEquals(500, get("/boom").status());
    }

    @Test
    void get_matchingIfNoneMatch_notModified() {
        open("/");
        final String etag = get("/style.css").header("ETag");
        final Response response = parse(send("GET /style.css HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: \"x\", W/"
                + etag + "\r\n\r\n"));
        assertEquals(304, response.status());
        assertEquals(etag, response.header("ETag"));
        assertEquals("", response.body());
        assertNull(response.header("Content-Type"));
    }

    @Test
    void notModified_ourTag_onlyCacheFields_noSecurityHeadersToRepeat() {
        open("/");
        for (final String path : List.of("/app.js", "/")) {
            final Response full = get(path);
            final Response revalidated = parse(send("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: "
                    + full.header("ETag") + "\r\n\r\n"));
            assertEquals(304, revalidated.status(), path);
            assertEquals("", revalidated.body());
            // RFC 9110 §15.4.5: ETag, Cache-Control, Date; no representation metadata
            assertEquals(full.header("ETag"), revalidated.header("ETag"));
            assertEquals("no-cache", revalidated.header("Cache-Control"));
            assertNotNull(revalidated.header("Date"));
            assertNull(revalidated.header("Content-Type"));
            assertNull(revalidated.header("Content-Length"));
            assertNull(revalidated.header("Last-Modified"), "the ETag decides; the stored date stays");
            // the tag proves the stored answer has the security headers in force (RFC 9111 §4.3.4)
            assertNull(revalidated.header("X-Content-Type-Options"), path);
            assertNull(revalidated.header("Content-Security-Policy"), path);
        }
    }

    @Test
    void notModified_bySince_repeatsTheSecurityHeadersOfItsKind() {
        open("/");
        final String script = "GET /app.js HTTP/1.1\r\nHost: localhost\r\nIf-Modified-Since: " + get("/app.js").header("Last-Modified");
        final Response bySince = parse(send(script + "\r\n\r\n"));
        assertEquals(304, bySince.status());
        assertEquals("nosniff", bySince.header("X-Content-Type-Options"), "a date proves nothing about the stored headers");
        assertNull(bySince.header("Content-Security-Policy"), "a script's 304 carries the headers of a script");
        final Response page = parse(send("GET / HTTP/1.1\r\nHost: localhost\r\nIf-Modified-Since: "
                + get("/").header("Last-Modified") + "\r\n\r\n"));
        assertEquals(304, page.status());
        assertNotNull(page.header("Content-Security-Policy"));
        final Response star = parse(send("GET / HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: *\r\n\r\n"));
        assertEquals(304, star.status());
        assertNotNull(star.header("Content-Security-Policy"), "* proves nothing about the stored headers either");
    }

    @Test
    void securityHeadersChanged_oldTagNoLongerMatches_pageSentWhole() {
        open("/");
        final String oldTag = get("/").header("ETag");
        channel.finishAndReleaseAll();
        // the broker moved: another connect-src, the same page bytes
        open(settings("/").withCspConnectSources(List.of("wss://node.example:9999")), router("/"));
        final Response page = get("/");
        assertFalse(page.header("ETag").equals(oldTag), page.header("ETag") + " " + oldTag);
        final Response again = parse(send("GET / HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: " + oldTag + "\r\n\r\n"));
        assertEquals(200, again.status(), "the stored page has the old policy: it comes whole, with the new one");
        assertTrue(again.header("Content-Security-Policy").contains("wss://node.example:9999"));
        assertTrue(again.body().contains("fixture index"));
        final String untagged = oldTag.substring(0, oldTag.lastIndexOf('.')) + "\"";
        assertEquals(200, parse(send("GET / HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: " + untagged + "\r\n\r\n")).status(),
                "a tag without ours (an answer stored before) is not trusted either");
    }

    @Test
    void untag_keepsOnlyOurMembers() {
        assertNull(HttpRequestHandler.untag(null, ".abcdefgh"));
        assertEquals("*", HttpRequestHandler.untag(" * ", ".abcdefgh"));
        assertEquals("\"T\", W/\"U-br\"", HttpRequestHandler.untag("\"T.abcdefgh\", \"V.zzzzzzzz\", W/\"U-br.abcdefgh\", \"X\"", ".abcdefgh"));
        assertEquals("\"\"", HttpRequestHandler.untag("\"X\", junk, \".abcdefgh\"", ".abcdefgh"), "nothing of ours: matches nothing");
        assertTrue(HttpRequestHandler.headersTag(Map.of("A", "1")).matches("\\.[A-Za-z0-9_-]{8}"));
        assertFalse(HttpRequestHandler.headersTag(Map.of("A", "1")).equals(HttpRequestHandler.headersTag(Map.of("A", "2"))));
    }

    @Test
    void ifModifiedSince_staticFile_notModifiedUnlessChangedSince() {
        open("/");
        final Response file = get("/style.css");
        final String modified = file.header("Last-Modified");
        assertNotNull(modified);
        final java.time.Instant at = HttpDates.parse(modified, java.time.Instant.now());
        assertNotNull(at);
        final String since = "GET /style.css HTTP/1.1\r\nHost: localhost\r\nIf-Modified-Since: ";
        assertEquals(304, parse(send(since + modified + "\r\n\r\n")).status());
        assertEquals(304, parse(send(since + HttpDates.format(at.plusSeconds(3600)) + "\r\n\r\n")).status());
        assertEquals(200, parse(send(since + HttpDates.format(at.minusSeconds(1)) + "\r\n\r\n")).status(),
                "changed after the date given");
        assertEquals(200, parse(send(since + "yesterday\r\n\r\n")).status(), "not an HTTP-date: ignored");
        // RFC 9110 §13.2.2: If-None-Match, when present, decides; If-Modified-Since is then ignored
        assertEquals(200, parse(send(since + modified + "\r\nIf-None-Match: \"other\"\r\n\r\n")).status());
        assertEquals(304, parse(send("HEAD /style.css HTTP/1.1\r\nHost: localhost\r\nIf-Modified-Since: "
                + modified + "\r\n\r\n")).status());
    }

    @Test
    void routeWithETag_ifNoneMatch_notModifiedWithoutBody() {
        open("/");
        final Response first = get("/tagged.json");
        assertEquals(200, first.status());
        assertEquals("{\"a\":1}", first.body());
        assertEquals("no-cache", first.header("Cache-Control"));
        final String etag = first.header("ETag");
        assertTrue(etag != null && etag.startsWith("\"") && etag.endsWith("\""), etag);
        final Response again = parse(send("GET /tagged.json HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: " + etag + "\r\n\r\n"));
        assertEquals(304, again.status());
        assertEquals("", again.body());
        assertEquals(etag, again.header("ETag"));
        assertEquals("no-cache", again.header("Cache-Control"));
        assertEquals(200, parse(send("GET /tagged.json HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: \"x\"\r\n\r\n")).status());
        final Response untagged = parse(send("GET /node-info.json HTTP/1.1\r\nHost: localhost\r\nIf-None-Match: *\r\n\r\n"));
        assertEquals(200, untagged.status(), "a route without an ETag is answered in full");
        assertEquals("no-store", untagged.header("Cache-Control"));
    }

    @Test
    void jsonEndpoint_getAndPost_jsonAnd405() {
        open("/");
        final Response response = get("/node-info.json?cache=bust");
        assertEquals(200, response.status());
        assertEquals("application/json", response.header("Content-Type"));
        assertEquals("no-store", response.header("Cache-Control"));
        assertEquals("{\"node\":\"n1\"}", response.body());
        final Response post = parse(send("POST /node-info.json HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n{}"));
        assertEquals(405, post.status());
    }

    @Test
    void route_throws_internalErrorAndKeepsServing() {
        open("/");
        assertEquals(500, get("/boom").status());
        assertTrue(channel.isOpen());
        assertEquals(200, get("/").status());
    }

    @Test
    void route_postBody_reachesHandler() {
        open("/");
        final Response response = parse(send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"));
        assertEquals("hello", response.body());
    }

    @Test
    void post_oversizedBody_requestEntityTooLarge() {
        open(settings("/").withMaxRequestBytes(1024), router("/"));
        final Response response = parse(send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2048\r\n\r\n"
                + "x".repeat(2048)));
        assertEquals(413, response.status());
        assertNotNull(response.header("Content-Security-Policy"));
        assertEquals("close", response.header("Connection"));
        assertFalse(channel.isOpen());
    }

    @Test
    void post_oversizedChunkedBody_requestEntityTooLarge() {
        open(settings("/").withMaxRequestBytes(1024), router("/"));
        final String chunk = "x".repeat(800);
        final Response response = parse(send("POST /echo HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "320\r\n" + chunk + "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n"));
        assertEquals(413, response.status());
    }

    @Test
    void malformedRequest_badRequestAndClosed() {
        open("/");
        final Response response = parse(send("GARBAGE\r\n\r\n"));
        assertEquals(400, response.status());
        assertEquals("close", response.header("Connection"));
        assertFalse(channel.isOpen());
    }

    @Test
    void malformedHeader_badRequest() {
        open("/");
        final Response response = parse(send("GET / HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\n"));
        assertEquals(400, response.status());
        assertFalse(channel.isOpen());
    }

    @Test
    void overlongRequestLine_uriTooLong() {
        open("/");
        final Response response = parse(send("GET /" + "a".repeat(5000) + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
        assertEquals(414, response.status());
    }

    @Test
    void overlongHeaders_headerFieldsTooLarge() {
        open("/");
        final Response response = parse(send("GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n"));
        assertEquals(431, response.status());
    }

    @Test
    void keepAlive_twoRequests_bothAnswered() {
        open("/");
        final String raw = send("GET /app.js HTTP/1.1\r\nHost: localhost\r\n\r\nGET /style.css HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertEquals(2, raw.split("HTTP/1.1 200 OK", -1).length - 1, raw);
        assertTrue(channel.isOpen());
    }

    @Test
    void connectionClose_answered_thenClosed() {
        open("/");
        final Response response = parse(send("GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
        assertEquals(200, response.status());
        assertEquals("close", response.header("Connection"));
        assertFalse(channel.isOpen());
    }

    @Test
    void http10_withoutKeepAlive_closed() {
        open("/");
        assertEquals(200, parse(send("GET / HTTP/1.0\r\n\r\n")).status());
        assertFalse(channel.isOpen());
    }

    @Test
    void http11_withoutHost_badRequest() {
        // RFC 9112 §3.2
        open("/");
        final Response response = parse(send("GET / HTTP/1.1\r\n\r\n"));
        assertEquals(400, response.status());
        assertTrue(response.body().contains("missing Host header"), response.body());
        assertFalse(channel.isOpen());
    }

    @Test
    void twoHostHeaders_badRequest() {
        open("/");
        final Response response = parse(send("GET / HTTP/1.1\r\nHost: localhost\r\nHost: example.org\r\n\r\n"));
        assertEquals(400, response.status());
        assertTrue(response.body().contains("more than one Host header"), response.body());
    }

    @Test
    void invalidHostValue_badRequest() {
        open("/");
        final Response response = parse(send("GET / HTTP/1.1\r\nHost: user@localhost/x\r\n\r\n"));
        assertEquals(400, response.status());
        assertTrue(response.body().contains("invalid Host header"), response.body());
    }

    @Test
    void ipv6LiteralHostWithPort_served() {
        open("/");
        assertEquals(200, parse(send("GET / HTTP/1.1\r\nHost: [::1]:8443\r\n\r\n")).status());
    }

    @Test
    void hostProblem_http2AuthorityBesideTheSameHost_acceptedOnlyOverHttp2AndOnlyWhenEqual() {
        final io.netty.handler.codec.http.DefaultFullHttpRequest request = new io.netty.handler.codec.http.DefaultFullHttpRequest(
                io.netty.handler.codec.http.HttpVersion.HTTP_1_1, io.netty.handler.codec.http.HttpMethod.GET, "/");
        request.headers().add("Host", "node.example").add("Host", "node.example");
        assertEquals("more than one Host header", HttpRequestHandler.hostProblem(request), "HTTP/1.1: two Host lines");
        request.headers().set("x-http2-stream-id", "3");
        assertNull(HttpRequestHandler.hostProblem(request), ":authority and Host alike");
        request.headers().set("Host", List.of("node.example", "other.example"));
        assertEquals("more than one Host header", HttpRequestHandler.hostProblem(request), "RFC 9113 §8.3.1");
    }
}
