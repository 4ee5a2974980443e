package dev.switchboard.node.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.broker.topic.Topics;
import dev.switchboard.node.callee.CalleeRegistration;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BiConsumer;

/**
 * Callee announcements across any number of links ({@code docs/protocol.md} §5.3, "Across
 * nodes"), by the hash of the callee id (the topic {@link Bridge#CALLEE_PREFIX}{@code <hash>}):
 * what each link announced, the view this node takes of each callee, and what it passes on.
 *
 * <p>An announcement's payload is {@code {"online":<bool>,"label":"…","path":["<home>",…,"<node>"]}}:
 * {@code label} only while online; {@code path} lists the nodes it crossed, from the callee's home
 * to the node that published it, and is left out by the home itself (then the path is the link's
 * peer alone). An empty payload says the callee no longer exists (it expired). Per callee:
 * <ul>
 *   <li>the first home announced for a hash keeps it; an announcement naming another home, or
 *       one of a callee registered on this node, is refused;</li>
 *   <li>an announcement whose path holds this node (it went round) replaces nothing but ends what
 *       that link said before (its way to the home now runs through this node), one whose path is
 *       not {@code hopLimit} nodes long or less, or does not end at the link's peer, is refused:
 *       with the path, no announcement can circle or outlive its source (a path vector, not a
 *       distance that could count up);</li>
 *   <li>the view is the announcement of the link that is up with the shortest path (the smaller
 *       peer id on a tie); with no such link, the callee is offline. That link is the way
 *       towards the home for the callee's ring topic ({@link #towardsHome});</li>
 *   <li>a changed view is passed on, retained on this node's broker, with this node added to the
 *       path, while the path stays within {@code hopLimit}; a callee with no announcement left is
 *       passed on as an empty payload.</li>
 * </ul>
 * The topics name hashes, so no node can list the callee ids (the caller URLs) of another; it
 * recognises one a caller page asks about.
 *
 * <p>Thread-safe: every method takes one lock (announcements are rare; lookups are map reads).
 * The publisher is called under that lock, so what this node passes on about one callee never
 * overtakes itself; it must not block.
 */
final class CalleeAnnouncements {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** What one link said about a callee. */
    private record News(String home, String label, boolean online, List<String> path, boolean linkUp) {
    }

    /** This node's view of a remote callee: its home, label, state and the link towards its home. */
    record View(@NotNull String home, @NotNull String label, boolean online, @Nullable String via,
                @NotNull List<String> path) {
    }

    /** The outcome of one announcement, for the link's counters. */
    enum Outcome {
        /** Taken. */
        TAKEN,
        /** The path holds this node: it went round; dropped quietly. */
        LOOP,
        /** Malformed: bad JSON, state, label or path. */
        MALFORMED,
        /** Names another home than the first announced for this callee. */
        OTHER_HOME
    }

    private final String selfId;
    private final int hopLimit;
    private final Object lock = new Object();
    /** hash -> link peer id -> its latest announcement. */
    private final Map<String, Map<String, News>> news = new HashMap<>();
    /** hash -> the first home announced for it. */
    private final Map<String, String> homes = new HashMap<>();
    /** hash -> the payload this node passed on last. */
    private final Map<String, String> passedOn = new HashMap<>();
    /** Hashes of the callees registered on this node: it alone announces them, on the same topics. */
    private final java.util.Set<String> own = new HashSet<>();
    private volatile BiConsumer<String, byte[]> publisher = (topic, payload) -> { };

    /**
     * @param selfId   this node's id.
     * @param hopLimit the most nodes a path may hold (the links an announcement may cross).
     */
    CalleeAnnouncements(final @NotNull String selfId, final int hopLimit) {
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.hopLimit = hopLimit;
    }

    /** @param retained publishes a retained message on this node's broker; non-blocking. */
    void passOnWith(final @NotNull BiConsumer<String, byte[]> retained) {
        this.publisher = Objects.requireNonNull(retained, "retained");
    }

    /**
     * @param hash a callee id's hash.
     * @param mine whether the callee is registered on this node (then no other node's
     *             announcement of it is taken or passed on) or no longer is.
     */
    void own(final @NotNull String hash, final boolean mine) {
        synchronized (lock) {
            if (!mine) {
                own.remove(hash);
            } else if (own.add(hash)) {
                news.remove(hash);
                homes.remove(hash);
                passedOn.remove(hash); // the topic is this node's own announcement now
            }
        }
    }

