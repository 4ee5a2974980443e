package dev.switchboard.node.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.node.Node;
import dev.switchboard.node.relay.RelayCounters;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.tls.CertificateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A WebRTC stack that is not a browser talks to the real web client through the real node,
 * relayed: {@code src/test/js/nonbrowser-peer.mjs} (libwebrtc packaged for Node by
 * {@code @roamhq/wrtc}, MQTT.js over the broker's TCP port, the protocol written from
 * docs/protocol.md alone) joins a room with a person on the node's page in Chromium. It names its
 * DTLS certificate with three fingerprint lines (SHA-512 first in upper case, sha-256, sha-384),
 * all signed; the page accepts them, checks the certificate DTLS presented against the sha-256
 * line, and the two chat both ways through the relay.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class NonBrowserPeerIT {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true);

    @Test
    void nonBrowserStack_severalFingerprints_chatsWithThePageThroughTheRelay() throws Exception {
        final String word = "not only browsers 12";
        try (BrowserContext ann = fixture.browsers().newContext();
             PeerProcess robot = PeerProcess.start(fixture.node(), word, "Robot", "hello from libwebrtc in Node")) {
            final Page a = Pages.join(ann, fixture.node(), "Ann", word);

            final JsonNode sent = robot.awaitEvent("sent", e -> true);
            final List<String> lines = JsonMapper.builder().build().convertValue(sent.get("fingerprints"),
                    JsonMapper.builder().build().getTypeFactory().constructCollectionType(List.class, String.class));
            assertEquals(3, lines.size(), lines.toString());
            assertTrue(lines.get(0).startsWith("a=fingerprint:SHA-512 "), lines.toString());
            assertTrue(lines.get(1).startsWith("a=fingerprint:sha-256 "), lines.toString());
            assertTrue(lines.get(2).startsWith("a=fingerprint:sha-384 "), lines.toString());

            // The page accepted the three fingerprints and the certificate DTLS presented.
            explained(a, robot, () -> assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT));
            assertThat(a.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            assertThat(a.locator("#log")).containsText("Robot: hello from libwebrtc in Node", Pages.WAIT);

            // The non-browser side checked the browser's certificate too, and talks to the relay.
            final JsonNode verified = robot.awaitEvent("verified", e -> true);
            final String robotId = robot.awaitEvent("identity", e -> true).get("id").asText();
            final String annId = (String) a.evaluate("switchboard.id()");
            final List<RelaySession> sessions = fixture.node().relay().sessionsOf(robotId);
            assertEquals(1, sessions.size());
            final RelaySession session = sessions.get(0);
            assertEquals(session.advertisedAddress(annId).getAddress().getHostAddress(), verified.get("remoteAddress").asText());
            assertEquals(session.advertisedAddress(annId).getPort(), verified.get("remotePort").asInt());

            Pages.send(a, "hi Robot, Ann here");
            robot.awaitEvent("chat", e -> "hi Robot, Ann here".equals(e.get("text").asText()));

            final RelayCounters c = session.counters();
            assertTrue(c.packetsAtoB() > 0 && c.packetsBtoA() > 0, c.toString());
            assertTrue(robot.events(e -> "refused".equals(e.get("event").asText())
                    || "peer-error".equals(e.get("event").asText())
                    || "node-error".equals(e.get("event").asText())).isEmpty(), robot.transcript());
        }
    }

    /**
     * §5 step 3: the member with the smaller id starts; when it does not (a client that only
     * answers), the page, whose id is larger, offers itself after its wait.
     */
    @Test
    void smallerIdNeverOffers_pageOffersAfterItsWait() throws Exception {
        // The robot needs a key whose id sorts below Ann's, and tries a bounded number of keys. An
        // id that starts with one of the 8 smallest of base64url's 64 characters ('-', '0' to '6')
        // leaves it too little room (the test failed about once in 65 runs), so Ann gets a fresh
        // key (a new context, in a room of its own) until hers starts higher: 7 in 8 do each time.
        BrowserContext chosen = null;
        Page chosenPage = null;
        String chosenId = null;
        String chosenRoom = null;
        for (int attempt = 0; chosen == null; attempt++) {
            assertTrue(attempt < 8, "eight ids in a row among the smallest");
            final BrowserContext context = fixture.browsers().newContext();
            final String room = "who offers first 12, try " + attempt;
            final Page page = Pages.join(context, fixture.node(), "Ann", room);
            final String id = (String) page.evaluate("switchboard.id()");
            if (id.charAt(0) >= '7') {
                chosen = context;
                chosenPage = page;
                chosenId = id;
                chosenRoom = room;
            } else {
                context.close();
            }
        }
        final Page a = chosenPage;
        final String annId = chosenId;
        final String word = chosenRoom;
        final BrowserContext ann = chosen;
        try (PeerProcess robot = PeerProcess.start(fixture.node(), word, "Quiet robot", "answered, not offered",
                Map.of("SB_ANSWER_ONLY", "1", "SB_ID_BELOW", annId))) {
            assertTrue(robot.awaitEvent("identity", e -> true).get("id").asText().compareTo(annId) < 0);
            robot.awaitEvent("met", e -> annId.equals(e.get("peer").asText()));
            final JsonNode sent = robot.awaitEvent("sent", e -> true);
            assertEquals("answer", sent.get("type").asText(), "the page offered, the robot answered");
            explained(a, robot, () -> assertThat(a.locator("#log")).containsText("Quiet robot: answered, not offered", Pages.WAIT));
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
        } finally {
            ann.close();
        }
    }

    /** Runs {@code check}; when it fails, the failure carries what the page and the peer process showed. */
    private static void explained(final Page page, final PeerProcess robot, final Runnable check) {
        try {
            check.run();
        } catch (final AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\npage log: " + page.locator("#log").innerText()
                    + "\npage peers: " + page.locator("#peers").innerText() + "\n" + robot.transcript(), e);
        }
    }

    /** The Node process and what it printed, one JSON event per line. */
    private static final class PeerProcess implements AutoCloseable {
        private final Process process;
        private final List<JsonNode> events = new CopyOnWriteArrayList<>();
        private final List<String> stderr = new CopyOnWriteArrayList<>();

        private PeerProcess(final Process process) {
            this.process = process;
            final JsonMapper json = JsonMapper.builder().build();
            reader("peer-stdout", new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
                    line -> {
                        try {
                            events.add(json.readTree(line));
                        } catch (final IOException e) {
                            stderr.add("not JSON: " + line);
                        }
                    });
            reader("peer-stderr", new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
                    stderr::add);
        }

        static PeerProcess start(final Node node, final String word, final String name, final String say) throws IOException {
            return start(node, word, name, say, Map.of());
        }

        static PeerProcess start(final Node node, final String word, final String name, final String say,
                                 final Map<String, String> extra) throws IOException {
            final Path script = Path.of("src", "test", "js", "nonbrowser-peer.mjs").toAbsolutePath();
            final Path modules = Path.of("..", "webclient", "node_modules").toAbsolutePath().normalize();
            final Path ca = node.config().dataDir().resolve(CertificateStore.DIRECTORY).resolve(CertificateStore.CERT_FILE);
            assertTrue(Files.isDirectory(modules.resolve("@roamhq/wrtc")), "npm ci in webclient installs @roamhq/wrtc");
            final ProcessBuilder pb = new ProcessBuilder("node", script.toString());
            pb.environment().put("SB_NODE_MODULES", modules.toString());
            pb.environment().put("SB_URL", node.url());
            pb.environment().put("SB_CA", ca.toString());
            pb.environment().put("SB_WORD", word);
            pb.environment().put("SB_NAME", name);
            pb.environment().put("SB_SAY", say);
            pb.environment().putAll(extra);
            return new PeerProcess(pb.start());
        }

        private static void reader(final String name, final BufferedReader in, final java.util.function.Consumer<String> sink) {
            final Thread t = new Thread(() -> {
                try (in) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        sink.accept(line);
                    }
                } catch (final IOException e) {
                    sink.accept("read failed: " + e);
                }
            }, name);
            t.setDaemon(true);
            t.start();
        }

        List<JsonNode> events(final Predicate<JsonNode> which) {
            return events.stream().filter(which).toList();
        }

        JsonNode awaitEvent(final String event, final Predicate<JsonNode> which) {
            final Predicate<JsonNode> match = e -> event.equals(e.path("event").asText()) && which.test(e);
            try {
                await().atMost(WAIT).pollInterval(Duration.ofMillis(100))
                        .failFast("the peer process failed or exited", () -> !events(match).isEmpty() ? false
                                : !process.isAlive() || !events(e -> "failed".equals(e.path("event").asText())).isEmpty())
                        .until(() -> !events(match).isEmpty());
            } catch (final RuntimeException e) {
                throw new AssertionError("no '" + event + "' event\n" + transcript(), e);
            }
            final Optional<JsonNode> first = events(match).stream().findFirst();
            return first.orElseThrow();
        }

        String transcript() {
            return "peer events " + events + "\npeer stderr " + stderr;
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
