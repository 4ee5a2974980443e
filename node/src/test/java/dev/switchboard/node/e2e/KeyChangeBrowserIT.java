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
 * A key Ann verified (she compared the safety code with Bob) is pinned to Bob's name: when a Bob
 * comes back with a different key, Ann's page warns before anything connects, Bob's page says why
 * nothing connects, and they connect only after Ann accepts the key. (A key merely met is not
 * pinned: see {@link SameNameBrowserIT}.)
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
            // Ann and Bob read their safety codes to each other: the same; Ann marks Bob verified.
            final String annSees = ann.locator("#peers li[data-peer='" + oldBob + "'] .safety-code").textContent();
            assertThat(bob.locator("#peers li .safety-code")).hasText(annSees);
            ann.locator("#peers li[data-peer='" + oldBob + "'] button.verify").click();
            assertThat(ann.locator("#peers li[data-peer='" + oldBob + "'] .verified")).containsText("verified", Pages.WAIT);

            // Bob makes a new identity (which leaves the room) and comes back under the same name.
            bob.onDialog(d -> d.accept());
            bob.click("#new-identity");
            assertThat(bob.locator("#status")).containsText("New identity made", Pages.WAIT);
            assertThat(bob.locator("#status")).containsText("must accept the new one");
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
            assertThat(warned.locator(".warning")).containsText("ask them another way");
            Screens.shoot(ann, "error-key-changed", "#status", "#peers li[data-state=key-changed] .warning",
                    "#peers li[data-state=key-changed] button.trust");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(0);
            assertThat(bob.locator("#peers li[data-peer]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(0);
            // Bob is told why: Ann must accept his key first.
            assertThat(bob.locator("#peers li .note")).containsText("Ann must accept your key first", Pages.WAIT);
            assertTrue(fixture.node().relay().sessionsOf(newBob).stream()
                    .allMatch(s -> s.counters().packetsAtoB() == 0 && s.counters().packetsBtoA() == 0),
                    "no packet may flow before Ann accepts the key");

            // Once Ann accepts the new key, they connect and chat.
            warned.locator("button.trust").click();
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#peers li .note")).hasCount(0);
            Pages.send(bob, "it is really me");
            assertThat(ann.locator("#log")).containsText("Bob: it is really me", Pages.WAIT);
        }
    }

    /**
     * The page is ready once the node answered, not once its identity is loaded (a Web Lock,
     * IndexedDB, a new key pair: docs/performance.md); Join waits for the identity. The identity's
     * Web Lock is held here until the test lets it go, so the order does not depend on timing.
     */
    @Test
    void identityStillLoading_pageReady_joinWaitsForIt() {
        try (BrowserContext context = fixture.browsers().newContext()) {
            context.addInitScript("(() => { let release; const held = new Promise((r) => { release = r; });"
                    + " window.releaseIdentity = () => release();"
                    + " const request = navigator.locks.request.bind(navigator.locks);"
                    + " navigator.locks.request = (...args) => held.then(() => request(...args)); })()");
            final Page page = context.newPage();
            page.navigate(fixture.node().url());
            assertThat(page.locator("#status")).containsText("Ready", Pages.WAIT);
            assertThat(page.locator("#me-fingerprint")).hasText("\u2026");
            page.fill("#name", "Ann");
            page.fill("#word", "slow key store");
            page.click("#join");
            assertThat(page.locator("#join")).isDisabled();
            assertThat(page.locator("#status")).not().containsText("Waiting for the other person");
            page.evaluate("() => window.releaseIdentity()");
            assertThat(page.locator("#status")).containsText("Waiting for the other person", Pages.WAIT);
            assertThat(page.locator("#me-fingerprint")).not().hasText("\u2026");
            assertTrue(((String) page.evaluate("switchboard.id()")).length() == 43);
        }
    }
}
