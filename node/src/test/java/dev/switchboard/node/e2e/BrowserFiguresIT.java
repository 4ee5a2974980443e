package dev.switchboard.node.e2e;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Request;
import com.microsoft.playwright.WebSocket;
import com.microsoft.playwright.options.Sizes;
import dev.switchboard.node.Node;
import dev.switchboard.node.tls.CertificateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
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
import java.util.Objects;
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
 * sizes too though nothing went over the network), and the time from navigation start to "Ready",
 * in a new tab (its initial about:blank, as Playwright's new page is) and, in a third fresh
 * context, navigated to from another site's page (as a person types the address or opens a
 * bookmark while another site is shown).
 * It checks that the page is ready without the room's modules (MQTT.js, the call view), which come
 * at Join, and that a reload asks for no versioned file again. The browsers trust the node's
 * certificate as one does a certificate its user installed (Chromium keeps nothing in its HTTP
 * cache from an origin whose certificate errors it merely ignores). The first run prints what the
 * second browser sent over the WebSocket packet by packet, and the reload request by request.
 *
 * <p>Where the time goes: the second browser's page carries a timeline (test resource
 * {@code bench/browser-trace.js}: WebCrypto calls, IndexedDB opens, each MQTT packet, the
 * RTCPeerConnection's states, long main-thread tasks, the status line) and its Resource and
 * Navigation Timing entries; each run is cut into phases (ms since navigation start for the load,
 * since the Join click for Join: derivation, WebSocket and key proof, subscribe, join, hello,
 * offer/answer, ICE, DTLS, channel open, shown), printed as p50/p99 per phase, and the second run's
 * whole timeline is printed. The room derivation of issue 15 (PBKDF2, 200,000 iterations) is
 * reported on its own row, with the Join span less the time Join waited for it alone. The name
 * and word are typed as a person types (a key every 40 ms), which is when the page fetches the
 * room's modules and opens its broker connection; the Join click follows the last key.
 *
 * <p>Prints a table and writes {@code target/bench/browser.json}. Runs: system property
 * {@code switchboard.bench.browserRuns} (default 3, as CI runs it: it checks that the figures can be
 * taken, never how fast; {@code node/scripts/bench/run --only browser} asks for 20). No timed
 * assertion.
 */
@Timeout(value = 900, unit = TimeUnit.SECONDS)
class BrowserFiguresIT {
    private static final int RUNS = Math.max(1, Math.min(100, Integer.getInteger("switchboard.bench.browserRuns", 3)));
    /** Between two keys typed into the join form, ms (a quick typist). */
    private static final double TYPING_DELAY_MS = 40;

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

    /**
     * The page's timeline (test resource {@code bench/browser-trace.js}): WebCrypto calls, IndexedDB
     * opens, MQTT packets over the WebSocket, RTCPeerConnection states and the status line's texts,
     * in page time, in {@code window.__benchTrace}. It only observes.
     */
    private static final String TRACE_SCRIPT = resource("bench/browser-trace.js");

    /** What the page's timeline and its Performance entries say after a run (see {@link #phases}). */
    private static final String TRACE_READ_SCRIPT = """
            () => ({
              trace: window.__benchTrace,
              nav: performance.getEntriesByType('navigation')[0].toJSON(),
              resources: performance.getEntriesByType('resource').map((e) => [e.name, e.startTime, e.responseEnd,
                e.connectStart, e.connectEnd, e.requestStart, e.responseStart]),
              paint: performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]),
            })
            """;

