package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.node.federation.NodeProcess;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two sites: two nodes in separate processes, federated over mutual TLS, a Chromium browser on
 * each. The two people meet by secret word and chat; each browser's selected remote candidate is
 * its own node's relay (Ann's in node 1's port range, Bob's in node 2's), and both relays count
 * the packets: the call goes Ann, node 1's relay, node 2's relay, Bob.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FederatedRoomChatBrowserIT {

    @TempDir
    Path dir;
    private NodeProcess n1;
    private NodeProcess n2;

    @AfterEach
    void stop() throws Exception {
        if (n1 != null) {
            n1.close();
        }
        if (n2 != null) {
            n2.close();
        }
    }

    @Test
    void browsersOnTwoNodes_sameWord_chatThroughBothRelays() throws Exception {
        n1 = new NodeProcess(dir, "site1", "46900-46919");
        n2 = new NodeProcess(dir, "site2", "46920-46939");
        n1.start();
        n2.start();
        n1.peers(Map.of(n2.id, n2.federationPort));
        n2.peers(Map.of(n1.id, n1.federationPort));
        await().atMost(java.time.Duration.ofSeconds(90)).until(() -> n1.linkUp(n2) && n2.linkUp(n1));

        try (Browsers browsers = new Browsers();
             BrowserContext ann = browsers.newContext();
             BrowserContext bob = browsers.newContext()) {
            final Page a = Pages.join(ann, n1.url(), "Ann", "two sites one word");
            final Page b = Pages.join(bob, n2.url(), "Bob", "two sites one word");
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(b.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);

            Pages.send(a, "hello from site 1");
            assertThat(b.locator("#log")).containsText("Ann: hello from site 1", Pages.WAIT);
            Pages.send(b, "hi from site 2");
            assertThat(a.locator("#log")).containsText("Bob: hi from site 2", Pages.WAIT);

            final String annId = (String) a.evaluate("switchboard.id()");
            final String bobId = (String) b.evaluate("switchboard.id()");
            assertRemoteIn(a, bobId, 46900, 46919);
            assertRemoteIn(b, annId, 46920, 46939);
            await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
                    n1.metric("switchboard_relay_packets_total") > 0 && n2.metric("switchboard_relay_packets_total") > 0);
        }
    }

    @SuppressWarnings("unchecked")
    private static void assertRemoteIn(final Page page, final String peerId, final int first, final int last) {
        final Map<String, Object> route = (Map<String, Object>) page.evaluate(
                "async (id) => (await switchboard.peers()).find(p => p.id === id).route", peerId);
        assertNotNull(route, "no selected candidate pair");
        assertEquals("127.0.0.1", route.get("remoteAddress"), route.toString());
        final int port = ((Number) route.get("remotePort")).intValue();
        assertTrue(port >= first && port <= last, "remote port " + port + " is not its own node's relay "
                + first + "-" + last + ": " + route);
    }
}
