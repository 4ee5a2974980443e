package dev.switchboard.node;

import dev.switchboard.node.config.ConfigException;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.metrics.NodeStatus;
import dev.switchboard.node.metrics.StatusTable;
import org.jetbrains.annotations.NotNull;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * {@code switchboard status [--config FILE]}: asks the running node at the monitoring address of
 * the configuration ({@code metrics.bind}, {@code metrics.port}; a wildcard bind is asked on
 * loopback) for {@code /status.json} and prints it as a table ({@link StatusTable}).
 *
 * <p>Exit codes: 0 printed; 1 no node answered there, or what answered is not a Switchboard node
 * (the message names the address); 2 bad command line or configuration, or the monitoring
 * endpoint is disabled ({@code metrics.port: -1}).
 */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Print the running node's uptime, connections, rooms, relay sessions and traffic, and peer "
                + "links, asked at its monitoring address.")
final class StatusCommand implements Callable<Integer> {

    /** How long to wait for the node's answer. */
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "The node's YAML configuration file, to find its monitoring address (default: "
                    + "${DEFAULT-VALUE}; a missing default file means the built-in defaults).")
    private Path config = Path.of("switchboard.yaml");

    private final PrintStream out;
    private final PrintStream err;

    StatusCommand() {
        this(System.out, System.err);
    }

    StatusCommand(final @NotNull PrintStream out, final @NotNull PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() {
        final NodeConfig cfg;
        try {
            cfg = ConfigLoader.load(config, !config.equals(Path.of("switchboard.yaml")));
        } catch (final ConfigException e) {
            err.println("switchboard status: " + e.getMessage());
            return 2;
        }
        if (!cfg.metrics().enabled()) {
            err.println("switchboard status: metrics.port is -1 in " + config
                    + ": the node serves no monitoring endpoint to ask");
            return 2;
        }
        final URI uri = statusUri(cfg.metrics());
        final HttpResponse<byte[]> response;
        try {
            final HttpClient client = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
            response = client.send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofByteArray());
        } catch (final IOException e) {
            err.println("switchboard status: no node answered at " + uri + " (" + e.getClass().getSimpleName()
                    + (e.getMessage() != null ? ": " + e.getMessage() : "") + "). Is the node running, and are "
                    + "metrics.bind and metrics.port in " + config + " the ones it runs with?");
            return 1;
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("switchboard status: interrupted");
            return 1;
        }
        if (response.statusCode() != 200) {
            err.println("switchboard status: " + uri + " answered HTTP " + response.statusCode()
                    + (response.statusCode() == 503 ? " (the node is starting)" : " (not a Switchboard node?)"));
            return 1;
        }
        final NodeStatus status;
        try {
            status = NodeStatus.fromJson(response.body());
        } catch (final IllegalArgumentException e) {
            err.println("switchboard status: " + uri + " answered, but " + e.getMessage());
            return 1;
        }
        out.print(StatusTable.format(status));
        return 0;
    }

    /** @return {@code http://host:port/status.json}; a wildcard bind address is asked on loopback */
    static @NotNull URI statusUri(final @NotNull NodeConfig.Metrics metrics) {
        InetAddress host = metrics.bind();
        if (host.isAnyLocalAddress()) {
            host = InetAddress.getLoopbackAddress();
        }
        final String literal = host.getHostAddress();
        final String hostPart = literal.contains(":") ? "[" + stripScope(literal) + "]" : literal;
        return URI.create("http://" + hostPart + ":" + metrics.port() + "/status.json");
    }

    private static String stripScope(final String ipv6) {
        final int pct = ipv6.indexOf('%');
        return pct < 0 ? ipv6 : ipv6.substring(0, pct);
    }
}
