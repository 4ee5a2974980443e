package dev.switchboard.node.lobby;

import dev.switchboard.node.access.AccessControl;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.web.Router;
import dev.switchboard.node.web.StaticFiles;
import dev.switchboard.node.web.WebResponse;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The admin pages behind a hidden prefix, through the real router and the web client's files. */
class AdminPagesTest {

    private static final NodeConfig.Admin ANN = new NodeConfig.Admin("Ann", "Vq3-Xk9_pL2mZ7tR4wY8bN", List.of("Bob"), true);
    private static final NodeConfig.Admin DAN = new NodeConfig.Admin("Dan", "Hd6-sJ1qW5eU0oI3aP7cF2", List.of(), false);
    private final List<String> published = new ArrayList<>();
    private final AccessControl access = new AccessControl(ConfigLoader.defaults().access(), UnaryOperator.identity(),
            System::nanoTime, Clock.systemUTC());
    private final Lobby lobby = new Lobby("N".repeat(43), new NodeConfig.Lobby(List.of(ANN, DAN), false), access,
            Clock.systemUTC());
    private final AdminPages pages = new AdminPages(lobby, access, (topic, payload) -> {
        published.add(topic);
        return CompletableFuture.completedFuture(null);
    }, Clock.systemUTC(), "webclient");
    private final Router router = router();

    private Router router() {
        final Router r = new Router("/h1dden/", new StaticFiles(getClass().getClassLoader(), "webclient"));
        r.hiddenRoutes(pages);
        return r;
    }

    private WebResponse get(final String target) {
        return router.handle("GET", target, Map.of(), new byte[0]);
    }

    private static void assertSameAnswer(final WebResponse expected, final WebResponse actual) {
        assertEquals(expected.status(), actual.status());
        assertEquals(expected.contentType(), actual.contentType());
        assertEquals(expected.headers(), actual.headers());
        assertArrayEquals(expected.body(), actual.body());
    }

    @Test
    void adminPath_servesThePage_noStore_noReferrer() {
        final WebResponse page = get("/h1dden/" + ANN.path());
        assertEquals(200, page.status());
        assertTrue(new String(page.body(), StandardCharsets.UTF_8).contains("js/admin.js"));
        assertEquals("no-store", page.headers().get("Cache-Control"));
        assertEquals("no-referrer", page.headers().get("Referrer-Policy"));
        final WebResponse state = get("/h1dden/" + DAN.path() + "/state.json");
        assertEquals(200, state.status());
        final String json = new String(state.body(), StandardCharsets.UTF_8);
        assertTrue(json.contains("\"admin\":\"Dan\"") && !json.contains("attempts"), json);
        assertTrue(new String(get("/h1dden/" + ANN.path() + "/state.json").body(), StandardCharsets.UTF_8)
                .contains("\"attempts\""), "the super-admin gets the bad attempts");
    }

    /** Issue 11's operator view: the super-admin sees each peer node's link and its traffic. */
    @Test
    void superAdmin_seesPeerLinks_stateAndTrafficEachWay() throws Exception {
        final dev.switchboard.node.federation.PeerLinks links = new dev.switchboard.node.federation.PeerLinks();
        final String peer = "P".repeat(43);
        links.changed(peer, dev.switchboard.node.federation.PeerLinks.State.UP);
        links.received(peer, 120);
        links.received(peer, 80);
        links.sent(peer, 50);
        pages.showPeerLinks(links);
        final com.fasterxml.jackson.databind.JsonNode ann = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(get("/h1dden/" + ANN.path() + "/state.json").body());
        final com.fasterxml.jackson.databind.JsonNode link = ann.get("peerLinks").get(0);
        assertEquals(peer, link.get("peer").asText());
        assertEquals("up", link.get("state").asText());
        assertEquals(2, link.get("messagesIn").asLong());
        assertEquals(200, link.get("bytesIn").asLong());
        assertEquals(1, link.get("messagesOut").asLong());
        assertEquals(50, link.get("bytesOut").asLong());
        assertTrue(link.get("since").asLong() > 0);
        final String dan = new String(get("/h1dden/" + DAN.path() + "/state.json").body(), StandardCharsets.UTF_8);
        assertTrue(!dan.contains("peerLinks"), "only the super-admin sees the links: " + dan);
    }

    @Test
    void wrongPaths_getExactlyTheUnknownPathAnswer() {
        final WebResponse unknown = get("/h1dden/no-such-thing");
        assertEquals(404, unknown.status());
        for (final String wrong : new String[] {"Vq3-Xk9_pL2mZ7tR4wY8bn", "Vq3-Xk9_pL2mZ7tR4wY8b", "Vq3-Xk9_pL2mZ7tR4wY8bNN",
            "vq3-xk9_pl2mz7tr4wy8bn", "Vq3-Xk9_pL2mZ7tR4wY8bn/state.json", ANN.path() + "/nothing", ANN.path() + "/"}) {
            assertSameAnswer(unknown, get("/h1dden/" + wrong));
        }
        // outside the prefix, the secret means nothing either
        assertSameAnswer(get("/elsewhere"), get("/" + ANN.path()));
        // nor does another method tell a near miss from any other path (and all are 404s, which
        // the scanner blocking counts)
        for (final String method : new String[] {"POST", "PUT", "OPTIONS"}) {
            final WebResponse unknownOther = router.handle(method, "/h1dden/no-such-thing", Map.of(), new byte[0]);
            assertEquals(404, unknownOther.status(), method);
            for (final String wrong : new String[] {"Vq3-Xk9_pL2mZ7tR4wY8bn", "Vq3-Xk9_pL2mZ7tR4wY8bn/call", ANN.path() + "/"}) {
                assertSameAnswer(unknownOther, router.handle(method, "/h1dden/" + wrong, Map.of(), new byte[0]));
            }
        }
    }

    @Test
    void reload_movesThePath_oldOneIsUnknownAtOnce() {
        final NodeConfig.Admin moved = new NodeConfig.Admin("Ann", "Np4-Qz8_rT1yU6iO3eW9aS", ANN.permitted(), true);
        final NodeConfig.Lobby next = new NodeConfig.Lobby(List.of(moved, DAN), false);
        lobby.update(next);
        pages.update(next);
        assertSameAnswer(get("/h1dden/no-such-thing"), get("/h1dden/" + ANN.path()));
        assertEquals(200, get("/h1dden/" + moved.path()).status());
    }

    @Test
    void call_needsJsonAPermittedWaiterAndAConnectedCaller() {
        final String target = "/h1dden/" + ANN.path() + "/call";
        final byte[] body = ("{\"peer\":\"" + "B".repeat(43) + "\",\"caller\":\"" + "A".repeat(43) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        assertEquals(415, router.handle("POST", target, Map.of(), body).status(), "a form post cannot call");
        assertEquals(405, get(target).status());
        assertEquals(409, router.handle("POST", target, Map.of("content-type", "application/json"), body).status(),
                "nobody waits");
        assertTrue(published.isEmpty());
    }

    @Test
    void home_servesTheLobbyAtTheRoot_onlyWhenConfigured() {
        assertTrue(new String(get("/h1dden/").body(), StandardCharsets.UTF_8).contains("js/app.js"));
        lobby.update(new NodeConfig.Lobby(List.of(ANN, DAN), true));
        assertTrue(new String(get("/h1dden/").body(), StandardCharsets.UTF_8).contains("js/lobby.js"));
    }
}
