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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Trust on first use: a peer Ann has met before comes back under the same name with a different
 * key. Ann's page warns before anything connects, and connects only after she accepts the key.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class KeyChangeBrowserIT {


    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true);

    @Test
    void knownName_newKey_warnsAndConnectsOnlyAfterAccept() {
        try (BrowserContext annContext = fixture.browsers().newContext(); BrowserContext bobContext = fixture.browsers().newContext()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", "quiet harbour");
            final Page bob = Pages.join(bobContext, fixture.node(), "Bob", "quiet harbour");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            final String oldBob = (String) bob.evaluate("switchboard.id()");

            // Bob makes a new identity (which leaves the room) and comes back under the same name.
            bob.onDialog(d -> d.accept());
            bob.click("#new-identity");
            assertThat(bob.locator("#status")).containsText("New identity made", Pages.WAIT);
            final String newBob = (String) bob.evaluate("switchboard.id()");
            assertNotEquals(oldBob, newBob);
            assertThat(ann.locator("#peers li[data-peer='" + oldBob + "']")).hasCount(0, Pages.COUNT);
            bob.fill("#word", "quiet harbour");
            bob.click("#join");

            // Ann is warned, and nothing connects.
            final var warned = ann.locator("#peers li[data-peer='" + newBob + "']");
            assertThat(warned).hasAttribute("data-state", "key-changed");
            assertThat(warned.locator(".warning")).containsText("differs from the one you saw before for Bob", Pages.WAIT);
            assertThat(ann.locator("#status")).containsText("different key", Pages.WAIT);
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(0);
            assertThat(bob.locator("#peers li[data-peer]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(0);
            assertTrue(fixture.node().relay().sessionsOf(newBob).stream()
                    .allMatch(s -> s.counters().packetsAtoB() == 0 && s.counters().packetsBtoA() == 0),
                    "no packet may flow before Ann accepts the key");

            // Once Ann accepts the new key, they connect and chat.
            warned.locator("button.trust").click();
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            Pages.send(bob, "it is really me");
            assertThat(ann.locator("#log")).containsText("Bob: it is really me", Pages.WAIT);
        }
    }
}
