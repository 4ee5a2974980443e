package dev.switchboard.node.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The benchmark suite works (issue 13): runs {@code node/scripts/bench/run --smoke} (one short
 * trial of each measure) against the built package and checks that every system under test
 * forwarded and answered something, that the allocation figures were read, that the session
 * scaling trials ran, and that the signaling part (the packaged node and Mosquitto, driven by
 * {@code signaling.mjs}) exchanged offers and answers, connected clients, read memory with idle
 * connections and timed first offers on a node with its default configuration (WSS). It checks that the suite works, never how fast anything is. Needs gcc, python3,
 * coturn's turnserver and mosquitto (the bench command installs them where it may; here, in the
 * loopback-only namespace, they must be there).
 */
class BenchSmokeIT {
    private static final Path NODE = Path.of(System.getProperty("user.dir"));

    private static boolean onPath(final String command) {
        for (final String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    @Test
    void smokeRun_everySystemMeasured() throws Exception {
        assumeTrue(onPath("gcc") && onPath("python3") && onPath("turnserver") && onPath("mosquitto"),
                "needs gcc, python3, coturn and mosquitto");
        assumeTrue(Files.isRegularFile(NODE.resolve("target/switchboard.jar")), "needs the packaged node");
        final Path results = NODE.resolve("target/bench/results.json");
        Files.deleteIfExists(results);
        final Process p = new ProcessBuilder(List.of(NODE.resolve("scripts/bench/run").toString(), "--smoke",
                "--port-base", "21000"))
                .redirectErrorStream(true).redirectOutput(NODE.resolve("target/bench-smoke.log").toFile()).start();
        final boolean done = p.waitFor(420, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        final String log = Files.readString(NODE.resolve("target/bench-smoke.log"), StandardCharsets.UTF_8);
        assertTrue(done, "the smoke run ends in time:\n" + log);
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("| relay 100 B, 1 flows: loss-free pkt/s |"), "prints the table:\n" + log);

        final JsonNode r = new ObjectMapper().readTree(results.toFile());
        final Set<String> relayed = new HashSet<>();
        for (final JsonNode row : r.get("relay")) {
            long received = 0;
            for (final JsonNode trial : row.get("trials")) {
                received += trial.get("received").asLong();
                assertTrue(trial.has("foreign_cpu") && trial.has("system_cpu"), trial.toString());
            }
            if (received > 0) {
                relayed.add(row.get("system").asText());
            }
        }
        assertEquals(Set.of("switchboard", "coturn", "c-forwarder"), relayed, "every system forwarded datagrams:\n" + log);
        final Set<String> answered = new HashSet<>();
        for (final JsonNode row : r.get("stun")) {
            if (row.get("trials").get(0).get("received").asLong() > 0) {
                answered.add(row.get("system").asText());
            }
        }
        assertEquals(Set.of("switchboard", "coturn"), answered, "both STUN services answered:\n" + log);
        final JsonNode alloc = r.get("switchboard_alloc");
        assertNotNull(alloc);
        assertTrue(alloc.get("relay_packets").asLong() > 0 && alloc.get("stun_answered").asLong() > 0, alloc.toString());
        assertTrue(alloc.get("bytes_per_packet").isNumber() && alloc.get("bytes_per_stun_request").isNumber(),
                alloc.toString());

        final Set<String> scaled = new HashSet<>();
        for (final JsonNode row : r.get("scaling")) {
            if (row.get("trials").get(0).get("received").asLong() > 0 && row.get("rss_mb").isNumber()) {
                scaled.add(row.get("system").asText() + "/" + row.get("flows").asInt());
            }
        }
        assertEquals(Set.of("switchboard/1", "switchboard/5", "coturn/1", "coturn/5", "c-forwarder/1", "c-forwarder/5"),
                scaled, "every relay carried 1 and 5 sessions at the fixed rate:\n" + log);

        assertTrue(log.contains("| signaling measure | Switchboard | Mosquitto |"), "prints the signaling table:\n" + log);
        final Set<String> exchanged = new HashSet<>();
        final Set<String> measured = new HashSet<>();
        for (final JsonNode row : r.get("signaling")) {
            final String system = row.get("system").asText();
            switch (row.get("measure").asText()) {
                case "exchange" -> {
                    if (row.get("exchanges").asLong() > 0) {
                        exchanged.add(system);
                    }
                    // The measured phase came after an unmeasured warm-up of the same load.
                    assertTrue(row.path("warmup_s").asDouble() > 0 && row.path("warmup_exchanges").asLong() > 0,
                            "a warm-up ran before the measured exchanges: " + row);
                    if ("switchboard".equals(system)) {
                        assertEquals(0, row.get("unrewritten_offers").asInt(), "the node rewrote every offer: " + row);
                    }
                }
                case "connect" -> {
                    if (row.get("connects_per_s").asDouble() > 0) {
                        measured.add(system + "/connect");
                    }
                }
                case "idle" -> {
                    if (row.get("rss_mb").asDouble() > 0) {
                        measured.add(system + "/idle");
                    }
                }
                case "first" -> {
                    // The node as it ships: the browsers' way in, over TLS.
                    assertEquals("wss", row.path("transport").asText(), "first offers over WSS: " + row);
                    if (row.path("p50_ms").asDouble() > 0 && row.path("count").asInt() > 0) {
                        measured.add(system + "/first");
                    }
                }
                default -> throw new AssertionError("unknown signaling measure: " + row);
            }
        }
        assertEquals(Set.of("switchboard-compat", "switchboard", "mosquitto-ws", "mosquitto-tcp"), exchanged,
                "every broker carried offer/answer exchanges:\n" + log);
        assertEquals(Set.of("switchboard/connect", "mosquitto-tcp/connect", "switchboard/idle", "mosquitto-tcp/idle",
                        "switchboard-defaults/first"),
                measured, "connects and idle memory were measured on both, first offers on the default node:\n" + log);
        assertTrue(log.contains("first offer (5,000 B) right after the login, WSS"), "prints the first-offer row:\n" + log);
    }
}
