package dev.switchboard.node.web;

import dev.switchboard.node.tls.CertificateStore;
import dev.switchboard.node.tls.TlsIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The web server on real loopback sockets (failsafe runs this in a loopback-only network namespace). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WebServerIT {

    private static final InetSocketAddress LOOPBACK_ANY_PORT = new InetSocketAddress("127.0.0.1", 0);

    @TempDir
    Path dataDir;

    private WebServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static WebServerSettings settings() {
        return WebServerSettings.of(LOOPBACK_ANY_PORT, "/hidden/")
                .withClasspathRoot("webclient-test")
                .withCspConnectSources(List.of("wss://127.0.0.1:8884"))
                .withShutdownTimeout(Duration.ofSeconds(2));
    }

    private TlsIdentity identity() throws Exception {
        return CertificateStore.loadOrCreateSelfSigned(dataDir, List.of("localhost"),
                List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")));
    }

    private static HttpClient trusting(final X509Certificate certificate) throws Exception {
        return trusting(certificate, HttpClient.Version.HTTP_1_1);
    }

    private static HttpResponse<String> get(final HttpClient client, final String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void https_selfSignedCertificate_servesClientAndFingerprintMatches() throws Exception {
        final TlsIdentity identity = identity();
        server = WebServer.https(settings(), identity.newServerSslContext())
                .addJsonEndpoint("/node-info.json", () -> "{\"nodeId\":\"n1\"}".getBytes(StandardCharsets.UTF_8))
                .start();
        assertTrue(server.port() > 0);
        assertTrue(server.isHttps());
        final HttpClient client = trusting(identity.certificate());
        final String base = "https://127.0.0.1:" + server.port();

        final HttpResponse<String> index = get(client, base + "/hidden/");
        assertEquals(200, index.statusCode());
        assertTrue(index.body().contains("fixture index"));
        assertEquals("text/html; charset=utf-8", index.headers().firstValue("content-type").orElseThrow());
        assertTrue(index.headers().firstValue("content-security-policy").orElseThrow()
                .contains("connect-src 'self' wss://127.0.0.1:8884;"));
        final X509Certificate served = (X509Certificate) index.sslSession().orElseThrow().getPeerCertificates()[0];
        assertEquals(identity.sha256Fingerprint(), TlsIdentity.sha256Fingerprint(served));

        final HttpResponse<String> js = get(client, base + "/hidden/module.mjs");
        assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("content-type").orElseThrow());
        final HttpResponse<String> info = get(client, base + "/hidden/node-info.json");
        assertEquals("{\"nodeId\":\"n1\"}", info.body());
        assertEquals(404, get(client, base + "/index.html").statusCode());

        // "localhost" is in the certificate too
        assertEquals(200, get(client, "https://localhost:" + server.port() + "/hidden/app.js").statusCode());
    }

    private static HttpClient trusting(final X509Certificate certificate, final HttpClient.Version version)
            throws Exception {
        return HttpClient.newBuilder().sslContext(trustingContext(certificate)).version(version)
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static SSLContext trustingContext(final X509Certificate certificate) throws Exception {
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("node", certificate);
        final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    private static HttpResponse<byte[]> fetch(final HttpClient client, final String url, final String... headers)
            throws Exception {
        final HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    /** The response's header fields without those that differ by protocol or time. */
    private static Map<String, List<String>> comparable(final HttpResponse<?> response) {
        final Map<String, List<String>> fields = new TreeMap<>(response.headers().map());
        fields.keySet().removeIf(name -> name.startsWith(":") || name.equalsIgnoreCase("date")
                || name.equalsIgnoreCase("connection"));
        return fields;
    }

    @Test
    void https_http2_answersAsHttp1Does_andAPageSharesOneConnection() throws Exception {
        final TlsIdentity identity = identity();
        final WebCounters counters;
        server = WebServer.https(settings().withClasspathRoot("webclient"),
                        identity.newServerSslContext(WebServer.APPLICATION_PROTOCOLS))
                .addRoute("/node-info.json", request -> WebResponse.jsonRevalidated("{}".getBytes(StandardCharsets.UTF_8)))
                .addRoute("/stream", request -> WebResponse.text(200, String.valueOf(request.header("x-http2-stream-id"))))
                .hiddenRoutes(path -> path.equals("/secret-admin")
                        ? request -> WebResponse.text(200, "admin") : null)
                .start();
        counters = server.counters();
        final HttpClient http1 = trusting(identity.certificate(), HttpClient.Version.HTTP_1_1);
        final HttpClient http2 = trusting(identity.certificate(), HttpClient.Version.HTTP_2);
        final String base = "https://127.0.0.1:" + server.port() + "/hidden/";

        // every kind of answer: the page (brotli), a script, a route, a hidden route, a miss
        int sent = 0;
        for (final String path : List.of("", "node-info.json", "secret-admin", "nope", "index.html")) {
            final HttpResponse<byte[]> one = fetch(http1, base + path, "Accept-Encoding", "br, gzip");
            final HttpResponse<byte[]> two = fetch(http2, base + path, "Accept-Encoding", "br, gzip");
            sent += 2;
            assertEquals(HttpClient.Version.HTTP_1_1, one.version());
            assertEquals(HttpClient.Version.HTTP_2, two.version(), path);
            assertEquals(one.statusCode(), two.statusCode(), path);
            assertEquals(comparable(one), comparable(two), path);
            assertArrayEquals(one.body(), two.body(), path);
        }
        final HttpResponse<byte[]> page = fetch(http2, base, "Accept-Encoding", "br, gzip");
        sent++;
        assertTrue(page.headers().firstValue("content-encoding").isPresent(), "the page comes compressed");
        assertTrue(page.headers().firstValue("content-security-policy").orElseThrow().contains("wss://127.0.0.1:8884"));
        // revalidated: 304 without the security headers the stored answer has, as over HTTP/1.1
        final String etag = page.headers().firstValue("etag").orElseThrow();
        final HttpResponse<byte[]> again = fetch(http2, base, "Accept-Encoding", "br, gzip", "If-None-Match", etag);
        final HttpResponse<byte[]> againOne = fetch(http1, base, "Accept-Encoding", "br, gzip", "If-None-Match", etag);
        sent += 2;
        assertEquals(304, again.statusCode());
        assertEquals(0, again.body().length);
        assertTrue(again.headers().firstValue("content-security-policy").isEmpty());
        assertEquals(comparable(againOne), comparable(again));
        // the script the page names comes as a script, with only the subresource headers
        final String script = new String(fetch(http2, base).body(), StandardCharsets.UTF_8)
                .replaceAll("(?s).*<script[^>]* src=\"([^\"]+)\".*", "$1");
        sent++;
        final HttpResponse<byte[]> js = fetch(http2, base + script, "Accept-Encoding", "br, gzip");
        sent++;
        assertEquals(200, js.statusCode(), script);
        assertEquals("text/javascript; charset=utf-8", js.headers().firstValue("content-type").orElseThrow());
        assertTrue(js.headers().firstValue("content-security-policy").isEmpty());
        assertEquals("nosniff", js.headers().firstValue("x-content-type-options").orElseThrow());

        // one connection: its streams are numbered 1, 3, 5, ... (RFC 9113 §5.1.1); a new
        // connection would start at 1 again
        final HttpClient fresh = trusting(identity.certificate(), HttpClient.Version.HTTP_2);
        final int firstStream = Integer.parseInt(new String(fetch(fresh, base + "stream").body(), StandardCharsets.UTF_8).strip());
        final int secondStream = Integer.parseInt(new String(fetch(fresh, base + "stream").body(), StandardCharsets.UTF_8).strip());
        sent += 2;
        assertEquals(firstStream + 2, secondStream);
        assertEquals("null", new String(fetch(http1, base + "stream").body(), StandardCharsets.UTF_8).strip());
        sent++;
        assertEquals(sent, counters.byStatus().values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void https_http2_gateAndRequestLimitsHoldForEachStream() throws Exception {
        final TlsIdentity identity = identity();
        final List<InetAddress> refused = new CopyOnWriteArrayList<>();
        final List<InetAddress> missed = new CopyOnWriteArrayList<>();
        final AtomicBoolean admit = new AtomicBoolean(false);
        server = WebServer.https(settings().withMaxRequestBytes(1024),
                        identity.newServerSslContext(WebServer.APPLICATION_PROTOCOLS))
                .addRoute("/upload", request -> WebResponse.text(200, "got " + request.body().length))
                .gate(new WebGate() {
                    @Override
                    public boolean admits(final InetAddress address) {
                        if (!admit.get()) {
                            refused.add(address);
                        }
                        return admit.get();
                    }

                    @Override
                    public void unknownPath(final InetAddress address, final String path) {
                        missed.add(address);
                    }
                })
                .start();
        final HttpClient client = trusting(identity.certificate(), HttpClient.Version.HTTP_2);
        final String base = "https://127.0.0.1:" + server.port() + "/hidden/";
        final HttpResponse<byte[]> miss = fetch(client, base + "nope");
        final HttpResponse<byte[]> refusedPage = fetch(client, base);
        assertEquals(HttpClient.Version.HTTP_2, refusedPage.version());
        assertEquals(404, refusedPage.statusCode());
        assertArrayEquals(miss.body(), refusedPage.body());
        assertEquals(comparable(miss), comparable(refusedPage), "a refusal looks like a miss");
        assertEquals(List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("127.0.0.1")), refused,
                "each stream is asked for, with the connection's source address");
        admit.set(true);
        assertEquals(200, fetch(client, base).statusCode(), "the same connection, now admitted");
        assertEquals(List.of(), missed, "refusals are not reported as unknown paths");
        assertEquals(404, fetch(client, base + "nope").statusCode());
        assertEquals(List.of(InetAddress.getByName("127.0.0.1")), missed);

        // the body limit holds per stream, and the connection goes on serving
        final HttpResponse<String> small = client.send(HttpRequest.newBuilder(URI.create(base + "upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1000])).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("got 1000", small.body().strip());
        final HttpResponse<String> large = client.send(HttpRequest.newBuilder(URI.create(base + "upload"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5000])).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, large.statusCode());
        // header fields over the list size the server announced: 431 (RFC 6585 §5)
        final HttpResponse<byte[]> huge = fetch(client, base, "X-Filler", "x".repeat(WebChannelInitializer.H2_MAX_HEADER_LIST_BYTES));
        assertEquals(431, huge.statusCode());
        assertEquals(200, fetch(client, base).statusCode());
    }

    @Test
    void https_withoutAlpn_andPlainHttp_stayOnHttp1() throws Exception {
        final TlsIdentity identity = identity();
        server = WebServer.https(settings(), identity.newServerSslContext()).start();
        final HttpResponse<byte[]> tls = fetch(trusting(identity.certificate(), HttpClient.Version.HTTP_2),
                "https://127.0.0.1:" + server.port() + "/hidden/");
        assertEquals(200, tls.statusCode());
        assertEquals(HttpClient.Version.HTTP_1_1, tls.version());
        server.close();
        // plain HTTP: no h2c; a client that asks to upgrade is answered over HTTP/1.1
        server = WebServer.plainHttp(settings()).start();
        final HttpResponse<byte[]> plain = fetch(HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build(),
                "http://127.0.0.1:" + server.port() + "/hidden/");
        assertEquals(200, plain.statusCode());
        assertEquals(HttpClient.Version.HTTP_1_1, plain.version());
    }

    /** A raw HTTP/2 connection: the client preface and an empty SETTINGS frame (RFC 9113 §3.4). */
    private SSLSocket h2Socket(final TlsIdentity identity) throws Exception {
        final SSLSocket socket = (SSLSocket) trustingContext(identity.certificate()).getSocketFactory()
                .createSocket("127.0.0.1", server.port());
        socket.setSoTimeout(10_000);
        final SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        assertEquals("h2", socket.getApplicationProtocol());
        socket.getOutputStream().write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().write(frame(4, 0, 0, new byte[0]));
        return socket;
    }

    private static byte[] frame(final int type, final int flags, final int stream, final byte[] payload) {
        final ByteBuffer frame = ByteBuffer.allocate(9 + payload.length);
        frame.put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8)).put((byte) payload.length);
        frame.put((byte) type).put((byte) flags).putInt(stream).put(payload);
        return frame.array();
    }

    /** Reads frames until the server closes: type to the payloads of that type, in order. */
    private static Map<Integer, List<byte[]>> framesUntilClosed(final SSLSocket socket) throws IOException {
        final Map<Integer, List<byte[]>> frames = new TreeMap<>();
        final InputStream in = socket.getInputStream();
        for (int i = 0; i < 100_000; i++) {
            final byte[] header = in.readNBytes(9);
            if (header.length < 9) {
                return frames;
            }
            final int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
            frames.computeIfAbsent(header[3] & 0xff, t -> new ArrayList<>()).add(in.readNBytes(length));
        }
        throw new AssertionError("the server never closed the connection");
    }

    @Test
    void https_http2_settingsAnnouncedAndIdleConnectionClosedWithGoAway() throws Exception {
        final TlsIdentity identity = identity();
        server = WebServer.https(settings().withIdleTimeout(Duration.ofMillis(300)),
                identity.newServerSslContext(WebServer.APPLICATION_PROTOCOLS)).start();
        try (SSLSocket socket = h2Socket(identity)) {
            final Map<Integer, List<byte[]>> frames = framesUntilClosed(socket);
            final Map<Integer, Long> settings = new TreeMap<>();
            final ByteBuffer first = ByteBuffer.wrap(frames.get(4).get(0));
            while (first.remaining() >= 6) {
                settings.put(first.getShort() & 0xffff, first.getInt() & 0xffffffffL);
            }
            assertEquals((long) WebChannelInitializer.H2_MAX_CONCURRENT_STREAMS, settings.get(3)); // §6.5.2
            assertEquals((long) WebChannelInitializer.H2_MAX_HEADER_LIST_BYTES, settings.get(6));
            assertEquals(1, frames.get(7).size(), "one GOAWAY before the close: " + frames.keySet());
            assertEquals(0, ByteBuffer.wrap(frames.get(7).get(0)).getInt(4), "NO_ERROR");
        }
    }

    @Test
    void https_http2_rapidReset_connectionClosed() throws Exception {
        final TlsIdentity identity = identity();
        server = WebServer.https(settings(), identity.newServerSslContext(WebServer.APPLICATION_PROTOCOLS)).start();
        try (SSLSocket socket = h2Socket(identity)) {
            // HEADERS (GET https /, HPACK static table entries 2, 7, 4; END_HEADERS, the stream
            // left open for a body) and RST_STREAM CANCEL right after, over and over
            final ByteArrayOutputStream abuse = new ByteArrayOutputStream();
            for (int i = 0; i <= WebChannelInitializer.H2_MAX_RESETS; i++) {
                final int stream = 1 + 2 * i;
                abuse.write(frame(1, 0x4, stream, new byte[] {(byte) 0x82, (byte) 0x87, (byte) 0x84}));
                abuse.write(frame(3, 0, stream, new byte[] {0, 0, 0, 8}));
            }
            socket.getOutputStream().write(abuse.toByteArray());
            final Map<Integer, List<byte[]>> frames = framesUntilClosed(socket);
            final List<byte[]> goAway = frames.get(7);
            assertTrue(goAway != null && !goAway.isEmpty(), "no GOAWAY: " + frames.keySet());
            assertEquals(0xb, ByteBuffer.wrap(goAway.get(goAway.size() - 1)).getInt(4), "ENHANCE_YOUR_CALM");
        }
        // the server goes on serving others
        assertEquals(200, fetch(trusting(identity.certificate(), HttpClient.Version.HTTP_2),
                "https://127.0.0.1:" + server.port() + "/hidden/").statusCode());
    }

    @Test
    void https_clientNotTrustingCertificate_handshakeFailsAndServerKeepsServing() throws Exception {
        final TlsIdentity identity = identity();
        server = WebServer.https(settings(), identity.newServerSslContext()).start();
        final HttpClient strict = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        final String url = "https://127.0.0.1:" + server.port() + "/hidden/";
        assertThrows(SSLHandshakeException.class, () -> get(strict, url));
        assertEquals(200, get(trusting(identity.certificate()), url).statusCode());
    }

    @Test
    void plainHttp_servesClientAndRoutes() throws Exception {
        server = WebServer.plainHttp(settings().withPathPrefix("/"))
                .addJsonEndpoint("/node-info.json", () -> "{}".getBytes(StandardCharsets.UTF_8))
                .start();
        assertTrue(!server.isHttps());
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        final String base = "http://127.0.0.1:" + server.port();
        assertTrue(get(client, base + "/").body().contains("fixture index"));
        assertEquals("{}", get(client, base + "/node-info.json").body());
        assertEquals(404, get(client, base + "/nope").statusCode());
        server.addJsonEndpoint("/later.json", () -> "[]".getBytes(StandardCharsets.UTF_8));
        assertEquals("[]", get(client, base + "/later.json").body());
        assertTrue(server.removeRoute("/later.json"));
        assertEquals(404, get(client, base + "/later.json").statusCode());
    }

    @Test
    void plainHttp_malformedRequestOnSocket_badRequestAndServerKeepsServing() throws Exception {
        server = WebServer.plainHttp(settings()).start();
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            final String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.startsWith("HTTP/1.1 400 "), answer);
        }
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        assertEquals(200, get(client, "http://127.0.0.1:" + server.port() + "/hidden/").statusCode());
    }

    @Test
    void plainHttp_idleConnection_closedByServer() throws Exception {
        server = WebServer.plainHttp(settings().withIdleTimeout(Duration.ofMillis(300))).start();
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(10_000);
            final long start = System.nanoTime();
            // blocks until the server closes the connection (or the 10 s socket timeout fails the test)
            assertEquals(-1, socket.getInputStream().read());
            assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(250));
        }
    }

    @Test
    void plainHttp_oversizedBody_requestEntityTooLarge() throws Exception {
        server = WebServer.plainHttp(settings()).addRoute("/upload", request -> WebResponse.text(200, "ok")).start();
        try (Socket socket = new Socket("127.0.0.1", server.port())) {
            socket.setSoTimeout(5000);
            final OutputStream out = socket.getOutputStream();
            out.write(("POST /hidden/upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            final InputStream in = socket.getInputStream();
            final String answer = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 413", answer);
        }
    }

    @Test
    void lifecycle_startTwiceBusyPortAndClose_behave() throws Exception {
        server = WebServer.plainHttp(settings()).start();
        assertThrows(IllegalStateException.class, () -> server.start());
        final InetSocketAddress taken = new InetSocketAddress("127.0.0.1", server.port());
        try (WebServer second = WebServer.plainHttp(settings().withBindAddress(taken))) {
            assertThrows(IOException.class, second::start);
        }
        final long start = System.nanoTime();
        server.close();
        server.close();
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "close is bounded");
        assertThrows(IOException.class, () -> new Socket("127.0.0.1", taken.getPort()).close());
        assertThrows(IllegalStateException.class, () -> server.start());
    }
}
