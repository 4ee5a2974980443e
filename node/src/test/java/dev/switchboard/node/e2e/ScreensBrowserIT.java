package dev.switchboard.node.e2e;

import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.node.Node;
import dev.switchboard.node.relay.RelaySession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static com.microsoft.playwright.assertions.PlaywrightAssertions.assertThat;

/**
 * The room page's main screens at a desktop and a phone size, written to
 * {@code target/screenshots/} (join, waiting with the invitation, chat, connection lost, node
 * unreachable), each after checking that what the screen is for is visible; and a node that does
 * not answer at first is found by the page by itself once it is up.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ScreensBrowserIT {

    @RegisterExtension
    static final BrowserFixture fixture = new BrowserFixture(Node.Options.defaults(), false, "/", "46425-46449", "60s");

    @Test
    void mainScreens_desktopAndPhone() {
        try (BrowserContext ann = fixture.browsers().newContext(); BrowserContext bob = fixture.browsers().newContext()) {
            final Page a = ann.newPage();
            a.navigate(fixture.node().url());
            assertThat(a.locator("#status")).containsText("Ready", Pages.WAIT);
            Screens.shoot(a, "join", "#join-form", "#name", "#word", "#join", "#new-identity");

            a.fill("#name", "Ann");
            a.fill("#word", "picture day");
            a.click("#join");
            assertThat(a.locator("#status")).containsText("Waiting for the other person", Pages.WAIT);
            Screens.shoot(a, "waiting-invite", "#invite", "#copy-invite", "#copy-word-link", "#room-code", "#leave");

            final Page b = Pages.join(bob, fixture.node(), "Bob", "picture day");
            assertThat(a.locator("#peers li[data-state=connected]")).hasCount(1, Pages.COUNT);
            Pages.send(a, "Hi Bob! Can you read me?");
            Pages.send(b, "Loud and clear.");
            assertThat(a.locator("#log li.mine[data-delivery=delivered]")).hasCount(1, Pages.COUNT);
            assertThat(a.locator("#log li.theirs")).hasCount(1, Pages.COUNT);
            Screens.shoot(a, "chat", "#log li.mine", "#log li.theirs", "#message", "#send", "#peers li .safety-code",
                    "#file-pick", "#video-call");

            // The link drops: the page says so, and lines wait visibly.
            final String annId = (String) a.evaluate("switchboard.id()");
            final RelaySession session = fixture.node().relay().sessionsOf(annId).get(0);
            session.setBlocked(true);
            try {
                assertThat(a.locator("#status")).containsText("lost, reconnecting", Pages.WAIT);
                Pages.send(a, "are you still there?");
                assertThat(a.locator("#log li.mine[data-delivery=retrying]")).hasCount(1, Pages.COUNT);
                Screens.shoot(a, "error-connection-lost", "#status", "#log li.mine[data-delivery=retrying] .receipt",
                        "#peers li[data-state=reconnecting]");
            } finally {
                session.setBlocked(false);
            }
            assertThat(a.locator("#log li.mine[data-delivery=delivered]")).hasCount(2, Pages.COUNT);
        }
    }

    @Test
    void nodeUnreachable_saysSo_andFindsItOnceItAnswers() throws Exception {
        final int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        final HttpServer client = staticClient();
        HttpServer comesBack = null;
        try (BrowserContext ann = fixture.browsers().newContext()) {
            final Page a = ann.newPage();
            a.navigate("http://127.0.0.1:" + client.getAddress().getPort() + "/?node=http://127.0.0.1:" + port + "/");
            assertThat(a.locator("#status")).containsText("Cannot reach the node", Pages.WAIT);
            assertThat(a.locator("#status")).hasAttribute("data-problem", "node-unreachable");
            assertThat(a.locator("#status")).not().containsText("certificate");
            Screens.shoot(a, "error-node-unreachable", "#status");

            // The node's address answers now (here: its node-info.json, for the real node).
            final String info = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(fixture.node().url() + "node-info.json")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            comesBack = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
            comesBack.createContext("/", exchange -> {
                final byte[] body = info.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.getResponseHeaders().add("Access-Control-Allow-Origin", "*");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            comesBack.start();
            assertThat(a.locator("#status")).containsText("Ready", new com.microsoft.playwright.assertions
                    .LocatorAssertions.ContainsTextOptions().setTimeout(60_000));
            assertThat(a.locator("#status")).not().hasAttribute("data-problem", "node-unreachable");
        } finally {
            client.stop(0);
            if (comesBack != null) {
                comesBack.stop(0);
            }
        }
    }

    /** The web client served from another loopback origin, as a static site. */
    private static HttpServer staticClient() throws Exception {
        final HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath().substring(1);
            if (path.isEmpty()) {
                path = "index.html";
            }
            try (InputStream in = path.contains("..") ? null
                    : ScreensBrowserIT.class.getResourceAsStream("/webclient/" + path)) {
                if (in == null) {
                    exchange.sendResponseHeaders(404, -1);
                } else {
                    final byte[] body = in.readAllBytes();
                    exchange.getResponseHeaders().add("Content-Type", path.endsWith(".js") ? "text/javascript"
                            : path.endsWith(".css") ? "text/css" : "text/html");
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                }
            } finally {
                exchange.close();
            }
        });
        server.start();
        return server;
    }
}
