package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.switchboard.node.Node;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
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

    private static final LocatorAssertions.ContainsTextOptions WAIT =
            new LocatorAssertions.ContainsTextOptions().setTimeout(30_000);
    private static final LocatorAssertions.HasCountOptions COUNT =
            new LocatorAssertions.HasCountOptions().setTimeout(30_000);

    @TempDir
    static Path dataDir;
    static BrowserFixture fixture;
    static Node node;
    static Browsers browsers;

    @BeforeAll
    static void start() throws Exception {
        fixture = BrowserFixture.start(dataDir, Node.Options.defaults());
        node = fixture.node;
        browsers = fixture.browsers;
    }

    @AfterAll
    static void stop() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void knownName_newKey_warnsAndConnectsOnlyAfterAccept() {
        try (BrowserContext annContext = browsers.newContext(); BrowserContext bobContext = browsers.newContext()) {
            final Page ann = Pages.join(annContext, node, "Ann", "quiet harbour");
            final Page bob = Pages.join(bobContext, node, "Bob", "quiet harbour");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, COUNT);
            final String oldBob = (String) bob.evaluate("switchboard.id()");

            // Bob makes a new identity (which leaves the room) and comes back under the same name.
            bob.onDialog(d -> d.accept());
            bob.click("#new-identity");
            assertThat(bob.locator("#status")).containsText("New identity made", WAIT);
            final String newBob = (String) bob.evaluate("switchboard.id()");
            assertNotEquals(oldBob, newBob);
            assertThat(ann.locator("#peers li[data-peer='" + oldBob + "']")).hasCount(0, COUNT);
            bob.fill("#word", "quiet harbour");
            bob.click("#join");

            // Ann is warned, and nothing connects.
            final var warned = ann.locator("#peers li[data-peer='" + newBob + "']");
            assertThat(warned).hasAttribute("data-state", "key-changed");
            assertThat(warned.locator(".warning")).containsText("differs from the one you saw before for Bob", WAIT);
            assertThat(ann.locator("#status")).containsText("different key", WAIT);
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(0);
            assertThat(bob.locator("#peers li[data-peer]")).hasCount(1, COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(0);
            assertTrue(node.relay().sessionsOf(newBob).stream()
                    .allMatch(s -> s.counters().packetsAtoB() == 0 && s.counters().packetsBtoA() == 0),
                    "no packet may flow before Ann accepts the key");

            // Once Ann accepts the new key, they connect and chat.
            warned.locator("button.trust").click();
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(1, COUNT);
            Pages.send(bob, "it is really me");
            assertThat(ann.locator("#log")).containsText("Bob: it is really me", WAIT);
        }
    }
}
