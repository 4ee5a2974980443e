package dev.switchboard.node.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MonitoringServerTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(WAIT).build();

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Readiness readiness = new Readiness(List.of("part"));
    private final AtomicReference<NodeStatus> status = new AtomicReference<>();
    private MonitoringServer server;

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    private void start() throws IOException {
        server = MonitoringServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry,
                readiness, status::get);
    }

    @Test
    void readyz_beforeAndAfterThePartServes_503Then200() throws Exception {
        start();
        assertEquals(200, get("/healthz").statusCode());
        final HttpResponse<String> starting = get("/readyz");
        assertEquals(503, starting.statusCode());
        assertEquals("part: starting\n", starting.body());
        final AtomicBoolean serving = new AtomicBoolean(true);
        readiness.register("part", serving::get);
        assertEquals(200, get("/readyz").statusCode());
        serving.set(false);
        final HttpResponse<String> stopped = get("/readyz");
        assertEquals(503, stopped.statusCode());
        assertEquals("part: not serving\n", stopped.body());
        assertTrue(stopped.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    }

    @Test
    void metrics_callbackCounter_readAtEachScrape() throws Exception {
        final AtomicLong value = new AtomicLong(3);
        CounterWithCallback.builder().name("test_things").help("things").callback(cb -> cb.call(value.get()))
                .register(registry);
        start();
        assertTrue(get("/metrics").body().contains("\ntest_things_total 3.0\n"));
        value.set(5);
        assertTrue(get("/metrics").body().contains("\ntest_things_total 5.0\n"));
    }

    @Test
    void statusJson_beforeAndAfterStart_503ThenTheDocument() throws Exception {
        start();
        assertEquals(503, get("/status.json").statusCode());
        final NodeStatus now = new NodeStatus("n", "0.1.0", 1, 0, 0, new NodeStatus.Relay(0, 0, 0, 0, 0, List.of(), List.of()),
                new NodeStatus.Stun(0, 0), List.of());
        status.set(now);
        final HttpResponse<String> response = get("/status.json");
        assertEquals(200, response.statusCode());
        assertEquals(now, NodeStatus.fromJson(response.body().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void otherPathsAndMethods_404And405() throws Exception {
        start();
        assertEquals(404, get("/").statusCode());
        assertEquals(404, get("/metricsx").statusCode());
        final HttpResponse<String> post = HTTP.send(HttpRequest.newBuilder(uri("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(405, post.statusCode());
        assertEquals("GET, HEAD", post.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void start_portTaken_ioExceptionNamesTheKeys() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            final IOException e = assertThrows(IOException.class, () -> MonitoringServer.start(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), taken.getLocalPort()), registry,
                    readiness, status::get));
            assertTrue(e.getMessage().contains("metrics.port") && e.getMessage().contains(
                    String.valueOf(taken.getLocalPort())), e.getMessage());
        }
    }

    private URI uri(final String path) {
        return URI.create("http://127.0.0.1:" + server.localAddress().getPort() + path);
    }

    private HttpResponse<String> get(final String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
    }
}
