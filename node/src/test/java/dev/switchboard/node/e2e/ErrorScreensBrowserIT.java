package dev.switchboard.node.e2e;

import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Route;
import com.microsoft.playwright.assertions.LocatorAssertions;
import dev.switchboard.node.Node;
import dev.switchboard.node.access.Cidr;
import dev.switchboard.node.config.NodeConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The room page's connection error screens that need a node set up to fail, each with its own
 * words and advice, shot at a desktop and a phone size ({@code target/screenshots/}):
 * <ul>
 *   <li>the node's allow-list refuses the page's address: "broker refused", no word about
 *       certificates, and the page gets in by itself once the node lets it;</li>
 *   <li>a browser that does not trust the node's self-signed certificate on the broker's port
 *       (the page itself came through, as after accepting it on the page's port): the only screen
 *       that asks to accept a certificate, with the broker's address to open.</li>
 * </ul>
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ErrorScreensBrowserIT {

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), true, "/", "47600-47649", "60s");

    /** Long enough for the page's own retry (5 s, then 10 s) on a loaded machine. */
    private static final LocatorAssertions.ContainsTextOptions RETRY =
            new LocatorAssertions.ContainsTextOptions().setTimeout(90_000);

    @Test
    void allowListRefusesTheAddress_brokerRefusedScreen_thenInByItself() {
        final NodeConfig.Access open = fixture.node().config().access();
        try (BrowserContext ann = fixture.browsers().newContext()) {
            final Page a = ann.newPage();
            a.navigate(fixture.node().url());
            assertThat(a.locator("#status")).containsText("Ready", Pages.WAIT);
            // The room's modules are in the page before the node starts refusing (this screen is
            // about the broker, not a half-loaded page); the form is touched only afterwards,
            // since touching it also begins the broker connection, which must meet the refusal.
            // (The page's own module addresses: beside app.js, under its versioned path.)
            a.evaluate("() => { const base = document.querySelector('script[type=module]').src;"
                    + " return Promise.all(['signaling.js', 'room.js', 'ui/call-view.js'].map((m) => import(new URL(m, base))))"
                    + ".then(() => true); }");
            // The node's owner narrows the allow-list to a network the page is not in.
            fixture.node().access().update(new NodeConfig.Access(List.of(Cidr.parse("192.0.2.0/24")),
                    open.countries(), open.geoipDatabase(), open.block()));
            try {
                a.fill("#name", "Ann");
                a.fill("#word", "closed doors");
                a.click("#join");
                assertThat(a.locator("#status")).hasAttribute("data-problem", "broker-refused",
                        new LocatorAssertions.HasAttributeOptions().setTimeout(60_000));
                assertThat(a.locator("#status")).containsText("refused the connection from your address");
                assertThat(a.locator("#status")).containsText("allow-list");
                assertThat(a.locator("#status")).containsText("Trying again");
                assertThat(a.locator("#status")).not().containsText("certificate");
                Screens.shoot(a, "error-broker-refused", "#status", "#word");
            } finally {
                fixture.node().access().update(open);
            }
            assertThat(a.locator("#status")).containsText("Waiting for the other person", RETRY);
            assertThat(a.locator("#status")).not().hasAttribute("data-problem", "broker-refused");
        }
    }

    /**
     * The same refusal before the page fetched its room modules (they come when the form is first
     * touched): the failed fetch is worded as the refusal it is, not as a broken page.
     */
    @Test
    void allowListRefusesTheAddressBeforeTheRoomModulesCame_brokerRefusedScreen() {
        final NodeConfig.Access open = fixture.node().config().access();
        try (BrowserContext ann = fixture.browsers().newContext()) {
            final Page a = ann.newPage();
            a.navigate(fixture.node().url());
            assertThat(a.locator("#status")).containsText("Ready", Pages.WAIT);
            fixture.node().access().update(new NodeConfig.Access(List.of(Cidr.parse("192.0.2.0/24")),
                    open.countries(), open.geoipDatabase(), open.block()));
            try {
                a.fill("#name", "Ann");
                a.fill("#word", "closed early");
                a.click("#join");
                assertThat(a.locator("#status")).hasAttribute("data-problem", "broker-refused",
                        new LocatorAssertions.HasAttributeOptions().setTimeout(60_000));
                assertThat(a.locator("#status")).containsText("refused the connection from your address");
                assertThat(a.locator("#status")).not().containsText("dynamically imported module");
            } finally {
                fixture.node().access().update(open);
            }
        }
    }

    @Test
    void certificateNotTrusted_onlyThisScreenAsksToAcceptIt() throws Exception {
        final String base = fixture.node().url();
        final byte[] info;
        try (BrowserContext trusting = fixture.browsers().newContext()) {
            final APIResponse r = trusting.request().get(base + "node-info.json");
            assertEquals(200, r.status());
            info = r.body();
        }
        // A Chromium that checks certificates as a person's does. The page's own files come
        // through (as after the person accepted the certificate on the page's port), the broker's
        // WebSocket meets the node's real self-signed certificate, which this browser does not trust.
        try (Browsers strict = new Browsers(Browsers.CHROMIUM, false); BrowserContext ann = strict.newContext()) {
            ann.route(base + "**", route -> serve(route, base, info));
            final Page a = ann.newPage();
            a.navigate(base);
            assertThat(a.locator("#status")).containsText("Ready", Pages.WAIT);
            a.fill("#name", "Ann");
            a.fill("#word", "untrusted");
            a.click("#join");
            assertThat(a.locator("#status")).hasAttribute("data-problem", "certificate",
                    new LocatorAssertions.HasAttributeOptions().setTimeout(60_000));
            assertThat(a.locator("#status")).containsText("does not trust the node's");
            assertThat(a.locator("#status a")).hasAttribute("href",
                    Pattern.compile("^https://127\\.0\\.0\\.1:\\d+/"));
            Screens.shoot(a, "error-certificate", "#status", "#status a");
        }
    }

    /** Answers the page's requests from the web client's files and the node's node-info.json. */
    private static void serve(final Route route, final String base, final byte[] info) {
        String path = route.request().url().substring(base.length());
        final int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (path.isEmpty()) {
            path = "index.html";
        }
        if (path.equals("node-info.json")) {
            route.fulfill(new Route.FulfillOptions().setStatus(200).setContentType("application/json").setBodyBytes(info));
            return;
        }
        try (InputStream in = path.contains("..") ? null
                : ErrorScreensBrowserIT.class.getResourceAsStream("/webclient/" + path)) {
            if (in == null) {
                route.fulfill(new Route.FulfillOptions().setStatus(404));
                return;
            }
            route.fulfill(new Route.FulfillOptions().setStatus(200).setBodyBytes(in.readAllBytes())
                    .setContentType(path.endsWith(".js") ? "text/javascript" : path.endsWith(".css") ? "text/css"
                            : path.endsWith(".svg") ? "image/svg+xml" : "text/html"));
        } catch (final IOException e) {
            route.abort();
        }
    }
}
