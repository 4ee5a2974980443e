package dev.switchboard.node.e2e;

import com.hivemq.extension.sdk.api.services.Services;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.switchboard.node.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/**
 * The signaling connection of one person drops and comes back: the broker announced a leave
 * meanwhile, so the page announces itself again and the two reconnect and chat. (The drop is made
 * on the broker's side through HiveMQ's client service; Chromium's offline emulation leaves open
 * WebSockets alone.)
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ReconnectBrowserIT {


    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true);

    @Test
    void signalingDropsAndReturns_pageRejoinsAndChatsAgain() throws Exception {
        try (BrowserContext ann = fixture.browsers().newContext(); BrowserContext bob = fixture.browsers().newContext()) {
            final Page a = Pages.join(ann, fixture.node(), "Ann", "steady line");
            final Page b = Pages.join(bob, fixture.node(), "Bob", "steady line");
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);

            // The broker drops Bob's connection (as a network failure or a node restart would).
            final String bobId = (String) b.evaluate("switchboard.id()");
            Services.clientService().disconnectClient(bobId).get(10, TimeUnit.SECONDS);

            // Bob's page reconnects by itself and announces itself again; Ann meets him anew.
            assertThat(b.locator("#log")).containsText("Reconnected to the node", Pages.WAIT);
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(b.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            Pages.send(b, "back again");
            assertThat(a.locator("#log")).containsText("Bob: back again", Pages.WAIT);
        }
    }
}