    @Test
    void browserFigures_joinToOpen_webSocketBytes_pageBytes_loadToReady() throws Exception {
        final List<Double> joinToOpen = new ArrayList<>();
        final List<Double> loadToReady = new ArrayList<>();
        final List<Double> loadFromSite = new ArrayList<>();
        final List<Long> wsSent = new ArrayList<>();
        final List<Long> wsReceived = new ArrayList<>();
        final List<Long> firstLoad = new ArrayList<>();
        final List<Long> toReady = new ArrayList<>();
        final List<Long> reload = new ArrayList<>();
        final List<Map<String, Double>> phases = new ArrayList<>();
        // A browser that trusts the node's certificate, as one does after its user installed it (or
        // with a certificate from a public authority): Chromium keeps nothing in its HTTP cache from
        // an origin whose certificate errors it only ignores, so the fixture's browser would fetch
        // the whole page on every load whatever the node's caching headers say.
        try (Browsers browsers = Browsers.trusting(List.of(spkiSha256(fixture.node())))) {
            for (int run = 0; run < RUNS; run++) {
                run(browsers, run, joinToOpen, loadToReady, loadFromSite, wsSent, wsReceived, firstLoad, toReady, reload,
                        phases);
            }
        }
        report(joinToOpen, loadToReady, loadFromSite, wsSent, wsReceived, firstLoad, toReady, reload, phases);
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
                            final List<Double> loadToReady, final List<Double> loadFromSite,
                            final List<Long> wsSent, final List<Long> wsReceived,
                            final List<Long> firstLoad, final List<Long> toReady, final List<Long> reload,
                            final List<Map<String, Double>> phases) {
        final String word = "bench browser figures " + run + " " + System.nanoTime();
        try (BrowserContext first = browsers.newContext();
             BrowserContext second = browsers.newContext()) {
            // The first browser carries the timeline too: its side of each round trip (the join it
            // receives, its hello, its offer or answer) is printed beside the second's.
            first.addInitScript(TRACE_SCRIPT);
            final Page a = Pages.join(first, fixture.node(), "Ann", word);
            assertThat(a.locator("#status")).containsText("Waiting for the other person", Pages.WAIT);

            final Page b = second.newPage();
            b.addInitScript(TIMING_SCRIPT);
            b.addInitScript(TRACE_SCRIPT);
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
            // The node's description was asked for beside the modules (the page's preload), not after
            // they had run, and the page's own fetch took that answer.
            Pages.assertNodeInfoPreloaded(b);
            @SuppressWarnings("unchecked") final List<Number> asked = (List<Number>) b.evaluate("() => {"
                    + " const r = performance.getEntriesByType('resource');"
                    + " return [r.find((e) => e.name.endsWith('/node-info.json')).startTime,"
                    + " r.find((e) => e.name.endsWith('/js/app.js')).responseEnd]; }");
            final double nodeInfoAsked = asked.get(0).doubleValue();
            final double appArrived = asked.get(1).doubleValue();
            assertTrue(nodeInfoAsked <= appArrived, "node-info.json asked for at " + nodeInfoAsked
                    + " ms, after app.js had arrived at " + appArrived + " ms");
            // Typed as a person types (a key every 40 ms), not filled in at once: touching the form
            // fetches the room's modules, which a person's typing gives time to arrive; filled in
            // at once, the Join click came a few ms after the form was touched, and the span
            // measured the module fetch and evaluation too (about 250 ms of it at load 11).
            b.locator("#name").pressSequentially("Bob", new Locator.PressSequentiallyOptions().setDelay(TYPING_DELAY_MS));
            b.locator("#word").pressSequentially(word, new Locator.PressSequentiallyOptions().setDelay(TYPING_DELAY_MS));
            b.evaluate("() => { window.__benchTimes.join = performance.now(); document.getElementById('join').click(); }");
            assertThat(b.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(b.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            @SuppressWarnings("unchecked") final Map<String, Object> t = (Map<String, Object>) b.evaluate("() => window.__benchTimes");
            final double join = ((Number) t.get("join")).doubleValue();
            final double connected = ((Number) t.get("connected")).doubleValue();
            joinToOpen.add(connected - join);
            final double ready = ((Number) t.get("ready")).doubleValue();
            loadToReady.add(ready);
            @SuppressWarnings("unchecked") final Map<String, Object> traced = (Map<String, Object>) b.evaluate(TRACE_READ_SCRIPT);
            phases.add(phases(traced, ready, join, connected));
            // The session's connection is made ahead, while the page waits for the node: its
            // certificate is asked for before the join goes out (so before any hello can come).
            final List<Traced> timeline = trace(traced);
            final Traced joinSent = first(timeline, "ws out PUBLISH join", join);
            final Traced certificate = first(timeline, "pc generateCertificate", join);
            assertTrue(joinSent != null && certificate != null && certificate.start() <= joinSent.start(),
                    "no connection made ahead of the join: " + certificate + " / " + joinSent);
            // The session's first description is begun before the view redraws for the new peer
            // (the offer as the session starts, not on negotiationneeded a task later; the answer
            // before the redraw the offer's arrival asks for).
            final Traced helloIn = first(timeline, "ws in PUBLISH hello", join);
            final Traced described = helloIn == null ? null : first(timeline, "pc setLocalDescription", helloIn.start());
            final Traced connecting = helloIn == null ? null : first(timeline, "status Connecting to", helloIn.start());
            assertTrue(described != null && connecting != null && described.start() <= connecting.start(),
                    "the view was redrawn before the description was begun: " + described + " / " + connecting);
            // Both pages take part in the first offer by the member (docs/protocol.md §5 step 3):
            // the first browser offers right behind its hello whichever id is smaller, so the
            // second never sends an offer (it answers), one trip through the node less in half
            // of the runs.
            assertTrue(timeline.stream().noneMatch(e -> e.start() >= join && e.what().startsWith("ws out") && e.what().contains("PUBLISH offer"))
                            && timeline.stream().anyMatch(e -> e.start() >= join && e.what().startsWith("ws in") && e.what().contains("PUBLISH offer")),
                    "the joining page made the first offer: " + timeline.stream().filter(e -> e.start() >= join
                            && (e.what().contains("PUBLISH") || e.what().startsWith("pc ") || e.what().startsWith("status ")))
                            .map(e -> String.format("%.1f %s", e.start() - join, e.what())).toList());
            // Connected is shown from the certificate check's own stats: no second getStats in
            // between (further tries of that check come after its retry timer, 100 ms), and the
            // next session's connection is made only after the peer is shown.
            final Traced opened = first(timeline, "dc open control", join);
            final List<Traced> stats = timeline.stream().filter(e -> opened != null && e.start() >= opened.start()
                    && e.start() <= connected && e.what().startsWith("pc getStats")).toList();
            for (int i = 1; i < stats.size(); i++) {
                assertTrue(stats.get(i).start() - stats.get(i - 1).end() >= 90,
                        "a second getStats before the peer was shown connected: " + stats);
            }
            final Traced nextCertificate = opened == null ? null : first(timeline, "pc generateCertificate", opened.start());
            assertTrue(opened != null && (nextCertificate == null || nextCertificate.start() >= connected),
                    "the next connection was made before the peer was shown connected: " + nextCertificate + " / " + connected);
            // The member answering the join lets its hello leave before it builds the session
            // and works out the safety code (the first digest after its hello's sealing).
            @SuppressWarnings("unchecked") final List<Traced> annTimeline =
                    trace((Map<String, Object>) a.evaluate("() => ({ trace: window.__benchTrace })"));
            final Traced joinIn = annTimeline.stream().filter(e -> e.what().startsWith("ws in PUBLISH join"))
                    .reduce((x, y) -> y).orElse(null);
            final Traced sealed = joinIn == null ? null : first(annTimeline, "crypto encrypt", joinIn.start());
            final Traced helloOut = joinIn == null ? null : annTimeline.stream()
                    .filter(e -> e.start() >= joinIn.start() && e.what().startsWith("ws out") && e.what().contains("PUBLISH hello"))
                    .findFirst().orElse(null);
            final Traced safetyDigest = sealed == null ? null : first(annTimeline, "crypto digest", sealed.start());
            assertTrue(helloOut != null && safetyDigest != null && helloOut.start() <= safetyDigest.start(),
                    "the hello waited behind the session's setup: " + helloOut + " / " + safetyDigest);
            // ... and, offering right behind it (§5 step 3), begins the offer in the hello's task:
            // the offer's setLocalDescription is called before that digest's answer comes back (a
            // WebCrypto result always arrives in a later task), so the offer never waits for it.
            final Traced offerDescribed = first(annTimeline, "pc setLocalDescription", helloOut.start());
            assertTrue(offerDescribed != null && offerDescribed.start() <= safetyDigest.end(),
                    "the member's offer waited for the safety code: " + offerDescribed + " / " + safetyDigest);
            // Every status line the page showed: a relayed session is never called direct, not
            // even for a moment before its route was read.
            final List<String> shown = trace(traced).stream().map(Traced::what).filter(w -> w.startsWith("status ")).toList();
            assertTrue(shown.stream().noneMatch(w -> w.contains("directly")), shown.toString());
            if (run == Math.min(1, RUNS - 1)) {
                printTimeline(traced, join);
                printOtherSide(a, b, traced, join, connected);
            }
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
            Pages.assertNodeInfoPreloaded(c);
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
        // The same first load in a fresh browser context, opened as a person opens it: the tab shows
        // another site's page and the node's address is navigated to from there (a cross-site
        // navigation the browser starts, as typing the address or opening a bookmark is). The row
        // above opens it in a new tab's initial about:blank, as Playwright's new page is, where the
        // page's Cross-Origin-Opener-Policy makes Chromium switch to a new renderer only once the
        // response is in ("Browser, fifth round: page load" in docs/performance.md).
        try (BrowserContext third = browsers.newContext()) {
            final Page d = third.newPage();
            d.navigate("data:text/html,<title>elsewhere</title><p>another site</p>");
            d.addInitScript(TIMING_SCRIPT);
            d.navigate(fixture.node().url());
            assertThat(d.locator("#status")).containsText("Ready", Pages.WAIT);
            loadFromSite.add(((Number) d.evaluate("() => window.__benchTimes.ready")).doubleValue());
        }
    }

    private static void report(final List<Double> joinToOpen, final List<Double> loadToReady,
                               final List<Double> loadFromSite, final List<Long> wsSent,
                               final List<Long> wsReceived, final List<Long> firstLoad, final List<Long> toReady,
                               final List<Long> reload, final List<Map<String, Double>> phases) throws Exception {
        final List<Double> derivation = phases.stream().map(p -> p.get(DERIVATION)).filter(Objects::nonNull).toList();
        final List<Double> withoutDerivation = new ArrayList<>();
        for (int i = 0; i < joinToOpen.size(); i++) {
            final Double waited = phases.get(i).get(DERIVATION_WAIT);
            withoutDerivation.add(joinToOpen.get(i) - (waited == null ? 0 : waited));
        }
        final Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("runs", RUNS);
        figures.put("join_to_open_ms", summary(joinToOpen));
        figures.put("derivation_ms", derivation.isEmpty() ? null : summary(derivation));
        figures.put("join_to_open_less_derivation_wait_ms", summary(withoutDerivation));
        figures.put("load_to_ready_ms", summary(loadToReady));
        figures.put("load_to_ready_from_another_site_ms", summary(loadFromSite));
        figures.put("websocket_bytes_sent", summary(wsSent));
        figures.put("websocket_bytes_received", summary(wsReceived));
        figures.put("first_load_to_ready_bytes", summary(toReady));
        figures.put("first_load_bytes", summary(firstLoad));
        figures.put("reload_bytes", summary(reload));
        final Map<String, Map<String, Double>> phaseFigures = new LinkedHashMap<>();
        for (final String phase : phaseNames(phases)) {
            phaseFigures.put(phase, summary(phases.stream().map(p -> p.get(phase)).filter(Objects::nonNull).toList()));
        }
        figures.put("phases_ms", phaseFigures);
        final Path out = Path.of("target", "bench");
        Files.createDirectories(out);
        JsonMapper.builder().build().writerWithDefaultPrettyPrinter().writeValue(out.resolve("browser.json").toFile(), figures);
        final String table = String.join("\n",
                "| browser measure (" + RUNS + " runs, headless Chromium, through the relay) | p50 | p99 | min | max |",
                "|---|---|---|---|---|",
                row("second Join to peer connected (data channel open, certificate checked), ms", joinToOpen),
                derivation.isEmpty() ? row("room derivation (not seen)", List.of(0)) : row("of which: the room derivation (PBKDF2, 200,000 iterations, issue 15), ms", derivation),
                row("second Join to peer connected, less the time Join waited only for the derivation, ms", withoutDerivation),
                row("page load to ready, ms", loadToReady),
                row("page load to ready, opened from another site's page, ms", loadFromSite),
                row("WebSocket payload bytes sent by the second browser (load to connected)", wsSent),
                row("WebSocket payload bytes received by it", wsReceived),
                row("first page load until ready, bytes on the wire (headers + encoded bodies)", toReady),
                row("first page load until connected (the room's modules fetched at Join), bytes on the wire", firstLoad),
                row("reload, bytes on the wire", reload));
        final StringBuilder phaseTable = new StringBuilder(
                "| phase (ms since navigation start for load, since the Join click for join) | p50 | p99 | min | max |\n|---|---|---|---|---|");
        for (final Map.Entry<String, Map<String, Double>> e : phaseFigures.entrySet()) {
            final Map<String, Double> v = e.getValue();
            phaseTable.append(String.format("%n| %s | %,.1f | %,.1f | %,.1f | %,.1f |", e.getKey(), v.get("p50"), v.get("p99"), v.get("min"), v.get("max")));
        }
        Files.writeString(out.resolve("browser.md"), table + "\n\n" + phaseTable + "\n", StandardCharsets.UTF_8);
        System.out.println(table);
        System.out.println(phaseTable);

        // It worked (not how fast): every run connected, talked over the WebSocket and loaded the page.
        assertTrue(joinToOpen.stream().allMatch(ms -> ms > 0), joinToOpen.toString());
        assertTrue(wsSent.stream().allMatch(n -> n > 0) && wsReceived.stream().allMatch(n -> n > 0), wsSent + " " + wsReceived);
        assertTrue(firstLoad.stream().allMatch(n -> n > 10_000), firstLoad.toString());
        assertTrue(reload.stream().allMatch(n -> n > 0), reload.toString());
    }

    /** Phase: how long the room derivation itself took (the PBKDF2 call), ms. */
    private static final String DERIVATION = "join: the derivation's PBKDF2 took";
    /** Phase: how long Join waited for the derivation alone, after the broker connection and the modules were there, ms. */
    private static final String DERIVATION_WAIT = "join: waited for the derivation alone (after CONNACK and the modules)";

    private static String resource(final String name) {
        try (InputStream in = BrowserFiguresIT.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("test resource " + name + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            throw new IllegalStateException("cannot read test resource " + name, e);
        }
    }

    /** One entry of the page's timeline: when it began, what, when it ended (NaN for an instant). */
    private record Traced(double start, String what, double end) {
    }

    @SuppressWarnings("unchecked")
    private static List<Traced> trace(final Map<String, Object> traced) {
        final List<Traced> out = new ArrayList<>();
        for (final Object o : (List<Object>) traced.get("trace")) {
            final List<Object> e = (List<Object>) o;
            out.add(new Traced(((Number) e.get(0)).doubleValue(), String.valueOf(e.get(1)),
                    e.size() > 2 && e.get(2) instanceof Number n ? n.doubleValue() : Double.NaN));
        }
        out.sort((x, y) -> Double.compare(x.start(), y.start()));
        return out;
    }

    /** The first entry whose text starts with {@code prefix} and that began at or after {@code from}. */
    private static Traced first(final List<Traced> trace, final String prefix, final double from) {
        return trace.stream().filter(e -> e.start() >= from && e.what().startsWith(prefix)).findFirst().orElse(null);
    }

    private static void put(final Map<String, Double> out, final String phase, final Traced e, final double origin, final boolean end) {
        if (e != null) {
            out.put(phase, (end && !Double.isNaN(e.end()) ? e.end() : e.start()) - origin);
        }
    }

    @SuppressWarnings("unchecked")
    private static double resourceEnd(final Map<String, Object> traced, final String suffix, final int field) {
        for (final Object o : (List<Object>) traced.get("resources")) {
            final List<Object> r = (List<Object>) o;
            if (String.valueOf(r.get(0)).endsWith(suffix)) {
                return ((Number) r.get(field)).doubleValue();
            }
        }
        return Double.NaN;
    }

    /**
     * Where one run's time went: for page load to ready, ms since navigation start (connection,
     * the HTML, the module graph, paint, the identity from IndexedDB/WebCrypto, node-info.json);
     * for Join to connected, ms since the Join click (derivation, broker connection and key proof,
     * subscribe, join, offer/answer through the node, ICE through the relay, DTLS, the channel).
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Double> phases(final Map<String, Object> traced, final double ready, final double join,
                                              final double connected) {
        final Map<String, Double> out = new LinkedHashMap<>();
        final Map<String, Object> nav = (Map<String, Object>) traced.get("nav");
        final List<Traced> trace = trace(traced);
        final double connectStart = ((Number) nav.get("connectStart")).doubleValue();
        out.put("load: TCP and TLS connection for the page", ((Number) nav.get("connectEnd")).doubleValue() - connectStart);
        out.put("load: page's HTML received", ((Number) nav.get("responseEnd")).doubleValue());
        out.put("load: app.js received", resourceEnd(traced, "/js/app.js", 2));
        double lastScript = Double.NaN;
        for (final Object o : (List<Object>) traced.get("resources")) {
            final List<Object> r = (List<Object>) o;
            final double end = ((Number) r.get(2)).doubleValue();
            if (String.valueOf(r.get(0)).endsWith(".js") && end <= ready && (Double.isNaN(lastScript) || end > lastScript)) {
                lastScript = end;
            }
        }
        out.put("load: last module before ready received", lastScript);
        for (final Object o : (List<Object>) traced.get("paint")) {
            final List<Object> p = (List<Object>) o;
            out.put("load: " + p.get(0), ((Number) p.get(1)).doubleValue());
        }
        put(out, "load: identity: IndexedDB open began", first(trace, "indexedDB open", 0), 0, false);
        put(out, "load: identity: IndexedDB open done", first(trace, "indexedDB open", 0), 0, true);
        put(out, "load: identity: key pair generated", first(trace, "crypto generateKey", 0), 0, true);
        put(out, "load: identity: peer id hashed (SHA-256)", first(trace, "crypto digest", 0), 0, true);
        out.put("load: node-info.json requested", resourceEnd(traced, "/node-info.json", 1));
        out.put("load: node-info.json received", resourceEnd(traced, "/node-info.json", 2));
        out.put("load: ready", ready);
        out.values().removeIf(v -> Double.isNaN(v));

        final Traced derivation = trace.stream().filter(e -> e.what().startsWith("crypto deriveBits PBKDF2")).findFirst().orElse(null);
        if (derivation != null) {
            out.put("join: the derivation began", derivation.start() - join);
            out.put("join: the derivation ended", derivation.end() - join);
            out.put(DERIVATION, derivation.end() - derivation.start());
        }
        put(out, "join: WebSocket created", first(trace, "ws new", join), join, false);
        put(out, "join: WebSocket open (TCP, TLS, upgrade)", first(trace, "ws open", join), join, false);
        put(out, "join: CONNECT sent", first(trace, "ws out CONNECT", join), join, false);
        put(out, "join: AUTH challenge received", first(trace, "ws in AUTH", join), join, false);
        put(out, "join: AUTH signature sent", first(trace, "ws out AUTH", join), join, false);
        final Traced connack = first(trace, "ws in CONNACK", join);
        put(out, "join: CONNACK received", connack, join, false);
        final double modules = resourceEnd(traced, "/mqtt.esm.js", 2);
        if (!Double.isNaN(modules)) {
            out.put("join: MQTT.js received (fetched when the form was touched)", modules - join);
        }
        if (derivation != null && connack != null) {
            final double others = Math.max(join, Math.max(connack.start(), Double.isNaN(modules) ? join : modules));
            out.put(DERIVATION_WAIT, Math.max(0, derivation.end() - others));
        }
        put(out, "join: SUBSCRIBE sent", first(trace, "ws out SUBSCRIBE", join), join, false);
        put(out, "join: SUBACK received", first(trace, "ws in SUBACK", join), join, false);
        put(out, "join: join published", first(trace, "ws out PUBLISH join", join), join, false);
        put(out, "join: hello received", first(trace, "ws in PUBLISH hello", join), join, false);
        put(out, "join: offer sent (this side offers)", first(trace, "ws out PUBLISH offer", join), join, false);
        put(out, "join: offer received (the other side offers)", first(trace, "ws in PUBLISH offer", join), join, false);
        put(out, "join: answer sent", first(trace, "ws out PUBLISH answer", join), join, false);
        put(out, "join: answer received", first(trace, "ws in PUBLISH answer", join), join, false);
        put(out, "join: remote description applied", first(trace, "pc setRemoteDescription", join), join, true);
        put(out, "join: ICE checking", first(trace, "pc ice checking", join), join, false);
        put(out, "join: ICE connected", first(trace, "pc ice connected", join), join, false);
        put(out, "join: DTLS connected (connectionState connected)", first(trace, "pc connection connected", join), join, false);
        final Traced open = first(trace, "dc open control", join);
        put(out, "join: control channel open", open, join, false);
        if (open != null) {
            put(out, "join: certificate stats read (getStats after the channel opened)", first(trace, "pc getStats", open.start()), join, true);
        }
        out.put("join: peer shown connected", connected - join);
        return out;
    }

    /** Every phase name seen in any run, in the order of the first run that had it. */
    private static List<String> phaseNames(final List<Map<String, Double>> phases) {
        final List<String> names = new ArrayList<>();
        for (final Map<String, Double> p : phases) {
            for (final String name : p.keySet()) {
                if (!names.contains(name)) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /** Prints the page's timeline of one run: page time, time since the Join click, duration, what. */
    @SuppressWarnings("unchecked")
    private static void printTimeline(final Map<String, Object> traced, final double join) {
        System.out.println("The second browser's timeline, second run (the first when there is one; ms since navigation start, ms since Join, duration):");
        final List<Traced> all = new ArrayList<>(trace(traced));
        @SuppressWarnings("unchecked") final Map<String, Object> nav = (Map<String, Object>) traced.get("nav");
        all.add(new Traced(((Number) nav.get("fetchStart")).doubleValue(), String.format(
                "navigation: connect %.1f-%.1f, request %.1f, response %.1f-%.1f, DOM interactive %.1f",
                ((Number) nav.get("connectStart")).doubleValue(), ((Number) nav.get("connectEnd")).doubleValue(),
                ((Number) nav.get("requestStart")).doubleValue(), ((Number) nav.get("responseStart")).doubleValue(),
                ((Number) nav.get("responseEnd")).doubleValue(), ((Number) nav.get("domInteractive")).doubleValue()),
                ((Number) nav.get("responseEnd")).doubleValue()));
        for (final Object o : (List<Object>) traced.get("resources")) {
            final List<Object> r = (List<Object>) o;
            final String name = String.valueOf(r.get(0));
            all.add(new Traced(((Number) r.get(1)).doubleValue(), String.format("fetch %s (connect %.1f-%.1f, request %.1f, response %.1f)",
                    name.substring(name.lastIndexOf('/', name.length() - 2) + 1), ((Number) r.get(3)).doubleValue(),
                    ((Number) r.get(4)).doubleValue(), ((Number) r.get(5)).doubleValue(), ((Number) r.get(6)).doubleValue()),
                    ((Number) r.get(2)).doubleValue()));
        }
        all.sort((x, y) -> Double.compare(x.start(), y.start()));
        for (final Traced e : all) {
            System.out.printf("  %8.1f %8.1f %7s  %s%n", e.start(), e.start() - join,
                    Double.isNaN(e.end()) ? "" : String.format("%.1f", e.end() - e.start()), e.what());
        }
    }

    /**
     * Prints the first browser's timeline from the second browser's Join click to its peer shown
     * connected, in the second browser's page time (both pages' clocks are the same browser's:
     * {@code performance.timeOrigin} aligns them), so that each round trip shows both ends.
     */
    @SuppressWarnings("unchecked")
    private static void printOtherSide(final Page first, final Page second, final Map<String, Object> traced,
                                       final double join, final double connected) {
        final double firstOrigin = ((Number) first.evaluate("() => performance.timeOrigin")).doubleValue();
        final double secondOrigin = ((Number) second.evaluate("() => performance.timeOrigin")).doubleValue();
        final Map<String, Object> other = (Map<String, Object>) first.evaluate("() => ({ trace: window.__benchTrace })");
        final double shift = firstOrigin - secondOrigin;
        System.out.printf("The first browser's timeline meanwhile (in the second browser's page time, whose origin is"
                + " %.3f ms since the epoch; ms since its Join, duration):%n", secondOrigin);
        for (final Traced e : trace(other)) {
            final double at = e.start() + shift;
            if (at >= join - 1 && at <= connected + 20) {
                System.out.printf("  %8.1f %8.1f %7s  A: %s%n", at, at - join,
                        Double.isNaN(e.end()) ? "" : String.format("%.1f", e.end() - e.start()), e.what());
            }
        }
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
