package dev.switchboard.node.web;

import dev.switchboard.node.tls.CertificateStore;
import dev.switchboard.node.tls.TlsIdentity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("node", certificate);
        final TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return HttpClient.newBuilder().sslContext(context).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
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
