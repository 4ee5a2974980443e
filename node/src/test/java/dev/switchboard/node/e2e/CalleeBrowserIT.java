package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.broker.spi.ForwardingSignalingInterceptor;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.node.Node;
import dev.switchboard.node.config.ConfigLoader;
import org.jetbrains.annotations.NotNull;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The personal callee service in real Chromium through a real node ({@code docs/protocol.md}
 * §5.3): "Receive calls" makes a pair, the callee tab waits, the caller page calls, the callee
 * rings (WebAudio running), answers, and the two chat through the relay; decline, no answer,
 * offline, busy, two tabs, an unknown caller URL. A tap with the node's own view records every
 * payload of a callee call: no display name, chat line, secret or key material in any of them,
 * nor in the node's log at TRACE.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CalleeBrowserIT {

    /** Every payload the node saw, as published and as rewritten. */
    static final List<String> seen = new CopyOnWriteArrayList<>();
    private static Path dataDir;
    private static Node node;
    private static Browsers browsers;
    private final List<BrowserContext> contexts = new ArrayList<>();

    static final class Tap extends ForwardingSignalingInterceptor {
        Tap(final SignalingInterceptor honest) {
            super(honest);
        }

        @Override
        public @NotNull CompletableFuture<Verdict> inspect(final @NotNull SignalingMessage message) {
            seen.add(message.mqttTopic() + " " + new String(message.payload(), StandardCharsets.UTF_8));
            return delegate().inspect(message).thenApply(v -> {
                if (v instanceof Verdict.Rewrite r) {
                    seen.add(message.mqttTopic() + " " + new String(r.payload(), StandardCharsets.UTF_8));
                }
                return v;
            });
        }
    }

    @BeforeAll
    static void start() throws Exception {
        dataDir = Files.createTempDirectory("switchboard-callee-browser-");
        node = Node.start(ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: 46000-46099, maxSessions: 20, idleTimeout: 30s }
                metrics: { port: -1 }
                callee: { ringTimeout: 20s }
                """.formatted(dataDir.toString().replace("\\", "/")), "CalleeBrowserIT"), new Node.Options(Tap::new));
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
    void clear() {
        seen.clear();
    }

    @org.junit.jupiter.api.AfterEach
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
        assertTrue(home.locator("#qr svg").count() == 1, "a QR code of the caller URL");
        final String caller = home.inputValue("#caller-url");
        final String callee = home.inputValue("#callee-url");
        assertTrue(caller.contains("/call.html#c=") && callee.contains("/callee.html#c=") && callee.contains("&s="), caller);
        assertFalse(caller.contains("&s="), "the caller URL holds no secret");
        return Map.of("caller", caller, "callee", callee);
    }

    private Page waitingCallee(final String url) {
        final Page callee = page("callee", url);
        assertThat(callee.locator("#status")).containsText("Waiting for calls", Pages.WAIT);
        assertTrue(callee.title().contains("Waiting for calls"), callee.title());
        Pages.assertNodeInfoPreloaded(callee);
        callee.click("#enable-sound");
        return callee;
    }

    private Page call(final String url, final String name) {
        final Page caller = page("caller", url);
        assertThat(caller.locator("#status")).containsText("Ready to call", Pages.WAIT);
        caller.fill("#name", name);
        caller.click("#call-button");
        return caller;
    }

    @Test
    void pair_callRingsAnswerChat_relayed_tapSeesNoNameLineOrSecret() {
        final LogTap log = new LogTap();
        final List<String> personal;
        try (log) {
            personal = callAndChat();
        }
        // Issue 15: nor does the node write any of it, or the pair's label, to its log at any level.
        final List<String> notLogged = new ArrayList<>(personal);
        notLogged.add("Desk of Ann");
        log.assertHoldsNoneOf(notLogged);
        System.out.printf("CalleeBrowserIT: %d lines of the node's log checked%n", log.lines().size());
    }

    /** @return what the node must not have seen or logged */
    private List<String> callAndChat() {
        final Map<String, String> urls = pair("Desk of Ann");
        final Page callee = waitingCallee(urls.get("callee"));
        final String callerName = "Cornelius Vandermeer";
        final Page caller = call(urls.get("caller"), callerName);
        assertThat(caller.locator("#label")).containsText("Desk of Ann");
        assertThat(caller.locator("#status")).containsText("Ringing", Pages.WAIT);
        assertThat(callee.locator("#caller-name")).containsText(callerName, Pages.WAIT);
        assertTrue(callee.locator("#caller-fingerprint").textContent().matches("[0-9a-f]{4}( [0-9a-f]{4}){3}"));
        assertEquals("true", callee.evaluate("document.body.dataset.ringing"));
        assertEquals("running", callee.evaluate("callee.audio && callee.audio.state"), "the WebAudio ring plays");
        assertTrue(callee.title().contains("Call from"), callee.title());
        callee.click("#answer");
        assertThat(caller.locator("#status")).containsText("relayed by the node", Pages.WAIT);
        assertThat(callee.locator("#status")).containsText("relayed by the node", Pages.WAIT);
        assertEquals("relay", caller.evaluate("document.body.dataset.route"));
        assertEquals("relay", callee.evaluate("document.body.dataset.route"));
        final String line = "meet me at the north gate";
        Pages.send(caller, line);
        assertThat(callee.locator("#log")).containsText(line, Pages.WAIT);

        // The tap: a callee call happened, and none of it was readable by the node.
        assertTrue(seen.stream().anyMatch(s -> s.contains("\"type\":\"call\"") && s.contains("\"box\"")), "a sealed call seen");
        assertTrue(seen.stream().anyMatch(s -> s.contains("\"type\":\"register\"")));
        final String fragment = urls.get("callee").substring(urls.get("callee").indexOf('#') + 1);
        final List<String> secrets = new ArrayList<>(List.of(callerName, "Cornelius", line));
        for (final String part : fragment.split("&")) {
            if (part.startsWith("s=") || part.startsWith("k=")) {
                secrets.add(part.substring(2)); // the callee secret and the callee's ECDH private key
            }
        }
        for (final String s : seen) {
            for (final String secret : secrets) {
                assertFalse(s.toLowerCase(Locale.ROOT).contains(secret.toLowerCase(Locale.ROOT)),
                        "the node saw '" + secret + "' in " + s);
            }
        }
        System.out.printf("CalleeBrowserIT: the tap checked %d payloads of a callee call%n", seen.size());
        return secrets;
    }

    @Test
    void outcomes_declinedNoAnswerOfflineBusyUnknown_eachSaidAtOnce() {
        final Map<String, String> urls = pair("");
        final Page offline = call(urls.get("caller"), "Early");
        assertThat(offline.locator("#status")).containsText("The callee is offline", Pages.WAIT);

        final Page callee = waitingCallee(urls.get("callee"));
        final Page declined = call(urls.get("caller"), "Dora");
        assertThat(callee.locator("#caller-name")).containsText("Dora", Pages.WAIT);
        final Page busy = call(urls.get("caller"), "Second");
        assertThat(busy.locator("#status")).containsText("busy", Pages.WAIT);
        callee.click("#decline");
        assertThat(declined.locator("#status")).containsText("declined", Pages.WAIT);

        final Page unanswered = call(urls.get("caller"), "Patient");
        assertThat(callee.locator("#caller-name")).containsText("Patient", Pages.WAIT);
        assertThat(unanswered.locator("#status")).containsText("No answer after 20 s", Pages.WAIT);
        assertThat(callee.locator("#status")).containsText("The caller hung up", Pages.WAIT);

        final String unknown = urls.get("caller").replaceFirst("#c=[A-Za-z0-9_-]{43}", "#c=" + "Q".repeat(43));
        final Page nowhere = page("nowhere", unknown);
        assertThat(nowhere.locator("#status")).containsText("does not exist or has expired", Pages.WAIT);
    }

    @Test
    void twoTabs_bothRing_firstAnswerWins_otherStops() {
        final Map<String, String> urls = pair("two tabs");
        final Page tab1 = waitingCallee(urls.get("callee"));
        final Page tab2 = waitingCallee(urls.get("callee"));
        final Page caller = call(urls.get("caller"), "Ringer");
        assertThat(tab1.locator("#caller-name")).containsText("Ringer", Pages.WAIT);
        assertThat(tab2.locator("#caller-name")).containsText("Ringer", Pages.WAIT);
        tab2.click("#answer");
        assertThat(tab1.locator("#status")).containsText("answered in another tab", Pages.WAIT);
        assertEquals("false", tab1.evaluate("document.body.dataset.ringing"));
        assertThat(caller.locator("#status")).containsText("relayed by the node", Pages.WAIT);
    }
}
