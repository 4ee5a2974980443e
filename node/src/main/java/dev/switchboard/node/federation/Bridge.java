package dev.switchboard.node.federation;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.switchboard.broker.guard.PublishLimits;
import dev.switchboard.broker.guard.PublishRateLimiter;
import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.broker.topic.Topics;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What a federation link receives from a peer node, checked and delivered on this node. For every
 * message, in this order (the first failing check drops it, counted per peer and reason):
 * <ol>
 *   <li>the topic is a room presence or inbox topic, or the ring topic of a callee registered on
 *       this node or whose home this node reaches over another link than this one
 *       ({@code call} and {@code hangup} only): node-internal topics (node info, admin,
 *       {@code $SYS}) never cross, and a ring topic crosses only towards the callee's home node;</li>
 *   <li>{@code sb-sender} is one valid peer id (the sender the peer node verified);</li>
 *   <li>{@value #ORIGIN} (default: the peer) is not this node, and {@value #HOPS} + 1 is within
 *       the hop limit;</li>
 *   <li>the sender is not a client of this node, and is served by the origin node: the first
 *       node a sender is seen from serves it until it has been quiet for {@link #SENDER_TTL}; a
 *       message claiming it from another origin is refused;</li>
 *   <li>(not a check) the route towards the origin node is learnt: the link its messages arrive
 *       over with the fewest hops, the smaller peer id on a tie ({@link #towards});</li>
 *   <li>it was not seen before: a bounded dedup cache ({@link #DEDUP_CAPACITY} entries,
 *       {@link #DEDUP_TTL}) of SHA-256 over origin, sender, topic and payload;</li>
 *   <li>an inbox message whose recipient is a client of another node that this node reaches over
 *       the very link the message came from is not taken ("off-path"): that side has it already,
 *       and this node is not on the way (it would only open relay sessions nobody uses);</li>
 *   <li>the peer's publish budget ({@link PublishRateLimiter}, the limits of a client);</li>
 *   <li>the node's signaling rules ({@link SignalingInterceptor#inspect}), exactly as for a message
 *       of a local client, told which link brought it ({@link SignalingMessage#viaNode}), so every
 *       node on the way relays the call: candidates are rewritten to this node's relay, whose far
 *       side is the relay of the neighbour the description came from ({@link #decide}).</li>
 * </ol>
 * It is then published on this node with the same sender, {@value #ORIGIN} and {@value #HOPS} + 1.
 * The remote senders seen this way, and the rooms they joined or left, make the
 * {@link #presence} that the signaling rules consult for peers that are not connected here.
 *
 * <p>Thread-safe.
 */
final class Bridge implements PeerLink.Receiver {

    private static final Logger LOG = LoggerFactory.getLogger(Bridge.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** User property: the node where the message entered the federation. */
    static final String ORIGIN = "sb-origin";
    /** User property: how many links it crossed. */
    static final String HOPS = "sb-hops";
    static final String SENDER = "sb-sender";
    /**
     * The node's relay announcement for its peer nodes (retained, published by the node, readable
     * by federation links only): {@code {"host":"<ip>","first":<port>,"last":<port>}}.
     */
    static final String RELAY_TOPIC = "sb/v1/fed/relay";

    /** A peer node's announced relay: its address and port range. */
    record AnnouncedRelay(@NotNull InetAddress host, int first, int last) {
        boolean contains(final @NotNull InetSocketAddress a) {
            return a.getAddress() != null && a.getAddress().equals(host) && a.getPort() >= first && a.getPort() <= last;
        }
    }

    private final Map<String, AnnouncedRelay> announced = new ConcurrentHashMap<>();

    /**
     * Prefix of a node's callee announcements (retained, published by the node, readable by
     * federation links only): {@code sb/v1/fed/callee/<base64url SHA-256 of the callee id>} with
     * {@code {"online":true,"label":"…"}} while a tab waits for the callee's calls on that node,
     * {@code {"online":false}} for a registered callee without one, an empty payload once it
     * expired; passed on by the nodes on the way with a path ({@link CalleeAnnouncements}). The
     * topic names the hash, so a peer node cannot list the callee ids (the caller URLs) of its
     * neighbour; it recognises one a caller page asks for.
     */
    static final String CALLEE_PREFIX = "sb/v1/fed/callee/";

    private final CalleeAnnouncements callees;
    private volatile java.util.function.Predicate<String> localCallee = id -> false;
    static final int DEDUP_CAPACITY = 16_384;
    static final Duration DEDUP_TTL = Duration.ofMinutes(2);
    static final Duration SENDER_TTL = Duration.ofMinutes(10);

    private final String selfId;
    private final int hopLimit;
    private final SignalingInterceptor signaling;
    private final Federation.Delivery delivery;
    private final PublishLimits limits;
    private volatile Presence local = Presence.UNKNOWN;
    private final Map<String, PublishRateLimiter> budgets = new ConcurrentHashMap<>();
    private final Map<String, Remote> remotes = new ConcurrentHashMap<>();
    private final LinkedHashMap<String, Long> seen = new LinkedHashMap<>();
    private final PeerLinks stats;

    /** The link towards a node: the peer its messages came over with the fewest hops. */
    private record Route(String via, int hops) {
        Route better(final Route fresh) {
            return fresh.hops < hops || fresh.hops == hops && fresh.via.compareTo(via) < 0 ? fresh : this;
        }
    }

    /** Origin node -> the link towards it; a route over a link that went down is forgotten. */
    private final Map<String, Route> routes = new ConcurrentHashMap<>();

    /** A remote sender: the node that serves it, when it was last heard of, the rooms it is in. */
    private static final class Remote {
        final String origin;
        volatile long lastNanos;
        final Set<String> rooms = ConcurrentHashMap.newKeySet();

        Remote(final String origin, final long now) {
            this.origin = origin;
            this.lastNanos = now;
        }
    }

    Bridge(final @NotNull String selfId, final int hopLimit, final @NotNull SignalingInterceptor signaling,
           final @NotNull Federation.Delivery delivery, final @NotNull PublishLimits limits, final @NotNull PeerLinks stats) {
        this.selfId = selfId;
        this.hopLimit = hopLimit;
        this.signaling = signaling;
        this.delivery = delivery;
        this.limits = limits;
        this.stats = stats;
        this.callees = new CalleeAnnouncements(selfId, hopLimit);
    }

    /** Takes the broker's view of this node's own clients. */
    void attach(final @NotNull Presence presence) {
        local = presence;
    }

    /** Forgets the budget of a removed peer. */
    void forget(final @NotNull String peerId) {
        budgets.remove(peerId);
    }

    @Override
    public void received(final @NotNull PeerLink link, final @NotNull String topic, final @NotNull MqttMessage message) {
        final List<UserProperty> props = message.getProperties() == null ? List.of()
                : message.getProperties().getUserProperties();
        receive(link.peerId(), topic, message.getPayload(), props);
    }

    @Override
    public void down(final @NotNull PeerLink link) {
        down(link.peerId());
    }

    /** The checks and delivery of one message from {@code peerId}; see the class comment. */
    void receive(final @NotNull String peerId, final @NotNull String topicName, final byte @NotNull [] payload,
                 final @NotNull List<UserProperty> props) {
        if (topicName.equals(RELAY_TOPIC)) {
            announce(peerId, payload);
            return;
        }
        if (topicName.startsWith(CALLEE_PREFIX)) {
            announceCallee(peerId, topicName.substring(CALLEE_PREFIX.length()), payload);
            return;
        }
        final Topic topic = Topics.parse(topicName) instanceof Topic.Valid v ? v.topic() : null;
        if (topic instanceof Topic.CalleeRing ring) {
            final String type = typeOf(payload);
            if (!"call".equals(type) && !"hangup".equals(type)) {
                refuse(peerId, "topic", "'" + Topics.shorten(String.valueOf(type)) + "' on a ring topic does not cross nodes");
                return;
            }
            if (!localCallee.test(ring.calleeId())) {
                final String towards = callees.towardsHome(hashOf(ring.calleeId()));
                if (towards == null || towards.equals(peerId)) {
                    // a call for a callee elsewhere: the nodes towards its home take it
                    stats.count(peerId, "not-bridged");
                    return;
                }
            }
        } else if (!(topic instanceof Topic.RoomPresence) && !(topic instanceof Topic.Inbox)) {
            refuse(peerId, "topic", "topic " + Topics.shorten(topicName) + " does not cross nodes");
            return;
        }
        final String sender = single(props, SENDER);
        if (!Topics.isValidId(sender)) {
            // the node's own notices (errors to its clients) carry sb-sender=node: they stay there
            stats.count(peerId, "not-bridged");
            return;
        }
        final String originProp = single(props, ORIGIN);
        final String origin = originProp == null ? peerId : originProp;
        final String hopsProp = single(props, HOPS);
        int hops = 0;
        if (hopsProp != null) {
            try {
                hops = Integer.parseInt(hopsProp);
            } catch (final NumberFormatException e) {
                hops = Integer.MAX_VALUE;
            }
        }
        if (!Topics.isValidId(origin) || hops < 0) {
            refuse(peerId, "malformed", "bad " + ORIGIN + " or " + HOPS);
            return;
        }
        if (origin.equals(selfId)) {
            stats.count(peerId, "loop");
            return;
        }
        if (hops >= hopLimit) {
            stats.count(peerId, "hop-limit");
            return;
        }
        if (local.isConnected(sender) || sender.equals(selfId)) {
            refuse(peerId, "sender", "claims sender " + sender + ", a client of this node");
            return;
        }
        final long now = System.nanoTime();
        final Remote remote = remotes.compute(sender, (id, r) ->
                r == null || (r.rooms.isEmpty() && now - r.lastNanos > SENDER_TTL.toNanos()) ? new Remote(origin, now) : r);
        if (!remote.origin.equals(origin)) {
            refuse(peerId, "sender", "claims sender " + sender + " from node " + origin + "; it is served by "
                    + remote.origin);
            return;
        }
        routes.merge(origin, new Route(peerId, hops), Route::better);
        if (!firstTime(origin, sender, topicName, payload, now)) {
            stats.count(peerId, "duplicate");
            return;
        }
        if (topic instanceof Topic.Inbox inbox && behind(inbox.peerId(), peerId)) {
            stats.count(peerId, "off-path");
            return;
        }
        final PublishRateLimiter budget = budgets.computeIfAbsent(peerId, p -> new PublishRateLimiter(limits, now));
        if (budget.check(now, payload.length) != PublishRateLimiter.Decision.ALLOW) {
            refuse(peerId, "rate-limited", "over the publish budget");
            return;
        }
        remote.lastNanos = now;
        track(remote, topic, payload);
        final Map<String, String> out = new LinkedHashMap<>();
        out.put(ORIGIN, origin);
        out.put(HOPS, Integer.toString(hops + 1));
        final SignalingMessage signal = new SignalingMessage(topic, sender, payload, peerId);
        try {
            signaling.inspect(signal).whenComplete((verdict, error) -> {
                if (error != null || verdict == null) {
                    refuse(peerId, "internal", "the signaling rules failed: " + error);
                } else if (verdict instanceof Verdict.Rewrite rewrite) {
                    deliver(peerId, topicName, rewrite.payload(), sender, out);
                } else if (verdict instanceof Verdict.Forward) {
                    deliver(peerId, topicName, payload, sender, out);
                } else if (verdict instanceof Verdict.Reject reject) {
                    stats.count(peerId, "rejected");
                    LOG.debug("federation: message from {} via {} rejected: {}", sender, peerId, reject.code());
                } else {
                    stats.count(peerId, "dropped");
                }
            });
        } catch (final RuntimeException e) {
            refuse(peerId, "internal", "the signaling rules failed: " + e);
        }
    }

    private void deliver(final String peerId, final String topic, final byte[] payload, final String sender,
                         final Map<String, String> properties) {
        try {
            delivery.deliver(topic, payload, sender, properties);
            stats.count(peerId, "delivered");
        } catch (final RuntimeException e) {
            refuse(peerId, "internal", "cannot deliver: " + e);
        }
    }

    /** A peer node's relay announcement, straight from its broker over the authenticated link. */
    private void announce(final String peerId, final byte[] payload) {
        try {
            final JsonNode json = JSON.readTree(payload);
            final String host = json.path("host").asText("");
            final int first = json.path("first").asInt(-1);
            final int last = json.path("last").asInt(-1);
            final InetAddress address = dev.switchboard.node.config.IpLiteral.parse(host);
            if (address == null || first < 1 || last > 65535 || first > last) {
                refuse(peerId, "malformed", "relay announcement " + Topics.shorten(new String(payload, StandardCharsets.UTF_8)));
                return;
            }
            final AnnouncedRelay relay = new AnnouncedRelay(address, first, last);
            if (!relay.equals(announced.put(peerId, relay))) {
                LOG.info("federation: peer {} relays at {} ports {}-{}", peerId, host, first, last);
            }
        } catch (final java.io.IOException | RuntimeException e) {
            refuse(peerId, "malformed", "relay announcement: " + e.getMessage());
        }
    }

    private static @Nullable String typeOf(final byte[] payload) {
        try {
            final JsonNode json = JSON.readTree(payload);
            return json == null ? null : json.path("type").asText(null);
        } catch (final java.io.IOException e) {
            return null;
        }
    }

    /** @param local whether a callee id is registered on this node (its ring topic may cross to here). */
    void localCallees(final java.util.function.@NotNull Predicate<String> local) {
        this.localCallee = local;
    }

    /** A callee announcement, straight from a peer's broker over the authenticated link. */
    private void announceCallee(final String peerId, final String hash, final byte[] payload) {
        switch (callees.announced(peerId, hash, payload)) {
            case TAKEN -> { }
            case LOOP -> stats.count(peerId, "loop");
            case MALFORMED -> refuse(peerId, "malformed", "callee announcement on " + Topics.shorten(CALLEE_PREFIX + hash));
            case OTHER_HOME -> refuse(peerId, "callee", "announces a callee on " + Topics.shorten(CALLEE_PREFIX + hash)
                    + " whose home is another node");
        }
    }

    /** @param retained publishes a retained message on this node's broker (passing announcements on); non-blocking. */
    void passCalleesOnWith(final java.util.function.@NotNull BiConsumer<String, byte[]> retained) {
        callees.passOnWith(retained);
    }

    /**
     * @param calleeId a callee registered on this node ({@code true}), or no longer ({@code false}).
     * @param own      whether it is.
     */
    void ownCallee(final @NotNull String calleeId, final boolean own) {
        callees.own(hashOf(calleeId), own);
    }

    /**
     * The link to {@code peerId} went down: what it announced counts as offline until it says it
     * again, and the routes over it are forgotten (the next message towards each node sets it).
     */
    void down(final @NotNull String peerId) {
        routes.values().removeIf(r -> r.via().equals(peerId));
        callees.down(peerId);
    }

    /** @return the announcement topic of {@code calleeId}: {@link #CALLEE_PREFIX} + base64url SHA-256 of it. */
    static @NotNull String calleeTopic(final @NotNull String calleeId) {
        return CALLEE_PREFIX + hashOf(calleeId);
    }

    /** @return base64url SHA-256 of the callee id's ASCII bytes. */
    static @NotNull String hashOf(final @NotNull String calleeId) {
        try {
            return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                    MessageDigest.getInstance("SHA-256").digest(calleeId.getBytes(StandardCharsets.US_ASCII)));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
    }

    /** @return the callee as the links announced it, or null. */
    dev.switchboard.node.callee.FederatedCallees.@Nullable Remote remoteCallee(final @NotNull String calleeId) {
        final CalleeAnnouncements.View v = callees.view(hashOf(calleeId));
        return v == null ? null : new dev.switchboard.node.callee.FederatedCallees.Remote(v.home(), v.label(), v.online());
    }

    /**
     * @param host     the address this node's relay is reached at.
     * @param first    its first port.
     * @param last     its last port.
     * @return the announcement to publish retained on {@link #RELAY_TOPIC}.
     */
    static byte @NotNull [] announcement(final @NotNull InetAddress host, final int first, final int last) {
        return ("{\"host\":\"" + host.getHostAddress() + "\",\"first\":" + first + ",\"last\":" + last + "}")
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The relay decision for an offer or answer (see {@link dev.switchboard.node.relay.PeerRelays}),
     * per hop: a description a link brought must come over the link this node routes the sender's
     * traffic through ({@link #towards} the node serving the sender; a copy over any other link is
     * refused, so that offer and answer cross the same nodes), and every candidate of its SDP must
     * be on the relay that the neighbour at the other end of that link announced.
     *
     * @param senderId the description's verified sender.
     * @param viaNode  the peer whose link brought it, or null for a client of this node.
     * @param sdp      its parsed SDP.
     * @return {@link dev.switchboard.node.relay.PeerRelays.Decision#LOCAL} when {@code viaNode} is
     *     null, else the neighbour's relay address or a refusal naming the reason.
     */
    dev.switchboard.node.relay.PeerRelays.@NotNull Decision decide(final @NotNull String senderId,
                                                                final @Nullable String viaNode,
                                                                final dev.switchboard.node.sdp.@NotNull Sdp sdp) {
        if (viaNode == null) {
            return dev.switchboard.node.relay.PeerRelays.Decision.LOCAL;
        }
        final String origin = originOf(senderId);
        final String route = origin == null ? null : towards(origin);
        if (!viaNode.equals(route)) {
            return new dev.switchboard.node.relay.PeerRelays.Decision(null, "a description of " + senderId
                    + " came over the link to " + viaNode + ", but this node reaches its node " + origin
                    + " over " + (route == null ? "no link" : "the link to " + route));
        }
        final AnnouncedRelay relay = announced.get(viaNode);
        if (relay == null) {
            return new dev.switchboard.node.relay.PeerRelays.Decision(null,
                    "node " + viaNode + " that passed on " + senderId + "'s description has announced no relay to this node");
        }
        InetSocketAddress far = null;
        for (final dev.switchboard.node.sdp.MediaSection m : sdp.mediaSections()) {
            for (final dev.switchboard.node.sdp.IceCandidate c : m.candidates()) {
                final InetAddress a = dev.switchboard.node.config.IpLiteral.parse(c.address());
                final InetSocketAddress at = a == null ? null : new InetSocketAddress(a, c.port());
                if (at == null || !relay.contains(at) || (far != null && !far.equals(at))) {
                    return new dev.switchboard.node.relay.PeerRelays.Decision(null, "a candidate of " + senderId
                            + " is not on the relay node " + viaNode + " announced");
                }
                far = at;
            }
        }
        if (far == null) {
            return new dev.switchboard.node.relay.PeerRelays.Decision(null,
                    "the description of " + senderId + " names no relay candidate of node " + viaNode);
        }
        return new dev.switchboard.node.relay.PeerRelays.Decision(far, null);
    }

    /** Remote room membership from presence messages (join in, leave out) and hellos (in). */
    private static void track(final Remote remote, final Topic topic, final byte[] payload) {
        final JsonNode json;
        try {
            json = JSON.readTree(payload);
        } catch (final java.io.IOException e) {
            return;
        }
        if (json == null) {
            return;
        }
        final String type = json.path("type").asText("");
        if (topic instanceof Topic.RoomPresence presence) {
            if (type.equals("leave")) {
                remote.rooms.remove(presence.roomId());
            } else {
                remote.rooms.add(presence.roomId());
            }
        } else if (type.equals("hello") && Topics.isValidId(json.path("room").asText(null))) {
            remote.rooms.add(json.path("room").asText());
        }
    }

    private boolean firstTime(final String origin, final String sender, final String topic, final byte[] payload,
                              final long now) {
        final String key;
        try {
            final MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(origin.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(sender.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(topic.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(payload);
            key = java.util.Base64.getEncoder().encodeToString(sha.digest());
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException(e); // every JDK has SHA-256
        }
        synchronized (seen) {
            final var it = seen.entrySet().iterator();
            while (it.hasNext()) {
                final Map.Entry<String, Long> oldest = it.next();
                if (seen.size() < DEDUP_CAPACITY && now - oldest.getValue() < DEDUP_TTL.toNanos()) {
                    break;
                }
                it.remove();
            }
            return seen.putIfAbsent(key, now) == null;
        }
    }

    private void refuse(final String peerId, final String reason, final String detail) {
        if (stats.count(peerId, "refused-" + reason) == 1) {
            LOG.warn("federation: refused a message from peer {}: {} (further refusals of this kind are counted only)",
                    peerId, detail);
        } else {
            LOG.debug("federation: refused a message from peer {}: {}", peerId, detail);
        }
    }

    private static @Nullable String single(final List<UserProperty> props, final String name) {
        String found = null;
        for (final UserProperty p : props) {
            if (p.getKey().equals(name)) {
                if (found != null) {
                    return null;
                }
                found = p.getValue();
            }
        }
        return found;
    }

    /**
     * @return the presence the signaling rules see: this node's clients, and the remote senders
     *     heard of over the links (connected while in a room or heard of within {@link #SENDER_TTL}).
     */
    @NotNull Presence presence(final @NotNull Presence ownClients) {
        return new Presence() {
            @Override
            public boolean isConnected(final @NotNull String peerId) {
                if (ownClients.isConnected(peerId)) {
                    return true;
                }
                final Remote r = remotes.get(peerId);
                return r != null && (!r.rooms.isEmpty() || System.nanoTime() - r.lastNanos < SENDER_TTL.toNanos());
            }

            @Override
            public boolean isInRoom(final @NotNull String peerId, final @NotNull String roomId) {
                if (ownClients.isInRoom(peerId, roomId)) {
                    return true;
                }
                final Remote r = remotes.get(peerId);
                return r != null && r.rooms.contains(roomId);
            }

            @Override
            public @Nullable InetAddress addressOf(final @NotNull String peerId) {
                return ownClients.addressOf(peerId);
            }
        };
    }

    /** @return whether {@code peerId} is a remote sender (served by another node). */
    boolean isRemote(final @NotNull String peerId) {
        return remotes.containsKey(peerId) && !local.isConnected(peerId);
    }

    /**
     * @param nodeId another node.
     * @return the peer whose link this node reaches {@code nodeId} over (the one its messages came
     *     over with the fewest hops, the smaller id on a tie), or null when none came since the
     *     link they came over went down.
     */
    @Nullable String towards(final @NotNull String nodeId) {
        final Route r = routes.get(nodeId);
        return r == null ? null : r.via();
    }

    /** @return whether {@code recipient} is another node's client that this node reaches over {@code peerId}'s link. */
    private boolean behind(final String recipient, final String peerId) {
        if (local.isConnected(recipient)) {
            return false;
        }
        final String origin = originOf(recipient);
        return origin != null && peerId.equals(towards(origin));
    }

    /** @return the node serving remote sender {@code peerId}, or null. */
    @Nullable String originOf(final @NotNull String peerId) {
        final Remote r = remotes.get(peerId);
        return r == null ? null : r.origin;
    }

    /** @return remote senders known now (for tests and status). */
    int remoteSenders() {
        return remotes.size();
    }

    /** @return a copy of the remote senders' ids (for tests). */
    List<String> remoteIds() {
        return new ArrayList<>(remotes.keySet());
    }
}
