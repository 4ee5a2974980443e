package dev.switchboard.node.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The monitoring endpoint, plain HTTP on its own address (the {@code metrics} section):
 *
 * <ul>
 *   <li>{@code GET /metrics}: Prometheus text format (OpenMetrics when asked for);</li>
 *   <li>{@code GET /healthz}: {@code 200 ok} while the process serves HTTP at all;</li>
 *   <li>{@code GET /readyz}: {@code 200} when every part serves, else {@code 503}; the plain text
 *       body has one line per part ({@code broker: serving}, see {@link Readiness});</li>
 *   <li>{@code GET /status.json}: the {@link NodeStatus} that {@code switchboard status} prints
 *       ({@code 503} until the node has started).</li>
 * </ul>
 *
 * Any other path is 404, any other method 405. No authentication: keep it on loopback or a
 * private network.
 *
 * <p>Thread-safe. Requests are served one at a time on one daemon thread ({@code monitoring}),
 * never on the node's I/O threads. {@link #close()} is idempotent.
 */
public final class MonitoringServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(MonitoringServer.class);

    private final HttpServer server;
    private final ExecutorService executor;
    private boolean closed;

    private MonitoringServer(final HttpServer server, final ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Binds and starts serving.
     *
     * @param address   where to listen; port 0 picks a free port (see {@link #localAddress()})
     * @param registry  the metrics to expose
     * @param readiness the readiness checks
     * @param status    the node's status, or {@code null} while it is not started; called per
     *                  request on the monitoring thread
     * @return the running server
     * @throws IOException if the address cannot be bound; the message names it
     */
    public static @NotNull MonitoringServer start(final @NotNull InetSocketAddress address,
                                                  final @NotNull PrometheusRegistry registry,
                                                  final @NotNull Readiness readiness,
                                                  final @NotNull Supplier<NodeStatus> status) throws IOException {
        final HttpServer server;
        try {
            server = HttpServer.create(address, 16);
        } catch (final IOException e) {
            throw new IOException("cannot bind the monitoring endpoint (metrics.bind, metrics.port) to "
                    + address.getAddress().getHostAddress() + " port " + address.getPort() + ": " + e.getMessage(), e);
        }
        final ExecutorService executor = Executors.newSingleThreadExecutor(new DefaultThreadFactory("monitoring", true));
        final MetricsHandler metrics = new MetricsHandler(registry);
        server.createContext("/", exchange -> {
            try (exchange) {
                route(exchange, metrics, readiness, status);
            }
        });
        server.setExecutor(executor);
        server.start();
        final MonitoringServer running = new MonitoringServer(server, executor);
        LOG.info("monitoring endpoint on port {}: /metrics, /healthz, /readyz, /status.json", running.localAddress().getPort());
        return running;
    }

    private static void route(final HttpExchange exchange, final HttpHandler metrics, final Readiness readiness,
                              final Supplier<NodeStatus> status) throws IOException {
        final String path = exchange.getRequestURI().getPath();
        final String method = exchange.getRequestMethod();
        final boolean known = path.equals("/metrics") || path.equals("/healthz") || path.equals("/readyz")
                || path.equals("/status.json");
        if (!known) {
            text(exchange, 404, "not found: try /metrics, /healthz, /readyz or /status.json\n");
            return;
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            exchange.getResponseHeaders().set("Allow", "GET, HEAD");
            text(exchange, 405, "method not allowed\n");
            return;
        }
        switch (path) {
            case "/metrics" -> metrics.handle(exchange);
            case "/healthz" -> text(exchange, 200, "ok\n");
            case "/readyz" -> {
                final Readiness.Result result = readiness.evaluate();
                text(exchange, result.ready() ? 200 : 503, result.text());
            }
            default -> {
                final NodeStatus now = status.get();
                if (now == null) {
                    text(exchange, 503, "the node is starting\n");
                } else {
                    send(exchange, 200, "application/json", now.toJson());
                }
            }
        }
    }

    private static void text(final HttpExchange exchange, final int code, final String body) throws IOException {
        send(exchange, code, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
    }

    private static void send(final HttpExchange exchange, final int code, final String type, final byte[] body)
            throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        final boolean head = exchange.getRequestMethod().equals("HEAD");
        exchange.sendResponseHeaders(code, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    /** @return the bound address, with the real port when 0 was asked for */
    public @NotNull InetSocketAddress localAddress() {
        return server.getAddress();
    }

    /** Stops serving; waits at most about a second for a request in progress. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.stop(0);
        executor.shutdownNow();
        try {
            executor.awaitTermination(1, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
