package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.node.Node;
import dev.switchboard.node.config.ConfigLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unmodified Trystero peers (the {@code @trystero-p2p/mqtt} package from npm, bundled with
 * esbuild at test time) in headless Chromium use a node's opt-in compatibility listener
 * ({@code broker.compat}, docs/protocol.md §12) as their MQTT relay and the node's STUN service as
 * their only ICE server: they find each other and exchange a data-channel message. The same
 * clients are refused on the node's normal WebSocket listener (the node counts failed logins and
 * no successful one; CompatListenerIT checks the refusal codes with plain MQTT 3.1.1/5 clients).
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class TrysteroCompatBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final String PATH = "/trystero";

    private static Path dataDir;
    private static Path site;
    private static Node node;
    private static Browsers browsers;
    private static HttpServer http;

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("switchboard-trystero-test-");
        site = Files.createTempDirectory("switchboard-trystero-site-");
        bundle(site.resolve("trystero.js"));
        Files.copy(Path.of("src", "test", "js", "trystero-page.html"), site.resolve("index.html"));
        node = Node.start(ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: true }
                broker: { webSocketPort: 0, tcpPort: 0, compat: { port: 0, path: %s } }
                stun: { port: 0 }
                relay: { portRange: 47000-47199, maxSessions: 20, idleTimeout: 30s }
                metrics: { port: -1 }
                """.formatted(dataDir.toString().replace("\\", "/"), PATH), "test"), Node.Options.defaults());
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            final String name = exchange.getRequestURI().getPath().equals("/") ? "index.html"
                    : exchange.getRequestURI().getPath().substring(1);
            final Path file = site.resolve(name).normalize();
            if (!file.startsWith(site) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            final byte[] body = Files.readAllBytes(file);
            exchange.getResponseHeaders().set("Content-Type",
                    name.endsWith(".js") ? "text/javascript" : "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        http.start();
        browsers = new Browsers();
    }

    /** Bundles the unmodified npm package for the browser, as an application using it would. */
    private static void bundle(final Path out) throws IOException, InterruptedException {
        final Path modules = Path.of("..", "webclient", "node_modules").toAbsolutePath().normalize();
        final Path esbuild = modules.resolve(".bin").resolve("esbuild");
        assertTrue(Files.isDirectory(modules.resolve("@trystero-p2p/mqtt")), "npm ci in webclient installs @trystero-p2p/mqtt");
        final ProcessBuilder pb = new ProcessBuilder(esbuild.toString(),
                Path.of("src", "test", "js", "trystero-entry.mjs").toAbsolutePath().toString(),
                "--bundle", "--format=esm", "--platform=browser", "--log-level=warning",
                "--outfile=" + out.toAbsolutePath()).redirectErrorStream(true);
        pb.environment().put("NODE_PATH", modules.toString());
        final Process p = pb.start();
        final String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "esbuild finished");
        assertEquals(0, p.exitValue(), output);
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (browsers != null) {
                browsers.close();
            }
            if (http != null) {
                http.stop(0);
            }
        } finally {
            if (node != null) {
                node.close();
            }
            for (final Path dir : new Path[] {dataDir, site}) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (final Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    private static Page open(final BrowserContext context, final String name) {
        final Page page = context.newPage();
        page.onConsoleMessage(m -> System.out.println("[" + name + " console " + m.type() + "] " + m.text()));
        page.navigate("http://127.0.0.1:" + http.getAddress().getPort() + "/");
        page.waitForFunction("() => window.trystero !== undefined");
        return page;
    }

    private static void join(final Page page, final String relayUrl, final String room) {
        page.evaluate("""
                ([url, stun, room]) => {
                  window.received = [];
                  window.peers = [];
                  const r = window.trystero.joinRoom({
                    appId: 'switchboard-compat-test',
                    relayConfig: { urls: [url] },
                    rtcConfig: { iceServers: [{ urls: stun }] },
                  }, room);
                  const note = r.makeAction('note', {
                    onMessage: (data, context) => window.received.push({ data, peerId: context.peerId }),
                  });
                  r.onPeerJoin = (peerId) => {
                    window.peers.push(peerId);
                    note.send('hello from ' + window.trystero.selfId, { target: peerId });
                  };
                }""", List.of(relayUrl, "stun:127.0.0.1:" + node.stun().localAddress().getPort(), room));
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void twoUnmodifiedTrysteroPeers_compatListenerAndNodeStun_exchangeADataChannelMessage() {
        try (BrowserContext ann = browsers.newContext(); BrowserContext bob = browsers.newContext()) {
            final Page a = open(ann, "trystero-a");
            final Page b = open(bob, "trystero-b");
            final String url = "wss://127.0.0.1:" + node.broker().compatPort() + PATH;
            final long stunBefore = node.stun().counters().answered();
            join(a, url, "room-42");
            join(b, url, "room-42");

            final String aId = (String) a.evaluate("window.trystero.selfId");
            final String bId = (String) b.evaluate("window.trystero.selfId");
            a.waitForFunction("() => window.received.length > 0", null, new Page.WaitForFunctionOptions().setTimeout(WAIT.toMillis()));
            b.waitForFunction("() => window.received.length > 0", null, new Page.WaitForFunctionOptions().setTimeout(WAIT.toMillis()));
            assertEquals(Map.of("data", "hello from " + bId, "peerId", bId), a.evaluate("window.received[0]"));
            assertEquals(Map.of("data", "hello from " + aId, "peerId", aId), b.evaluate("window.received[0]"));

            // Their only ICE server was the node's STUN service, and it answered them.
            for (final Page p : List.of(a, b)) {
                @SuppressWarnings("unchecked")
                final List<Map<String, Object>> configs = (List<Map<String, Object>>) p.evaluate("window.rtcConfigs");
                assertTrue(!configs.isEmpty());
                for (final Map<String, Object> config : configs) {
                    assertEquals(List.of(Map.of("urls", "stun:127.0.0.1:" + node.stun().localAddress().getPort())),
                            config.get("iceServers"), config.toString());
                }
            }
            assertTrue(node.stun().counters().answered() > stunBefore);
            // No relay, no identity: the node opened no relay session for them.
            assertEquals(0, node.relay().sessionCount());
        }
    }

    /**
     * Last: the refused client keeps retrying, and failed logins count towards blocking its address
     * (127.0.0.1, shared with the other test's pages).
     */
    @Test
    @org.junit.jupiter.api.Order(2)
    void sameTrysteroClient_onTheNormalListener_isRefused() {
        try (BrowserContext eve = browsers.newContext()) {
            final Page e = open(eve, "trystero-normal");
            final long failedBefore = node.broker().authentications().failed();
            final long succeededBefore = node.broker().authentications().succeeded();
            join(e, "wss://127.0.0.1:" + node.broker().webSocketPort() + "/mqtt", "room-43");
            // Refused at CONNECT (anonymous, no key login): the node counts it; nothing got in.
            await().atMost(WAIT).until(() -> node.broker().authentications().failed() > failedBefore);
            assertEquals(succeededBefore, node.broker().authentications().succeeded(), "no login succeeded");
            assertEquals(List.of(), e.evaluate("window.peers"));
        }
    }
}
