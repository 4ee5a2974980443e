package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.switchboard.node.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a new user found bare or alarming on the room page: two people called Bob are two people,
 * not an attack; and the chat has times, sides, an invitation, a room code to compare by voice, a
 * Leave that forgets the word but keeps the conversation readable, and the accessibility basics.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class SameNameBrowserIT {

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true, "/", "46450-46499", "60s");

    @Test
    void sameName_differentKey_isAnotherPerson_notAnAttack() {
        try (BrowserContext annContext = fixture.browsers().newContext();
             BrowserContext bobContext = fixture.browsers().newContext();
             BrowserContext otherBobContext = fixture.browsers().newContext()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", "two bobs");
            final Page bob = Pages.join(bobContext, fixture.node(), "Bob", "two bobs");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            final String bobId = (String) bob.evaluate("switchboard.id()");
            assertThat(ann.locator("#peers li[data-peer='" + bobId + "'] .name")).hasText("Bob");

            // A second Bob, another person with his own key, arrives while the first is here.
            final Page otherBob = Pages.join(otherBobContext, fixture.node(), "Bob", "two bobs");
            final String otherId = (String) otherBob.evaluate("switchboard.id()");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(2, Pages.COUNT);
            assertThat(ann.locator("#peers li[data-peer='" + otherId + "'] .name"))
                    .hasText("another Bob (not the one you know)");
            assertThat(ann.locator("#peers li[data-state=key-changed]")).hasCount(0);
            assertFalse(ann.locator("#status").textContent().contains("different key"), ann.locator("#status").textContent());
            assertThat(otherBob.locator("#peers li[data-state=connected]")).hasCount(2, Pages.COUNT);
            assertThat(otherBob.locator("#peers li .note")).hasCount(0);
            Pages.send(otherBob, "I am the other Bob");
            assertThat(ann.locator("#log")).containsText("Bob: I am the other Bob", Pages.WAIT);
        }
    }

    @Test
    void chat_hasTimesSidesInviteRoomCode_andLeaveForgetsTheWordKeepsHistory() {
        try (BrowserContext annContext = fixture.browsers().newContext();
             BrowserContext bobContext = fixture.browsers().newContext()) {
            final Page ann = Pages.join(annContext, fixture.node(), "Ann", "green door 7");
            // Waiting: a room code to compare by voice and an invitation without the word.
            assertThat(ann.locator("#status")).containsText("Waiting for the other person", Pages.WAIT);
            assertThat(ann.locator("#room-code")).hasText(java.util.regex.Pattern.compile("^\\d{3} \\d{3}$"));
            assertThat(ann.locator("#invite")).isVisible();
            ann.click("#copy-invite");
            final String invite = (String) ann.evaluate("switchboard.lastCopied()");
            assertTrue(invite.contains(fixture.node().url()), invite);
            assertFalse(invite.contains("green door"), "the word stays out of the invite: " + invite);
            assertFalse(invite.contains("#"), invite);
            ann.click("#copy-word-link");
            final String wordLink = (String) ann.evaluate("switchboard.lastCopied()");
            assertTrue(wordLink.contains("#word=green%20door%207"), "only in the fragment, when asked: " + wordLink);
            assertFalse(wordLink.substring(0, wordLink.indexOf('#')).contains("green"), wordLink);

            // Bob follows the link with the word: the field is filled, the address bar forgets it.
            final Page bob = bobContext.newPage();
            bob.navigate(wordLink);
            assertThat(bob.locator("#status")).containsText("Ready", Pages.WAIT);
            assertEquals("green door 7", bob.inputValue("#word"));
            assertFalse(bob.url().contains("word"), bob.url());
            bob.fill("#name", "Bob");
            bob.click("#join");
            assertThat(ann.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            assertThat(bob.locator("#room-code")).hasText(ann.locator("#room-code").textContent());
            assertThat(ann.locator("#invite")).isHidden();

            // Accessibility: a labelled field that says "send", a live log, focus in the field.
            assertEquals("send", ann.getAttribute("#message", "enterkeyhint"));
            assertThat(ann.locator("label[for=message]")).hasText("Message");
            assertEquals("polite", ann.getAttribute("#log", "aria-live"));
            assertThat(ann.locator("#message")).isFocused();
            final double sendHeight = ((Number) ann.evaluate("document.querySelector('#send').getBoundingClientRect().height")).doubleValue();
            assertTrue(sendHeight >= 44, "touch target " + sendHeight);

            // A whitespace-only line is not sent, and does not stay in the field.
            ann.fill("#message", "   ");
            ann.press("#message", "Enter");
            assertEquals("", ann.inputValue("#message"));
            assertThat(ann.locator("#log li.chat")).hasCount(0);

            // Lines have times and sides, and receipts.
            Pages.send(ann, "hello Bob");
            assertThat(bob.locator("#log li.theirs")).containsText("Ann: hello Bob", Pages.WAIT);
            assertThat(bob.locator("#log li.theirs time")).hasCount(1);
            assertThat(ann.locator("#log li.mine")).containsText("Ann (you): hello Bob");
            assertThat(ann.locator("#log li.mine[data-delivery=delivered] .receipt")).containsText("delivered", Pages.WAIT);
            // The privacy explanation is there to read.
            ann.locator("#privacy summary").click();
            assertThat(ann.locator("#privacy")).containsText("Encrypted end to end");
            assertThat(ann.locator("#privacy")).containsText("other side never sees your IP address");

            // Leave: the word is gone from the field, the conversation stays readable.
            bob.click("#leave");
            assertThat(bob.locator("#join-form")).isVisible();
            assertEquals("", bob.inputValue("#word"));
            assertThat(bob.locator("#history")).isVisible();
            assertThat(bob.locator("#history .history-log")).containsText("Ann: hello Bob");
        }
    }
}
