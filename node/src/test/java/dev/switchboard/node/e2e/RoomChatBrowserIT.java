package dev.switchboard.node.e2e;

import com.sun.net.httpserver.HttpServer;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.switchboard.node.Node;
import dev.switchboard.node.relay.RelayCounters;
import dev.switchboard.node.relay.RelaySession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The main job end to end: two people open the node's page in real Chromium over HTTPS/WSS with
 * the node's self-signed certificate, type the same secret word, and chat over a data channel
 * whose packets all pass through the node's UDP relay; a third person with another word never
 * meets them.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RoomChatBrowserIT {


    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true);

    @Test
    void twoBrowsers_sameWord_chatThroughRelay() {
        try (BrowserContext ann = fixture.browsers().newContext();
             BrowserContext bob = fixture.browsers().newContext();
             BrowserContext eve = fixture.browsers().newContext()) {
            final Page e = Pages.join(eve, fixture.node(), "Eve", "another word");
            assertThat(e.locator("#status")).containsText("Waiting for the other person", Pages.WAIT);

            final Page a = Pages.join(ann, fixture.node(), "Ann", "blue tulip 42");
            final Page b = Pages.join(bob, fixture.node(), "Bob", "blue tulip 42");

            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1,
                    Pages.COUNT);
            assertThat(b.locator("#peers li[data-state=connected]")).hasCount(1,
                    Pages.COUNT);
            assertThat(a.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            assertThat(b.locator("#status")).containsText("via the node's relay", Pages.WAIT);

            // Each sees the other's verified key fingerprint.
            final String annId = (String) a.evaluate("switchboard.id()");
            final String bobId = (String) b.evaluate("switchboard.id()");
            assertThat(a.locator("#peers li[data-peer='" + bobId + "'] .fingerprint"))
                    .hasText(b.locator("#me-fingerprint").textContent());
            assertThat(b.locator("#peers li[data-peer='" + annId + "'] .fingerprint"))
                    .hasText(a.locator("#me-fingerprint").textContent());

            Pages.send(a, "hello from Ann");
            assertThat(b.locator("#log")).containsText("Ann: hello from Ann", Pages.WAIT);
            Pages.send(b, "hi Ann, Bob here");
            assertThat(a.locator("#log")).containsText("Bob: hi Ann, Bob here", Pages.WAIT);

            // A picture of the connected page, for people reading the build's output.
            a.screenshot(new Page.ScreenshotOptions().setPath(Path.of("target", "screenshots", "room-chat.png")));

            // The selected candidate pair of each browser has the relay as its remote side:
            // Ann talks to the port that stands for Bob, and Bob to the one that stands for Ann.
            final List<RelaySession> sessions = fixture.node().relay().sessionsOf(annId);
            assertEquals(1, sessions.size());
            final RelaySession session = sessions.get(0);
            assertRemote(a, bobId, session.advertisedAddress(bobId));
            assertRemote(b, annId, session.advertisedAddress(annId));

            // And the relay counted the traffic both ways.
            final RelayCounters c = session.counters();
            assertTrue(c.packetsAtoB() > 0 && c.packetsBtoA() > 0, c.toString());
            assertTrue(c.bytesAtoB() > 0 && c.bytesBtoA() > 0, c.toString());

            // Eve, with another word, met nobody and nobody met her.
            assertThat(e.locator("#peers li")).hasCount(0);
            assertThat(a.locator("#peers li")).hasCount(1);
            assertThat(b.locator("#peers li")).hasCount(1);
            assertThat(e.locator("#status")).containsText("Waiting for the other person");
        }
    }

    /** What the README promises: one person, one browser, two tabs, and they chat. */
    @Test
    void twoTabsOfOneBrowser_sameWord_areTwoPeopleAndChat() {
        try (BrowserContext browser = fixture.browsers().newContext()) {
            final Page first = Pages.join(browser, fixture.node(), "Left tab", "two tabs");
            final Page second = Pages.join(browser, fixture.node(), "Right tab", "two tabs");
            assertThat(first.locator("#peers li[data-state=connected]")).hasCount(1,
                    Pages.COUNT);
            assertThat(second.locator("#peers li[data-state=connected]")).hasCount(1,
                    Pages.COUNT);
            assertNotEquals(first.evaluate("switchboard.id()"), second.evaluate("switchboard.id()"));
            Pages.send(second, "from the right");
            assertThat(first.locator("#log")).containsText("Right tab: from the right", Pages.WAIT);

            // A reload keeps the tab's identity.
            final Object before = first.evaluate("switchboard.id()");
            first.reload();
            assertThat(first.locator("#status")).containsText("Ready", Pages.WAIT);
            assertEquals(before, first.evaluate("switchboard.id()"));
        }
    }

    /**
     * The web client hosted somewhere else (a plain static server on another loopback origin, with
     * no node-info.json of its own) follows {@code ?node=} to this node.
     */
    @Test
    void clientHostedElsewhere_followsNodeParameter_andChats() throws Exception {
        final HttpServer elsewhere = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        elsewhere.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath().substring(1);
            if (path.isEmpty()) {
                path = "index.html";
            }
            try (InputStream in = path.contains("..") ? null
                    : RoomChatBrowserIT.class.getResourceAsStream("/webclient/" + path)) {
                if (in == null) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    final byte[] body = in.readAllBytes();
                    exchange.getResponseHeaders().add("Content-Type", path.endsWith(".js") ? "text/javascript"
                            : path.endsWith(".css") ? "text/css" : "text/html");
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                }
            } finally {
                exchange.close();
            }
        });
        elsewhere.start();
        try (BrowserContext ann = fixture.browsers().newContext(); BrowserContext bob = fixture.browsers().newContext()) {
            final String url = "http://127.0.0.1:" + elsewhere.getAddress().getPort() + "/?node=" + fixture.node().url();
            final Page a = Pages.join(ann, url, "Ann", "far away");
            final Page b = Pages.join(bob, url, "Bob", "far away");
            assertThat(a.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            Pages.send(a, "from a page hosted elsewhere");
            assertThat(b.locator("#log")).containsText("Ann: from a page hosted elsewhere", Pages.WAIT);
        } finally {
            elsewhere.stop(0);
        }
    }

    @SuppressWarnings("unchecked")
    private static void assertRemote(final Page page, final String peerId, final InetSocketAddress expected) {
        final Map<String, Object> route = (Map<String, Object>) page.evaluate(
                "async (id) => (await switchboard.peers()).find(p => p.id === id).route", peerId);
        assertNotNull(route, "no selected candidate pair");
        assertEquals(expected.getAddress().getHostAddress(), route.get("remoteAddress"), route.toString());
        assertEquals(expected.getPort(), ((Number) route.get("remotePort")).intValue(), route.toString());
    }
}
