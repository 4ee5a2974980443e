package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Locator;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.switchboard.node.Node;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A callee call (docs/protocol.md §5.3) answered in real Chromium: each page's call or accept
 * says what it can do (§5.2 {@code caps}), and the call view offers what both can: files (a file
 * goes from the caller to the callee through the relay, and is offered for saving only after the
 * receiver's SHA-256 matched the sender's).
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CalleeFilesBrowserIT {

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), false, "/", "47700-47749", "60s");

    private final List<BrowserContext> contexts = new ArrayList<>();

    @AfterEach
    void closeContexts() {
        contexts.forEach(BrowserContext::close);
    }

    private Page page(final String who, final String url) {
        final BrowserContext c = fixture.browsers().newContext();
        contexts.add(c);
        final Page p = c.newPage();
        // Accepted files stay in the page (no save dialog in a headless browser).
        p.addInitScript("window.switchboardOptions = { saveTo: 'blob' };");
        p.onConsoleMessage(m -> {
            if ("error".equals(m.type()) || "warning".equals(m.type())) {
                System.out.println("[" + who + " console " + m.type() + "] " + m.text());
            }
        });
        p.navigate(url);
        return p;
    }

    @Test
    void calleeCall_offersFiles_aFileGoesThroughTheRelayVerified() throws Exception {
        final Page home = page("home", fixture.node().url());
        home.click("text=Receive calls");
        home.fill("#label", "Files desk");
        home.click("#create");
        assertThat(home.locator("#status")).containsText("Your pair is ready", Pages.WAIT);
        final String callerUrl = home.inputValue("#caller-url");
        final String calleeUrl = home.inputValue("#callee-url");

        final Page callee = page("callee", calleeUrl);
        assertThat(callee.locator("#status")).containsText("Waiting for calls", Pages.WAIT);
        callee.click("#enable-sound");
        final Page caller = page("caller", callerUrl);
        assertThat(caller.locator("#status")).containsText("Ready to call", Pages.WAIT);
        caller.fill("#name", "Carla");
        caller.click("#call-button");
        assertThat(callee.locator("#caller-name")).containsText("Carla", Pages.WAIT);
        callee.click("#answer");
        // Connected (not only answered), through the node's relay.
        for (final Page p : List.of(caller, callee)) {
            assertThat(p.locator("#status")).containsText("In a call with", Pages.WAIT);
            assertThat(p.locator("#status")).containsText("relayed by the node");
            assertEquals("relay", p.evaluate("document.body.dataset.route"));
        }

        // Both pages take files (their call and accept said so), so both views offer them.
        for (final Page p : List.of(caller, callee)) {
            assertThat(p.locator("#file-pick")).hasAttribute("aria-disabled", "false",
                    new LocatorAssertions.HasAttributeOptions().setTimeout(30_000));
        }

        final Path dir = Files.createTempDirectory("switchboard-callee-files-");
        final Path file = dir.resolve("plan.bin");
        final byte[] bytes = new byte[3 * 1024 * 1024 + 17];
        new SplittableRandom(7).nextBytes(bytes);
        Files.write(file, bytes);
        try {
            caller.setInputFiles("#file-input", file);
            final Locator offered = callee.locator("#files li[data-direction=in][data-state=offered]");
            assertThat(offered).hasCount(1, Pages.COUNT);
            offered.locator("button.accept").click();
            final Locator done = callee.locator("#files li[data-direction=in][data-state=done]");
            assertThat(done).hasCount(1, Pages.COUNT);
            assertThat(done.locator(".file-state")).containsText("SHA-256 verified");
            assertThat(caller.locator("#files li[data-direction=out][data-state=sent]")).hasCount(1, Pages.COUNT);
            assertThat(done.locator("a.save")).isVisible();
            assertThat(done.locator(".file-size")).containsText("3.0 MB");
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }
}
