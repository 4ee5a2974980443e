package dev.switchboard.node.lobby;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.broker.identity.PeerIds;
import dev.switchboard.broker.topic.Topics;
import dev.switchboard.node.access.AccessControl;
import dev.switchboard.node.access.AccessEvent;
import dev.switchboard.node.access.AdminPaths;
import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.federation.PeerLinks;
import dev.switchboard.node.web.HiddenRoutes;
import dev.switchboard.node.web.RouteHandler;
import dev.switchboard.node.web.WebRequest;
import dev.switchboard.node.web.WebResponse;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * The admins' pages at their secret paths, and the lobby as the home page when configured
 * ({@code docs/lobby.md}). For a path {@code /<segment>[/<rest>]} below the prefix, the segment
 * is matched against every admin's secret path in constant time ({@link AdminPaths}); a miss
 * returns {@code null}, so the request gets exactly what any unknown path gets. For an admin:
 *
 * <ul>
 *   <li>{@code GET /<secret>}: the admin page ({@code admin.html} of the web client);</li>
 *   <li>{@code GET /<secret>/state.json}: who waits for this admin (name, peer id, IP address,
 *       country, since when, permitted or not, called or not) and, for the super-admin, the bad
 *       attempts (and, when federation is on, each peer node's link: state, since when,
 *       messages and bytes each way); the page polls it about once a second. Only the secret path gives it: the node
 *       knows addresses and countries, the browser does not, and nobody else may;</li>
 *   <li>{@code POST /<secret>/call} with {@code {"peer": <requester>, "caller": <admin page's peer
 *       id>}} (JSON; a cross-site form cannot send it): the node tells the requester, in its inbox
 *       and as the node, that this caller will call ({@code lobby-call}); the admin page then sends
 *       the call vocabulary's {@code call}. Refused (409) for someone not waiting for this admin,
 *       not permitted, or a caller that is not connected.</li>
 * </ul>
 *
 * Every answer carries {@code Cache-Control: no-store} and {@code Referrer-Policy: no-referrer},
 * so the secret path stays out of caches and out of other sites' logs.
 *
 * <p>Thread-safe; route handlers run on Netty I/O threads and never block.
 */
