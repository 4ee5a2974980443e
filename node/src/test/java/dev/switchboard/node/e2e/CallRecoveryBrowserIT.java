package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import dev.switchboard.node.Node;
import dev.switchboard.node.relay.RelaySession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * A network drop is not a refusal: the relay leg between Ann and Bob goes dark for 20 seconds
 * (the relay's test hook drops every datagram), both pages say the connection was lost and is
 * being restored, lines written meanwhile wait visibly ("not delivered, retrying"), and once the
 * path is back both sides reconnect without a reload (ICE restarted through the node) and every
 * line arrives exactly once, in order, with its receipt.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class CallRecoveryBrowserIT {

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true, "/", "46400-46424", "120s");

    @Test
    void relayLegDarkFor20s_bothSidesRecover_linesDeliveredOnceInOrder() throws Exception {
        try (BrowserContext ann = fixture.browsers().newContext(); BrowserContext bob = fixture.browsers().newContext()) {
            final Page a = Pages.join(ann, fixture.node(), "Ann", "stormy night");
            final Page b = Pages.join(bob, fixture.node(), "Bob", "stormy night");
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(b.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            Pages.send(a, "before the storm");
            assertThat(b.locator("#log")).containsText("Ann: before the storm", Pages.WAIT);
            assertThat(a.locator("#log li.mine[data-delivery=delivered]")).hasCount(1, Pages.COUNT);

            final String annId = (String) a.evaluate("switchboard.id()");
            final List<RelaySession> sessions = fixture.node().relay().sessionsOf(annId);
            assertEquals(1, sessions.size());
            final RelaySession relayed = sessions.get(0);

            // The path goes dark.
            final long darkSince = System.nanoTime();
            relayed.setBlocked(true);
            try {
                assertThat(a.locator("#peers li[data-state=reconnecting]")).hasCount(1, Pages.COUNT);
                assertThat(b.locator("#peers li[data-state=reconnecting]")).hasCount(1, Pages.COUNT);
                assertThat(a.locator("#status")).containsText("lost, reconnecting", Pages.WAIT);
                assertThat(b.locator("#status")).containsText("lost, reconnecting", Pages.WAIT);
                // Writing stays possible, and what is written shows that it has not arrived.
                for (int i = 1; i <= 3; i++) {
                    Pages.send(a, "during the storm " + i);
                }
                Pages.send(b, "Bob in the dark");
                assertThat(a.locator("#log li.mine[data-delivery=retrying]")).hasCount(3, Pages.COUNT);
                assertThat(a.locator("#log li.mine[data-delivery=retrying]").first())
                        .containsText("not delivered, retrying", Pages.WAIT);
                assertThat(b.locator("#log li.mine[data-delivery=retrying]")).hasCount(1, Pages.COUNT);
                // The drop itself is the stimulus: it lasts 20 seconds whatever the pages do.
                final long leftMillis = 20_000 - TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - darkSince);
                if (leftMillis > 0) {
                    Thread.sleep(leftMillis);
                }
                assertThat(a.locator("#peers li[data-state=refused]")).hasCount(0);
                assertThat(b.locator("#peers li[data-state=refused]")).hasCount(0);
            } finally {
                relayed.setBlocked(false);
            }

            // Both recover, without a reload, and the lines arrive exactly once, in order.
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(b.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(a.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            assertThat(b.locator("#status")).containsText("via the node's relay", Pages.WAIT);
            final Locator bobSees = b.locator("#log li.theirs .text");
            assertThat(bobSees).hasText(new String[] {
                "before the storm", "during the storm 1", "during the storm 2", "during the storm 3"}, new com.microsoft
                    .playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(60_000));
            assertThat(a.locator("#log li.theirs .text")).hasText(new String[] {"Bob in the dark"},
                    new com.microsoft.playwright.assertions.LocatorAssertions.HasTextOptions().setTimeout(60_000));
            assertThat(a.locator("#log li.mine[data-delivery=delivered]")).hasCount(4, Pages.COUNT);
            assertThat(b.locator("#log li.mine[data-delivery=delivered]")).hasCount(1, Pages.COUNT);

            // And it carries on both ways.
            Pages.send(b, "after the storm");
            assertThat(a.locator("#log")).containsText("Bob: after the storm", Pages.WAIT);
            Pages.send(a, "sunshine");
            assertThat(b.locator("#log")).containsText("Ann: sunshine", Pages.WAIT);
            assertEquals(5, b.locator("#log li.theirs").count(), "each line exactly once");
            assertFalse(b.locator("#log").textContent().contains("refused"), b.locator("#log").textContent());
        }
    }
}
