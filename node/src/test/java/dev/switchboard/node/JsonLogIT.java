package dev.switchboard.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code switchboard --log-format json} in a real process (the launcher's way: {@code java ...
 * Main}): every log line on standard output is one JSON object with level, logger and message;
 * the start, monitoring and stop lines are there; and {@code switchboard status} run from another
 * process (this one) prints that node's table.
 */
class JsonLogIT {

    private static final Duration START = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Pattern MONITORING_PORT = Pattern.compile("monitoring endpoint on port (\\d+)");

    @TempDir
    Path dir;
    private Process process;

    @AfterEach
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void jsonLogFormat_nodeStartsAndStops_everyLogLineIsJsonAndStatusPrintsItsTable() throws Exception {
        final Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: 43200-43299, maxSessions: 20 }
                metrics: { port: 0 }
                """.formatted(dir.resolve("data").toString().replace("\\", "/")));
        final String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        final Path output = dir.resolve("node-output.txt");
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "dev.switchboard.node.Main", "--log-format", "json", "--config", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        final Supplier<List<String>> lines = () -> {
            try {
                return Files.readAllLines(output, StandardCharsets.UTF_8);
            } catch (final IOException e) {
                throw new UncheckedIOException(e);
            }
        };

        await().atMost(START).until(() -> lines.get().stream().anyMatch(l -> l.startsWith("Switchboard is running"))
                || !process.isAlive());
        assertTrue(process.isAlive(), "node exited early:\n" + String.join("\n", lines.get()));
        int port = -1;
        for (final String line : lines.get()) {
            final Matcher m = MONITORING_PORT.matcher(line);
            if (line.startsWith("{") && m.find()) {
                port = Integer.parseInt(m.group(1));
            }
        }
        assertTrue(port > 0, "monitoring port in a JSON log line:\n" + String.join("\n", lines.get()));

        final Path statusConfig = dir.resolve("status.yaml");
        Files.writeString(statusConfig, "metrics: { port: " + port + " }\n");
        final ByteArrayOutputStream table = new ByteArrayOutputStream();
        final PrintStream originalOut = System.out;
        System.setOut(new PrintStream(table, true, StandardCharsets.UTF_8));
        final int code;
        try {
            code = Main.run("status", "--config", statusConfig.toString());
        } finally {
            System.setOut(originalOut);
        }
        assertEquals(0, code);
        assertTrue(table.toString(StandardCharsets.UTF_8).contains("relay sessions   0"),
                table.toString(StandardCharsets.UTF_8));

        process.destroy(); // SIGTERM: the shutdown hook stops the node
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), "node stopped on SIGTERM");

        final List<JsonNode> logs = new ArrayList<>();
        for (final String line : lines.get()) {
            if (line.startsWith("{")) {
                final JsonNode event = JSON.readTree(line);
                assertTrue(event.isObject(), line);
                assertTrue(event.path("level").isTextual(), "level in " + line);
                assertTrue(event.path("loggerName").isTextual(), "loggerName in " + line);
                assertTrue(event.path("formattedMessage").isTextual(), "formattedMessage in " + line);
                assertTrue(event.path("timestamp").isNumber(), "timestamp in " + line);
                logs.add(event);
            } else {
                // what is not JSON is the command line's own output for a person, never a log line
                assertFalse(line.matches("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*"), "a text log line: " + line);
            }
        }
        assertTrue(logs.stream().anyMatch(e -> e.path("formattedMessage").asText().matches("node \\S+ started: .*")),
                () -> "start line in\n" + String.join("\n", lines.get()));
        assertTrue(logs.stream().anyMatch(e -> e.path("formattedMessage").asText().matches("node \\S+ stopped")),
                () -> "stop line (exit " + process.exitValue() + ") in\n" + String.join("\n", lines.get()));
    }
}