public final class AdminPages implements HiddenRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(AdminPages.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Lobby lobby;
    private final AccessControl access;
    private final BiFunction<String, byte[], CompletableFuture<Void>> publisher;
    private final Clock clock;
    private final byte[] adminPage;
    private final byte[] lobbyPage;
    private volatile AdminPaths paths;
    private volatile @Nullable PeerLinks peerLinks;

    /**
     * @param lobby     who waits
     * @param access    the bad attempts and the blocked addresses
     * @param publisher publishes a message as the node ({@code EmbeddedBroker#publish}, not retained)
     * @param clock     the wall clock
     * @param webRoot   the class-path folder of the web client ({@code webclient})
     * @throws UncheckedIOException if the web client's {@code admin.html} or {@code lobby.html} is missing
     */
    public AdminPages(final @NotNull Lobby lobby, final @NotNull AccessControl access,
                      final @NotNull BiFunction<String, byte[], CompletableFuture<Void>> publisher,
                      final @NotNull Clock clock, final @NotNull String webRoot) {
        this.lobby = Objects.requireNonNull(lobby, "lobby");
        this.access = Objects.requireNonNull(access, "access");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.adminPage = resource(webRoot + "/admin.html");
        this.lobbyPage = resource(webRoot + "/lobby.html");
        this.paths = new AdminPaths(lobby.config().admins());
    }

    private static byte[] resource(final String name) {
        try (InputStream in = AdminPages.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new UncheckedIOException(new IOException("the web client lacks " + name));
            }
            return in.readAllBytes();
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Shows the federation links on the super-admin's page (issue 11, operator view): each peer
     * node, its link state and since when, and the messages and payload bytes over the link each
     * way since the node started.
     */
    public void showPeerLinks(final @NotNull PeerLinks links) {
        this.peerLinks = Objects.requireNonNull(links, "links");
    }

    /** Puts a reloaded {@code lobby} section in force: old secret paths stop working at once. */
    public void update(final @NotNull NodeConfig.Lobby next) {
        paths = new AdminPaths(next.admins());
    }

    @Override
    public @Nullable RouteHandler find(final @NotNull String path) {
        final int slash = path.indexOf('/', 1);
        final String segment = slash < 0 ? path.substring(1) : path.substring(1, slash);
        final String rest = slash < 0 ? "" : path.substring(slash);
        final NodeConfig.Admin admin = paths.match(segment); // constant time, done for every request
        if (admin == null) {
            return path.equals("/") && lobby.config().home() ? this::lobbyHome : null;
        }
        return switch (rest) {
            case "" -> request -> page(request);
            case "/state.json" -> request -> state(request, admin);
            case "/call" -> request -> call(request, admin);
            default -> null; // anything else below a secret path is an unknown path like any other
        };
    }

    private WebResponse lobbyHome(final WebRequest request) {
        if (!request.isGetOrHead()) {
            return WebResponse.methodNotAllowed("GET, HEAD");
        }
        return WebResponse.of(200, "text/html; charset=utf-8", lobbyPage).withHeader("Cache-Control", "no-cache");
    }

    private WebResponse page(final WebRequest request) {
        if (!request.isGetOrHead()) {
            return secret(WebResponse.methodNotAllowed("GET, HEAD"));
        }
        return secret(WebResponse.of(200, "text/html; charset=utf-8", adminPage));
    }

    private static WebResponse secret(final WebResponse response) {
        return response.withHeader("Cache-Control", "no-store").withHeader("Referrer-Policy", "no-referrer")
                .withHeader("X-Robots-Tag", "noindex, nofollow");
    }

    private WebResponse state(final WebRequest request, final NodeConfig.Admin admin) {
        if (!request.isGetOrHead()) {
            return secret(WebResponse.methodNotAllowed("GET, HEAD"));
        }
        final Instant now = clock.instant();
        final ObjectNode root = JSON.createObjectNode();
        root.put("admin", admin.name());
        root.put("superAdmin", admin.superAdmin());
        root.put("now", now.toEpochMilli());
        final ArrayNode list = root.putArray("waiting");
        for (final Lobby.Waiting w : lobby.waitingFor(admin)) {
            final ObjectNode o = list.addObject();
            o.put("peer", w.peerId());
            o.put("name", w.name());
            o.put("ip", w.address() == null ? null : w.address().getHostAddress());
            o.put("country", w.country());
            o.put("since", w.since().toEpochMilli());
            o.put("waitedSeconds", Math.max(0, Duration.between(w.since(), now).toSeconds()));
            o.put("permitted", Lobby.permitted(admin, w.name()));
            o.put("called", w.calledBy() != null);
        }
        if (admin.superAdmin()) {
            final ArrayNode attempts = root.putArray("attempts");
            for (final AccessEvent e : access.events().snapshot()) {
                final ObjectNode o = attempts.addObject();
                o.put("time", e.time().toEpochMilli());
                o.put("kind", e.kind().label());
                o.put("ip", e.address() == null ? null : e.address().getHostAddress());
                o.put("country", e.country());
                o.put("detail", e.detail());
                o.put("count", e.count());
            }
            final ArrayNode blocked = root.putArray("blocked");
            for (final InetAddress a : access.blocker().blocked()) {
                blocked.add(a.getHostAddress());
            }
            final PeerLinks links = peerLinks;
            if (links != null) {
                final ArrayNode peers = root.putArray("peerLinks");
                for (final PeerLinks.Link link : links.links()) {
                    final PeerLinks.Traffic t = links.trafficOf(link.peer());
                    final ObjectNode o = peers.addObject();
                    o.put("peer", link.peer());
                    o.put("state", link.state().label());
                    o.put("since", link.since().toEpochMilli());
                    o.put("messagesIn", t.messagesIn());
                    o.put("bytesIn", t.bytesIn());
                    o.put("messagesOut", t.messagesOut());
                    o.put("bytesOut", t.bytesOut());
                }
            }
        }
        try {
            return secret(WebResponse.json(JSON.writeValueAsBytes(root)));
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private WebResponse call(final WebRequest request, final NodeConfig.Admin admin) {
        if (!request.method().equals("POST")) {
            return secret(WebResponse.methodNotAllowed("POST"));
        }
        final String type = request.header("content-type");
        if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            return secret(problem(415, "send the call as application/json"));
        }
        final JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (final IOException e) {
            return secret(problem(400, "the body is not JSON"));
        }
        final String peer = body == null ? null : text(body, "peer");
        final String caller = body == null ? null : text(body, "caller");
        if (!PeerIds.isValid(peer) || !PeerIds.isValid(caller)) {
            return secret(problem(400, "peer and caller must be peer ids (43 base64url characters)"));
        }
        final Lobby.Waiting w = lobby.waiting(peer);
        if (w == null || lobby.waitingFor(admin).stream().noneMatch(x -> x.peerId().equals(peer))) {
            return secret(problem(409, "nobody with that id is waiting for you"));
        }
        if (!Lobby.permitted(admin, w.name())) {
            return secret(problem(409, "'" + w.name() + "' is not on your permitted list"));
        }
        if (!lobby.presence().isConnected(caller)) {
            return secret(problem(409, "your page is not connected to the node"));
        }
        final ObjectNode m = JSON.createObjectNode();
        m.put("v", 1);
        m.put("type", "lobby-call");
        m.put("caller", caller);
        m.put("admin", admin.name());
        final byte[] payload;
        try {
            payload = JSON.writeValueAsBytes(m);
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
        publisher.apply(Topics.inbox(peer), payload).whenComplete((ok, error) -> {
            if (error != null) {
                LOG.warn("could not tell a requester about a call: {}", error.toString());
            }
        });
        lobby.called(peer, caller);
        return secret(WebResponse.json("{\"ok\":true}".getBytes(StandardCharsets.UTF_8)));
    }

    private static @Nullable String text(final JsonNode body, final String field) {
        final JsonNode n = body.get(field);
        return n != null && n.isTextual() ? n.asText() : null;
    }

    private static WebResponse problem(final int status, final String message) {
        final ObjectNode o = JSON.createObjectNode();
        o.put("error", message);
        try {
            return new WebResponse(status, "application/json", JSON.writeValueAsBytes(o), java.util.Map.of());
        } catch (final IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
