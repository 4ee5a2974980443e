package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.node.Node;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.relay.RelayTotals;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * P2P only by mutual consent ({@code docs/protocol.md} §5.2) in real Chromium through a real node,
 * on the callee service's pages: the caller ticks "Use a direct (P2P) link" and the callee chooses
 * direct → the selected candidate pair joins the two browsers' own loopback candidates and the
 * relay counted nothing; the callee chooses relayed → the pair is the node's relay candidate; the
 * caller does not ask → the callee is not asked and the call is relayed. Both pages say which it
 * is, and that a direct link shows each side's address. And the capabilities query (§5.2): each
 * page asks the other's what it supports and gets the other page's own list.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CalleeDirectBrowserIT {

    private static final int RELAY_FIRST = 47300;
    private static final int RELAY_LAST = 47399;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String ROUTE = "async (who) => { const s = window[who].call && window[who].call.session;"
            + " return s ? await s.route() : null; }";

    private static Path dataDir;
    private static Node node;
    private static Browsers browsers;
    private final List<BrowserContext> contexts = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("switchboard-callee-direct-");
        node = Node.start(ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: %d-%d, maxSessions: 20, idleTimeout: 30s }
                metrics: { port: -1 }
                """.formatted(dataDir.toString().replace("\\", "/"), RELAY_FIRST, RELAY_LAST), "CalleeDirectBrowserIT"),
                Node.Options.defaults());
        browsers = new Browsers();
    }

    @AfterAll
    static void stop() {
        try {
            if (browsers != null) {
                browsers.close();
            }
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    @BeforeEach
    void noSessionLeft() {
        await().atMost(WAIT).until(() -> node.relay().sessionCount() == 0);
    }

    @AfterEach
    void closeContexts() {
        contexts.forEach(BrowserContext::close);
    }

    private Page page(final String who, final String url) {
        final BrowserContext c = browsers.newContext();
        contexts.add(c);
        final Page p = c.newPage();
        p.onConsoleMessage(m -> {
            if ("error".equals(m.type()) || "warning".equals(m.type())) {
                System.out.println("[" + who + " console " + m.type() + "] " + m.text());
            }
        });
        p.navigate(url);
        return p;
    }

    /** "Receive calls" on the node's page: returns the caller and callee URLs. */
    private Map<String, String> pair(final String label) {
        final Page home = page("home", node.url());
        home.click("text=Receive calls");
        home.fill("#label", label);
        home.click("#create");
        assertThat(home.locator("#status")).containsText("Your pair is ready", Pages.WAIT);
        return Map.of("caller", home.inputValue("#caller-url"), "callee", home.inputValue("#callee-url"));
    }

    private Page waitingCallee(final String url) {
        final Page callee = page("callee", url);
        assertThat(callee.locator("#status")).containsText("Waiting for calls", Pages.WAIT);
        return callee;
    }

    private Page call(final String url, final String name, final boolean askDirect) {
        final Page caller = page("caller", url);
        assertThat(caller.locator("#status")).containsText("Ready to call", Pages.WAIT);
        assertFalse(caller.isChecked("#p2p"), "relayed unless the caller asks");
        assertTrue(caller.locator("label:has(#p2p)").textContent().contains("sees your address"),
                "the caller is told what a direct link shows");
        caller.fill("#name", name);
        if (askDirect) {
            caller.check("#p2p");
        }
        caller.click("#call-button");
        assertThat(caller.locator("#status")).containsText("Ringing", Pages.WAIT);
        return caller;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> route(final Page page, final String who) {
        final Object[] seen = new Object[1];
        await().atMost(WAIT).until(() -> (seen[0] = page.evaluate(ROUTE, who)) != null);
        return (Map<String, Object>) seen[0];
    }

    private static int port(final Map<String, Object> route, final String key) {
        return ((Number) route.get(key)).intValue();
    }

    private static void chat(final Page from, final Page to, final String line) {
        Pages.send(from, line);
        assertThat(to.locator("#log")).containsText(line, Pages.WAIT);
    }

    @Test
    void callerAsks_calleeChoosesDirect_selectedPairIsLoopbackHost_relayCountedNothing() {
        final RelayTotals before = node.relay().totals();
        final Map<String, String> urls = pair("direct desk");
        final Page callee = waitingCallee(urls.get("callee"));
        final Page caller = call(urls.get("caller"), "Ada", true);
        assertThat(callee.locator("#caller-name")).containsText("Ada", Pages.WAIT);
        assertTrue(callee.isVisible("#mode-choice"), "the callee is asked: relayed or direct");
        assertTrue(callee.locator("#mode-choice legend").textContent().contains("shows each side's address"));
        assertTrue(callee.isChecked("input[name=mode][value=relay]"), "relayed is the default choice");
        callee.check("input[name=mode][value=p2p]");
        callee.click("#answer");

        for (final Page p : List.of(caller, callee)) {
            assertThat(p.locator("#status")).containsText("direct (P2P): each of you sees the other's address", Pages.WAIT);
            assertEquals("direct", p.evaluate("document.body.dataset.route"));
        }
        chat(caller, callee, "straight across");
        chat(callee, caller, "and back");

        for (final String who : List.of("caller", "callee")) {
            final Map<String, Object> r = route(who.equals("caller") ? caller : callee, who);
            assertEquals("127.0.0.1", r.get("localAddress"), who + ": " + r);
            assertEquals("127.0.0.1", r.get("remoteAddress"), who + ": " + r);
            assertNotEquals("relay", r.get("remoteType"), who + ": " + r);
            // Not a relay port: the mirror check below (each remote is the other browser's own
            // local port) and the relay's unchanged counters show it. A range check on the port
            // cannot: no relay socket holds the range's ports while no session is open, so a
            // browser's ephemeral port may fall inside it (once in about 140 runs).
            final int remote = port(r, "remotePort");
            assertNotEquals(port(r, "localPort"), remote, who + ": " + r);
        }
        // the two browsers' selected pairs are mirror images: each one's remote is the other's local
        final Map<String, Object> a = route(caller, "caller");
        final Map<String, Object> b = route(callee, "callee");
        assertEquals(port(a, "localPort"), port(b, "remotePort"));
        assertEquals(port(b, "localPort"), port(a, "remotePort"));

        final RelayTotals after = node.relay().totals();
        assertEquals(0, node.relay().sessionCount(), "no relay session was opened");
        assertEquals(before.packets(), after.packets(), "the relay forwarded nothing");
        assertEquals(before.bytes(), after.bytes());
        System.out.printf("CalleeDirectBrowserIT: direct pair %s:%s <-> %s:%s (%s)%n", a.get("localAddress"),
                a.get("localPort"), a.get("remoteAddress"), a.get("remotePort"), a.get("remoteType"));
    }

    @Test
    void callerAsks_calleeChoosesRelayed_selectedPairIsTheNodesRelay() {
        final Map<String, String> urls = pair("relayed desk");
        final Page callee = waitingCallee(urls.get("callee"));
        final Page caller = call(urls.get("caller"), "Bea", true);
        assertThat(callee.locator("#caller-name")).containsText("Bea", Pages.WAIT);
        assertTrue(callee.isVisible("#mode-choice"), "the callee is asked");
        callee.check("input[name=mode][value=relay]");
        callee.click("#answer");
        assertRelayed(caller, callee);
    }

    @Test
    void callerDoesNotAsk_calleeIsNotAsked_callRelayed() {
        final Map<String, String> urls = pair("plain desk");
        final Page callee = waitingCallee(urls.get("callee"));
        final Page caller = call(urls.get("caller"), "Cleo", false);
        assertThat(callee.locator("#caller-name")).containsText("Cleo", Pages.WAIT);
        assertFalse(callee.isVisible("#mode-choice"), "no P2P question when the caller did not ask");
        assertThat(callee.locator("#caller-mode")).containsText("relayed by the node");
        callee.click("#answer");
        assertRelayed(caller, callee);
    }

    @Test
    void capabilitiesQuery_eachPageAnswersWithWhatTheOtherSupports() {
        final Map<String, String> urls = pair("caps desk");
        final Page callee = waitingCallee(urls.get("callee"));
        final Page caller = call(urls.get("caller"), "Dee", false);
        assertThat(callee.locator("#caller-name")).containsText("Dee", Pages.WAIT);
        callee.click("#answer");
        // each page asks the other with capabilities-query once the call is answered
        assertThat(caller.locator("#peer-caps")).containsText("The callee's page supports files", Pages.WAIT);
        assertThat(callee.locator("#peer-caps")).containsText("The caller's page supports files", Pages.WAIT);
        assertEquals(callee.evaluate("[...callee.caps]"), caller.evaluate("caller.peerCaps"),
                "the caller got what the callee's page supports");
        assertEquals(caller.evaluate("[...caller.caps]"), callee.evaluate("callee.peerCaps"),
                "the callee got what the caller's page supports");
        assertEquals(List.of("FILE"), caller.evaluate("caller.peerCaps"));
        assertEquals(List.of("FILE"), callee.evaluate("callee.peerCaps"));
    }

    private static void assertRelayed(final Page caller, final Page callee) {
        for (final Page p : List.of(caller, callee)) {
            assertThat(p.locator("#status")).containsText("relayed by the node: neither of you sees the other's address",
                    Pages.WAIT);
            assertEquals("relay", p.evaluate("document.body.dataset.route"));
        }
        chat(caller, callee, "through the node");
        for (final String who : List.of("caller", "callee")) {
            final Map<String, Object> r = route(who.equals("caller") ? caller : callee, who);
            assertEquals("relay", r.get("remoteType"), who + ": " + r);
            assertEquals("127.0.0.1", r.get("remoteAddress"), who + ": " + r);
            final int remote = port(r, "remotePort");
            assertTrue(remote >= RELAY_FIRST && remote <= RELAY_LAST, who + " should talk to a relay port: " + r);
        }
        assertTrue(node.relay().sessionCount() >= 1, "the call has a relay session");
        await().atMost(WAIT).until(() -> node.relay().totals().packets() > 0);
    }
}