    /**
     * @param peerId  the link's peer.
     * @param hash    the topic's last level (checked here).
     * @param payload the announcement (untrusted).
     * @return what became of it; never throws for any payload.
     */
    @NotNull Outcome announced(final @NotNull String peerId, final @NotNull String hash, final byte @NotNull [] payload) {
        if (!Topics.isValidId(hash)) {
            return Outcome.MALFORMED;
        }
        if (payload.length == 0) {
            synchronized (lock) {
                if (own.contains(hash)) {
                    return Outcome.OTHER_HOME;
                }
                final Map<String, News> byLink = news.get(hash);
                if (byLink != null && byLink.remove(peerId) != null) {
                    changed(hash);
                }
            }
            return Outcome.TAKEN;
        }
        final JsonNode json;
        try {
            json = JSON.readTree(payload);
        } catch (final java.io.IOException e) {
            return Outcome.MALFORMED;
        }
        final JsonNode online = json == null ? null : json.get("online");
        final String label = json == null ? "" : json.path("label").asText("");
        if (online == null || !online.isBoolean() || label.length() > CalleeRegistration.MAX_LABEL) {
            return Outcome.MALFORMED;
        }
        final List<String> path = new ArrayList<>();
        final JsonNode p = json.get("path");
        if (p == null) {
            path.add(peerId);
        } else {
            if (!p.isArray() || p.isEmpty() || p.size() > hopLimit) {
                return Outcome.MALFORMED;
            }
            for (final JsonNode n : p) {
                if (!n.isTextual() || !Topics.isValidId(n.asText()) || path.contains(n.asText())) {
                    return Outcome.MALFORMED;
                }
                path.add(n.asText());
            }
            if (!path.get(path.size() - 1).equals(peerId)) {
                return Outcome.MALFORMED;
            }
        }
        if (path.contains(selfId)) {
            synchronized (lock) {
                // that link's way to the home now runs through this node: it offers no way of its own
                final Map<String, News> byLink = news.get(hash);
                if (byLink != null && byLink.remove(peerId) != null) {
                    changed(hash);
                }
            }
            return Outcome.LOOP;
        }
        final String home = path.get(0);
        synchronized (lock) {
            if (own.contains(hash)) {
                return Outcome.OTHER_HOME;
            }
            final String first = homes.putIfAbsent(hash, home);
            if (first != null && !first.equals(home)) {
                return Outcome.OTHER_HOME;
            }
            news.computeIfAbsent(hash, h -> new HashMap<>()).put(peerId,
                    new News(home, online.booleanValue() ? label : "", online.booleanValue(), List.copyOf(path), true));
            changed(hash);
        }
        return Outcome.TAKEN;
    }

    /** The link to {@code peerId} is down: what it said counts as offline until it says it again. */
    void down(final @NotNull String peerId) {
        synchronized (lock) {
            for (final String hash : new ArrayList<>(news.keySet())) {
                final News n = news.get(hash).get(peerId);
                if (n != null && n.linkUp()) {
                    news.get(hash).put(peerId, new News(n.home(), n.label(), n.online(), n.path(), false));
                    changed(hash);
                }
            }
        }
    }

    /**
     * @param hash a callee id's hash.
     * @return this node's view of that callee, or null when no link announced it.
     */
    @Nullable View view(final @NotNull String hash) {
        synchronized (lock) {
            return viewOf(hash);
        }
    }

    /**
     * @param hash a callee id's hash.
     * @return the peer whose link leads towards the callee's home, or null when no link that is up
     *     announced it.
     */
    @Nullable String towardsHome(final @NotNull String hash) {
        final View v = view(hash);
        return v == null ? null : v.via();
    }

    private @Nullable View viewOf(final String hash) {
        final Map<String, News> byLink = news.get(hash);
        if (byLink == null || byLink.isEmpty()) {
            return null;
        }
        String bestLink = null;
        News best = null;
        for (final Map.Entry<String, News> e : byLink.entrySet()) {
            final News n = e.getValue();
            if (n.linkUp() && (best == null || n.path().size() < best.path().size()
                    || n.path().size() == best.path().size() && e.getKey().compareTo(bestLink) < 0)) {
                best = n;
                bestLink = e.getKey();
            }
        }
        if (best == null) {
            final News any = byLink.values().iterator().next();
            return new View(any.home(), "", false, null, any.path());
        }
        return new View(best.home(), best.label(), best.online(), bestLink, best.path());
    }

    /** Under the lock: passes on the callee's changed view (or its end). */
    private void changed(final String hash) {
        final View v = viewOf(hash);
        final String topic = Bridge.CALLEE_PREFIX + hash;
        if (v == null) {
            news.remove(hash);
            homes.remove(hash);
            if (passedOn.remove(hash) != null) {
                publisher.accept(topic, new byte[0]);
            }
            return;
        }
        if (v.path().size() >= hopLimit) {
            if (passedOn.remove(hash) != null) {
                publisher.accept(topic, new byte[0]); // no longer within reach of the hop limit
            }
            return;
        }
        final ObjectNode out = JSON.createObjectNode().put("online", v.online());
        if (v.online() && !v.label().isEmpty()) {
            out.put("label", v.label());
        }
        final ArrayNode path = out.putArray("path");
        v.path().forEach(path::add);
        path.add(selfId);
        final String payload = out.toString();
        if (!payload.equals(passedOn.put(hash, payload))) {
            publisher.accept(topic, payload.getBytes(StandardCharsets.UTF_8));
        }
    }

    /** @return how many callees some link announced (for tests). */
    int size() {
        synchronized (lock) {
            return new HashSet<>(news.keySet()).size();
        }
    }
}
