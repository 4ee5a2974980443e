package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.node.federation.NodeProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A callee call across two sites ({@code docs/protocol.md} §5.3, "Across nodes"): two nodes in
 * separate processes, federated; the callee's pair is made and waits on node 2, the caller opens
 * the caller URL's fragment on node 1. The call rings across the link, is answered, and the two
 * chat through both relays: each page's selected remote candidate is its own node's relay, and
 * both relays count packets. Then node 2 is killed with {@code kill -9} and started again (same
 * key, data and federation port): the link heals, and a new call from a new caller page rings the
 * same pair's new tab across it and chats through both relays again.
 */
@Timeout(value = 400, unit = TimeUnit.SECONDS)
class FederatedCalleeBrowserIT {

    private static final Duration LINK = Duration.ofSeconds(90);

    @TempDir
    Path dir;
    private NodeProcess n1;
    private NodeProcess n2;
    private final List<BrowserContext> contexts = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        contexts.forEach(BrowserContext::close);
        if (n1 != null) {
            n1.close();
        }
        if (n2 != null) {
            n2.close();
        }
    }

    private Page page(final Browsers browsers, final String who, final String url) {
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

    /** "Receive calls" on {@code node}'s page: returns the caller and callee URLs. */
    private Map<String, String> pair(final Browsers browsers, final NodeProcess node, final String label) {
        final Page home = page(browsers, "home", node.url());
        home.click("text=Receive calls");
        home.fill("#label", label);
        home.click("#create");
        assertThat(home.locator("#status")).containsText("Your pair is ready", Pages.WAIT);
        return Map.of("caller", home.inputValue("#caller-url"), "callee", home.inputValue("#callee-url"));
    }

    /** @return {@code url}'s page and fragment opened on {@code node} instead of its own. */
    static String on(final NodeProcess node, final String url) {
        return node.url() + url.substring(url.lastIndexOf('/') + 1);
    }

    @Test
    void calleeOnNode2_callerOnNode1_ringsAnswersChats_throughBothRelays_againAfterKillNine() throws Exception {
        n1 = new NodeProcess(dir, "site1", "47500-47519");
        n2 = new NodeProcess(dir, "site2", "47520-47539");
        n1.start();
        n2.start();
        n1.peers(Map.of(n2.id, n2.federationPort));
        n2.peers(Map.of(n1.id, n1.federationPort));
        await().atMost(LINK).until(() -> n1.linkUp(n2) && n2.linkUp(n1));

        try (Browsers browsers = new Browsers()) {
            final Map<String, String> urls = pair(browsers, n2, "Desk at site 2");
            callAcross(browsers, urls, "Caller at site 1");

            // kill -9 the callee's node, start it again: the link heals, the pair survived on disk
            contexts.forEach(BrowserContext::close);
            contexts.clear();
            final double packets1 = n1.metric("switchboard_relay_packets_total");
            n2.kill9();
            await().atMost(LINK).until(() -> !n1.linkUp(n2));
            n2.start();
            await().atMost(LINK).until(() -> n1.linkUp(n2) && n2.linkUp(n1));
            callAcross(browsers, Map.of("caller", urls.get("caller"), "callee", on(n2, urls.get("callee"))),
                    "Second caller");
            assertTrue(n1.metric("switchboard_relay_packets_total") > packets1, "node 1 relayed the new call");
        }
    }

    /** The callee waits on node 2, the caller calls from node 1: rings, answer, chat both ways through both relays. */
    private void callAcross(final Browsers browsers, final Map<String, String> urls, final String callerName)
            throws Exception {
        final Page callee = page(browsers, "callee", urls.get("callee"));
        assertThat(callee.locator("#status")).containsText("Waiting for calls", Pages.WAIT);
        callee.click("#enable-sound");

        final String callerUrl = on(n1, urls.get("caller"));
        assertTrue(callerUrl.startsWith(n1.url() + "call.html#c="), callerUrl);
        // node 1 learns of the callee from node 2's announcement over the link
        final Page caller = page(browsers, "caller", callerUrl);
        assertThat(caller.locator("#status")).containsText("Ready to call", Pages.WAIT);
        assertThat(caller.locator("#label")).containsText("Desk at site 2");
        caller.fill("#name", callerName);
        caller.click("#call-button");
        // The tab's "I wait" crosses the link as an announcement; a call that overtook it is told
        // "offline" at once, and the person calls again, as anyone would.
        await().atMost(LINK).pollInterval(Duration.ofSeconds(1)).until(() -> {
            final Object outcome = caller.evaluate("document.body.dataset.outcome");
            if ("offline".equals(outcome) && caller.isEnabled("#call-button")) {
                caller.click("#call-button");
                return false;
            }
            return "ringing".equals(outcome) || "answered".equals(outcome);
        });
        assertThat(callee.locator("#caller-name")).containsText(callerName, Pages.WAIT);
        callee.click("#answer");
        assertThat(caller.locator("#status")).containsText("relayed by the node", Pages.WAIT);
        assertThat(callee.locator("#status")).containsText("relayed by the node", Pages.WAIT);

        Pages.send(caller, "hello from site 1");
        assertThat(callee.locator("#log")).containsText("hello from site 1", Pages.WAIT);
        Pages.send(callee, "hi from site 2");
        assertThat(caller.locator("#log")).containsText("hi from site 2", Pages.WAIT);

        assertRemoteIn(caller, "caller", 47500, 47519);
        assertRemoteIn(callee, "callee", 47520, 47539);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                n1.metric("switchboard_relay_packets_total") > 0 && n2.metric("switchboard_relay_packets_total") > 0);
    }

    /** The page's selected remote candidate is on its own node's relay ports. */
    @SuppressWarnings("unchecked")
    static void assertRemoteIn(final Page page, final String state, final int first, final int last) {
        final Map<String, Object> route = (Map<String, Object>) page.evaluate(
                "async (s) => await window[s].call.session.route()", state);
        assertNotNull(route, "no selected candidate pair");
        assertEquals("127.0.0.1", route.get("remoteAddress"), route.toString());
        final int port = ((Number) route.get("remotePort")).intValue();
        assertTrue(port >= first && port <= last, "remote port " + port + " is not its own node's relay "
                + first + "-" + last + ": " + route);
    }
}
