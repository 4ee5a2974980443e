package dev.switchboard.node.e2e;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Request;
import com.microsoft.playwright.WebSocket;
import com.microsoft.playwright.options.Sizes;
import dev.switchboard.node.Node;
import dev.switchboard.node.tls.CertificateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The browser figures of the benchmark suite (issue 13 §1.4), in real headless Chromium through a
 * real node: for each run, two fresh browser contexts open the page; the first joins a room, the
 * second joins it too, and the time from the second Join click to the peer shown connected (the
 * control channel open and the DTLS certificate checked) is taken in the page, through the relay.
 * Each run also counts the WebSocket payload bytes the second browser sent and received for that
 * one connection (page load to connected, a data-only session), the bytes of the page's first load
 * (to "Ready", and to connected) and of a reload on the wire (headers and encoded bodies,
 * Playwright's request sizes, less the answers the browser took from its cache, which Playwright
 * sizes too though nothing went over the network), and the time from navigation start to "Ready".
 * It checks that the page is ready without the room's modules (MQTT.js, the call view), which come
 * at Join, and that a reload asks for no versioned file again. The browsers trust the node's
 * certificate as one does a certificate its user installed (Chromium keeps nothing in its HTTP
 * cache from an origin whose certificate errors it merely ignores). The first run prints what the
 * second browser sent over the WebSocket packet by packet, and the reload request by request.
 *
 * <p>Prints a table and writes {@code target/bench/browser.json}. Runs: system property
 * {@code switchboard.bench.browserRuns} (default 3, as CI runs it: it checks that the figures can be
 * taken, never how fast; {@code node/scripts/bench/run --only browser} asks for 20). No timed
 * assertion.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class BrowserFiguresIT {
    private static final int RUNS = Math.max(1, Math.min(100, Integer.getInteger("switchboard.bench.browserRuns", 3)));

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true, "/", "48000-48099", "30s");

    /** Records, in page time (ms since navigation start), when the page became ready and when a peer connected. */
    private static final String TIMING_SCRIPT = """
            (() => {
              const t = window.__benchTimes = {};
              const check = () => {
                const status = document.getElementById('status');
                if (t.ready === undefined && status && status.textContent.includes('Ready')) t.ready = performance.now();
                if (t.join !== undefined && t.connected === undefined
                    && document.querySelector('#peers li[data-state=connected]')) t.connected = performance.now();
              };
              new MutationObserver(check).observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
            })();
            """;

    @Test
    void browserFigures_joinToOpen_webSocketBytes_pageBytes_loadToReady() throws Exception {
        final List<Double> joinToOpen = new ArrayList<>();
        final List<Double> loadToReady = new ArrayList<>();
        final List<Long> wsSent = new ArrayList<>();
        final List<Long> wsReceived = new ArrayList<>();
        final List<Long> firstLoad = new ArrayList<>();
        final List<Long> toReady = new ArrayList<>();
        final List<Long> reload = new ArrayList<>();
        // A browser that trusts the node's certificate, as one does after its user installed it (or
        // with a certificate from a public authority): Chromium keeps nothing in its HTTP cache from
        // an origin whose certificate errors it only ignores, so the fixture's browser would fetch
        // the whole page on every load whatever the node's caching headers say.
        try (Browsers browsers = Browsers.trusting(List.of(spkiSha256(fixture.node())))) {
            for (int run = 0; run < RUNS; run++) {
                run(browsers, run, joinToOpen, loadToReady, wsSent, wsReceived, firstLoad, toReady, reload);
            }
        }
        report(joinToOpen, loadToReady, wsSent, wsReceived, firstLoad, toReady, reload);
    }

    /** base64 of the SHA-256 of the node's certificate's SubjectPublicKeyInfo (Chromium's SPKI list form). */
    private static String spkiSha256(final Node node) throws Exception {
        final Path pem = node.config().dataDir().resolve(CertificateStore.DIRECTORY).resolve(CertificateStore.CERT_FILE);
        final X509Certificate certificate;
        try (var in = Files.newInputStream(pem)) {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        return Base64.getEncoder().encodeToString(
                MessageDigest.getInstance("SHA-256").digest(certificate.getPublicKey().getEncoded()));
    }

    private static void run(final Browsers browsers, final int run, final List<Double> joinToOpen,
                            final List<Double> loadToReady, final List<Long> wsSent, final List<Long> wsReceived,
                            final List<Long> firstLoad, final List<Long> toReady, final List<Long> reload) {
        final String word = "bench browser figures " + run + " " + System.nanoTime();
        try (BrowserContext first = browsers.newContext();
             BrowserContext second = browsers.newContext()) {
            final Page a = Pages.join(first, fixture.node(), "Ann", word);
            assertThat(a.locator("#status")).containsText("Waiting for the other person", Pages.WAIT);

            final Page b = second.newPage();
            b.addInitScript(TIMING_SCRIPT);
            final List<Request> loaded = new ArrayList<>();
            b.onRequestFinished(loaded::add);
            final AtomicLong sent = new AtomicLong();
            final AtomicLong received = new AtomicLong();
            final List<byte[]> sentFrames = Collections.synchronizedList(new ArrayList<>());
            b.onWebSocket(ws -> count(ws, sent, received, sentFrames));
            b.navigate(fixture.node().url());
            assertThat(b.locator("#status")).containsText("Ready", Pages.WAIT);
            // Ready on the page's core: the room's modules (MQTT.js and the call view) come
            // when the join form is first touched.
            final List<Request> core = List.copyOf(loaded);
            assertTrue(core.stream().noneMatch(r -> r.url().endsWith("/mqtt.esm.js") || r.url().endsWith("/call-view.js")),
                    "fetched before the form was touched: " + core.stream().map(Request::url).toList());
            toReady.add(onTheWire(core, fromCache(b)));
            b.fill("#name", "Bob");
            b.fill("#word", word);
            b.evaluate("() => { window.__benchTimes.join = performance.now(); document.getElementById('join').click(); }");
            assertThat(b.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(b.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            @SuppressWarnings("unchecked") final Map<String, Object> t = (Map<String, Object>) b.evaluate("() => window.__benchTimes");
            final double join = ((Number) t.get("join")).doubleValue();
            final double connected = ((Number) t.get("connected")).doubleValue();
            joinToOpen.add(connected - join);
            loadToReady.add(((Number) t.get("ready")).doubleValue());
            // Page bytes and WebSocket bytes from load until connected.
            firstLoad.add(onTheWire(List.copyOf(loaded), fromCache(b)));
            wsSent.add(sent.get());
            wsReceived.add(received.get());
            if (run == 0) {
                System.out.println("WebSocket frames the second browser sent, load to connected (payload bytes, MQTT packet):");
                synchronized (sentFrames) {
                    sentFrames.forEach(f -> System.out.printf("  %5d  %s%n", f.length, MqttPackets.describe(f)));
                }
            }

            final Page c = second.newPage();
            c.navigate(fixture.node().url());
            assertThat(c.locator("#status")).containsText("Ready", Pages.WAIT);
            final List<Request> reloaded = new ArrayList<>();
            c.onRequestFinished(reloaded::add);
            c.reload();
            assertThat(c.locator("#status")).containsText("Ready", Pages.WAIT);
            final Set<String> cached = fromCache(c);
            reload.add(onTheWire(List.copyOf(reloaded), cached));
            assertTrue(reloaded.stream().noneMatch(r -> r.url().contains("/_v/") && !cached.contains(r.url())),
                    "a versioned file was asked for again: " + reloaded.stream().map(Request::url).toList());
            if (run == 0) {
                System.out.println("reload, request by request (bytes on the wire, 0 = from the browser's cache;"
                        + " then what Playwright's sizes say, which counts headers of cached answers too):");
                for (final Request r : List.copyOf(reloaded)) {
                    System.out.printf("  %5d %5d  %s %s%n", onTheWire(List.of(r), cached), onTheWire(List.of(r), Set.of()),
                            r.response() == null ? "-" : r.response().status(), r.url());
                }
            }
        }
    }

    private static void report(final List<Double> joinToOpen, final List<Double> loadToReady, final List<Long> wsSent,
                               final List<Long> wsReceived, final List<Long> firstLoad, final List<Long> toReady,
                               final List<Long> reload) throws Exception {
        final Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("runs", RUNS);
        figures.put("join_to_open_ms", summary(joinToOpen));
        figures.put("load_to_ready_ms", summary(loadToReady));
        figures.put("websocket_bytes_sent", summary(wsSent));
        figures.put("websocket_bytes_received", summary(wsReceived));
        figures.put("first_load_to_ready_bytes", summary(toReady));
        figures.put("first_load_bytes", summary(firstLoad));
        figures.put("reload_bytes", summary(reload));
        final Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValue(out.resolve("browser.json").toFile(), figures);
        final String table = String.join("\n",
                "| browser measure (" + RUNS + " runs, headless Chromium, through the relay) | p50 | p99 | min | max |",
                "|---|---|---|---|---|",
                row("second Join to peer connected (data channel open, certificate checked), ms", joinToOpen),
                row("page load to ready, ms", loadToReady),
                row("WebSocket payload bytes sent by the second browser (load to connected)", wsSent),
                row("WebSocket payload bytes received by it", wsReceived),
                row("first page load until ready, bytes on the wire (headers + encoded bodies)", toReady),
                row("first page load until connected (the room's modules fetched at Join), bytes on the wire", firstLoad),
                row("reload, bytes on the wire", reload));
        Files.writeString(out.resolve("browser.md"), table + "\n", StandardCharsets.UTF_8);
        System.out.println(table);

        // It worked (not how fast): every run connected, talked over the WebSocket and loaded the page.
        assertTrue(joinToOpen.stream().allMatch(ms -> ms > 0), joinToOpen.toString());
        assertTrue(wsSent.stream().allMatch(n -> n > 0) && wsReceived.stream().allMatch(n -> n > 0), wsSent + " " + wsReceived);
        assertTrue(firstLoad.stream().allMatch(n -> n > 10_000), firstLoad.toString());
        assertTrue(reload.stream().allMatch(n -> n > 0), reload.toString());
    }

    /**
     * The URLs the page's current document got from the browser's cache without asking the server
     * (Resource Timing: {@code transferSize} 0 with a body), navigation included. Playwright reports
     * sizes for those too (the request's and the stored response's headers), though nothing went
     * over the network; a revalidation answered 304 did go over it and is not in this set.
     */
    private static Set<String> fromCache(final Page page) {
        @SuppressWarnings("unchecked") final List<String> urls = (List<String>) page.evaluate(FROM_CACHE_SCRIPT);
        return Set.copyOf(urls);
    }

    private static final String FROM_CACHE_SCRIPT = "() => performance.getEntries()"
            + ".filter((e) => (e.entryType === 'navigation' || e.entryType === 'resource')"
            + " && e.transferSize === 0 && e.decodedBodySize > 0).map((e) => e.name)";

    /** Headers and encoded bodies of finished requests, both ways, except answers from the browser's cache. */
    private static long onTheWire(final List<Request> requests, final Set<String> fromCache) {
        long bytes = 0;
        for (final Request request : requests) {
            if (fromCache.contains(request.url())) {
                continue;
            }
            final Sizes sizes = request.sizes();
            bytes += Math.max(0, sizes.requestHeadersSize) + Math.max(0, sizes.requestBodySize)
                    + Math.max(0, sizes.responseHeadersSize) + Math.max(0, sizes.responseBodySize);
        }
        return bytes;
    }

    private static void count(final WebSocket ws, final AtomicLong sent, final AtomicLong received,
                              final List<byte[]> sentFrames) {
        ws.onFrameSent(frame -> {
            sent.addAndGet(frameBytes(frame));
            if (frame.binary() != null) {
                sentFrames.add(frame.binary());
            }
        });
        ws.onFrameReceived(frame -> received.addAndGet(frameBytes(frame)));
    }

    private static long frameBytes(final com.microsoft.playwright.WebSocketFrame frame) {
        final byte[] binary = frame.binary();
        return binary != null ? binary.length : frame.text().getBytes(StandardCharsets.UTF_8).length;
    }

    private static <T extends Number> Map<String, Double> summary(final List<T> values) {
        final List<Double> sorted = new ArrayList<>(values.stream().map(Number::doubleValue).toList());
        Collections.sort(sorted);
        final Map<String, Double> m = new LinkedHashMap<>();
        m.put("p50", sorted.get(Math.min(sorted.size() - 1, sorted.size() / 2)));
        m.put("p99", sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(0.99 * sorted.size()))));
        m.put("min", sorted.get(0));
        m.put("max", sorted.get(sorted.size() - 1));
        return m;
    }

    private static <T extends Number> String row(final String label, final List<T> values) {
        final Map<String, Double> s = summary(values);
        return String.format("| %s | %,.1f | %,.1f | %,.1f | %,.1f |", label, s.get("p50"), s.get("p99"), s.get("min"), s.get("max"));
    }
}
