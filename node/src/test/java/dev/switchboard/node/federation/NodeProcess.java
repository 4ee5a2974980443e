package dev.switchboard.node.federation;

import dev.switchboard.node.identity.NodeKey;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.awaitility.Awaitility.await;

/**
 * A Switchboard node in its own process ({@code java ... Main --config file}), as the launcher
 * runs it, for federation tests (one embedded broker per JVM). Its key is made before it starts,
 * so its id is known for the other nodes' configuration; its configuration file is rewritten to
 * change its peers (the node reloads it). Every log line goes to a file the test reads.
 */
public final class NodeProcess implements AutoCloseable {

    private static final Duration START = Duration.ofSeconds(120);
    private static final Pattern STARTED = Pattern.compile(
            "node \\S+ started: web \\S+ port (\\d+), .*TCP port (-?\\d+), federation port (\\d+),");
    private static final Pattern MONITORING = Pattern.compile("monitoring endpoint on port (\\d+)");

    final String name;
    /** The node's id (its key is made before it starts). */
    public final String id;
    int webPort = -1;
    private final Path dir;
    private final Path config;
    private final String relayRange;
    private Process process;
    private Path log;
    private int runs;
    int tcpPort = -1;
    /** The federation listener's port (0 until started, then kept for restarts). */
    public int federationPort = 0;
    int metricsPort = -1;
    int hopLimit = 4;
    /** The address every part binds to and is reached at (a site's address in a namespace). */
    private String host = "127.0.0.1";
    private boolean tls;
    private List<String> prefix = List.of();

    /**
     * @param root       the test's temporary directory
     * @param name       a name for the node's directory
     * @param relayRange its relay port range, e.g. {@code 46900-46919}
     * @throws IOException if the directory or key cannot be written
     */
    public NodeProcess(final Path root, final String name, final String relayRange) throws IOException {
        this.name = name;
        this.dir = Files.createDirectories(root.resolve(name));
        this.config = dir.resolve("switchboard.yaml");
        this.relayRange = relayRange;
        this.id = NodeKey.loadOrCreate(dir.resolve("data")).id();
    }

    /**
     * Runs the node inside another network namespace (a "site"), bound to and reached at
     * {@code siteAddress}, over HTTPS (a browser at a non-loopback address needs a secure context).
     *
     * @param namespacePid a process whose network namespace the node joins ({@code nsenter --net})
     * @param siteAddress  the site's address
     * @return this
     */
    public NodeProcess inNamespace(final long namespacePid, final String siteAddress) {
        prefix = List.of("nsenter", "--net=/proc/" + namespacePid + "/ns/net");
        host = siteAddress;
        tls = true;
        return this;
    }

    /** Writes the configuration with these peers (a running node reloads it). */
    public void peers(final Map<String, Integer> peerFederationPorts) throws IOException {
        final Map<String, String> at = new LinkedHashMap<>();
        peerFederationPorts.forEach((id, port) -> at.put(id, "127.0.0.1:" + port));
        peerAddresses(at);
    }

    /** Writes the configuration with these peers ({@code id: "host:port"}); a running node reloads it. */
    public void peerAddresses(final Map<String, String> peerFederationPorts) throws IOException {
        final String peers = peerFederationPorts.isEmpty() ? "  peers: {}\n"
                : "  peers:\n" + peerFederationPorts.entrySet().stream()
                        .map(e -> "    " + e.getKey() + ": \"" + e.getValue() + "\"\n")
                        .collect(Collectors.joining());
        final String yaml = """
                dataDir: %s
                publicHost: %s
                web: { bind: %s, port: 0, tls: %s }
                broker: { bind: %s, webSocketPort: 0, tcpPort: %d }
                stun: { bind: %s, port: 0 }
                relay: { bind: %s, advertisedHost: %s, portRange: %s, maxSessions: 8 }
                metrics: { port: 0 }
                federation:
                  bind: %s
                  port: %d
                  hopLimit: %d
                """.formatted(dir.resolve("data").toString().replace("\\", "/"), host, host, tls, host,
                Math.max(tcpPort, 0), host, host, host, relayRange, host, federationPort, hopLimit) + peers;
        final Path tmp = dir.resolve("switchboard.yaml.tmp");
        Files.writeString(tmp, yaml);
        Files.move(tmp, config, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Starts the process and waits for its start line; keeps the ports it reports. */
    public void start() throws IOException {
        if (!Files.exists(config)) {
            peers(Map.of());
        }
        runs++;
        log = dir.resolve("node-" + runs + ".log");
        final String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(javaBin, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp",
                System.getProperty("java.class.path"), "dev.switchboard.node.Main", "--config", config.toString()));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        await().atMost(START).until(() -> !process.isAlive() || lines().stream().anyMatch(l -> STARTED.matcher(l).find()));
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited early:\n" + String.join("\n", lines()));
        }
        for (final String line : lines()) {
            final Matcher m = STARTED.matcher(line);
            if (m.find()) {
                webPort = Integer.parseInt(m.group(1));
                tcpPort = Integer.parseInt(m.group(2));
                federationPort = Integer.parseInt(m.group(3));
            }
            final Matcher mm = MONITORING.matcher(line);
            if (mm.find()) {
                metricsPort = Integer.parseInt(mm.group(1));
            }
        }
    }

