package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.switchboard.node.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code web.tls: false} on loopback, as the README offers for a single machine: the page over
 * plain HTTP on 127.0.0.1 is still a secure context, keys work, and two people chat via the relay
 * over a plain WebSocket. The node serves under a hidden path prefix, its broker's WebSocket
 * included, which the page follows.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PlainHttpBrowserIT {


    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), false, "/h1dden-c0rner/");

    @Test
    void plainHttpOnLoopback_twoPeople_chatViaRelay() {
        assertTrue(fixture.node().url().matches("http://127\\.0\\.0\\.1:\\d+/h1dden-c0rner/"), fixture.node().url());
        // the broker's WebSocket lives below the prefix too (issue 9), and the pages follow it
        assertEquals("/h1dden-c0rner/mqtt", fixture.node().broker().settings().webSocketPath());
        try (BrowserContext ann = fixture.browsers().newContext(); BrowserContext bob = fixture.browsers().newContext()) {
            final Page a = Pages.join(ann, fixture.node(), "Ann", "plain and simple");
            final Page b = Pages.join(bob, fixture.node(), "Bob", "plain and simple");
            assertThat(a.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            assertThat(b.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            Pages.send(a, "no certificates needed here");
            assertThat(b.locator("#log")).containsText("Ann: no certificates needed here", Pages.WAIT);
        }
    }
}