    /** @return this run's log lines so far. */
    List<String> lines() {
        try {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return whether this run logged that the link to {@code peer} is up (its last state line says so). */
    public boolean linkUp(final NodeProcess peer) {
        String last = null;
        for (final String l : lines()) {
            if (l.contains("peer link " + peer.id + ": ")) {
                last = l;
            }
        }
        return last != null && last.contains(": up (was");
    }

    /** @return a counter of {@code switchboard_peer_messages_total} for peer and outcome (0 if absent). */
    long peerMessages(final NodeProcess peer, final String outcome) throws IOException, InterruptedException {
        final String body = metricsText();
        final Pattern p = Pattern.compile("^switchboard_peer_messages_total\\{(?=[^}]*peer=\"" + Pattern.quote(peer.id)
                + "\")(?=[^}]*outcome=\"" + Pattern.quote(outcome) + "\")[^}]*} (\\S+)$", Pattern.MULTILINE);
        final Matcher m = p.matcher(body);
        return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
    }

    /** @return the web client's URL on this node. */
    public String url() {
        return (tls ? "https://" : "http://") + host + ":" + webPort + "/";
    }

    /**
     * @param name a metric name without labels, e.g. {@code switchboard_relay_packets_total}
     * @return the sum of its samples on this node's /metrics
     */
    public double metric(final String name) throws IOException, InterruptedException {
        final String body = metricsText();
        double sum = 0;
        final Matcher m = Pattern.compile("^" + Pattern.quote(name) + "(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE).matcher(body);
        while (m.find()) {
            sum += Double.parseDouble(m.group(2));
        }
        return sum;
    }

    /**
     * @param name   a metric name, e.g. {@code switchboard_peer_link_messages_total}
     * @param labels label values that must all be on the sample, e.g. {@code peer="<id>"}
     * @return the first matching sample's value, or -1 if there is none
     */
    public double metric(final String name, final String... labels) throws IOException, InterruptedException {
        final Matcher m = Pattern.compile("^" + Pattern.quote(name) + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE)
                .matcher(metricsText());
        while (m.find()) {
            final List<String> have = List.of(m.group(1).split(","));
            if (have.containsAll(List.of(labels))) {
                return Double.parseDouble(m.group(2));
            }
        }
        return -1;
    }

    /** @return the node's {@code /status.json}, as {@code switchboard status} reads it. */
    public dev.switchboard.node.metrics.NodeStatus status() throws IOException, InterruptedException {
        return dev.switchboard.node.metrics.NodeStatus.fromJson(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + metricsPort + "/status.json")).build(),
                HttpResponse.BodyHandlers.ofByteArray()).body());
    }

    /** @return the node's /metrics text (read from inside its namespace when it runs in one). */
    private String metricsText() throws IOException, InterruptedException {
        if (prefix.isEmpty()) {
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
        }
        final List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("curl", "-sS", "--max-time", "10", "http://127.0.0.1:" + metricsPort + "/metrics"));
        final Process curl = new ProcessBuilder(command).redirectErrorStream(true).start();
        final String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        curl.waitFor(20, TimeUnit.SECONDS);
        return out;
    }

    /** SIGKILL: no shutdown hook, no goodbye to anyone. */
    public void kill9() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
