package dev.switchboard.node.federation;

import dev.switchboard.broker.PeerRole;
import dev.switchboard.broker.guard.PublishLimits;
import dev.switchboard.broker.spi.ForwardingSignalingInterceptor;
import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.node.identity.NodeKey;
import dev.switchboard.node.tls.TlsIdentity;
import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The node's federation: one {@link PeerLink} to each configured peer node, the {@link Bridge}
 * that checks and delivers what the links receive, and the checks of the federation listener
 * ({@link #clientTrust}: only configured peers' keys). {@link #update} applies a reloaded
 * {@code federation.peers} without a restart: removed peers' links close, added peers' links
 * start, a changed address restarts the link.
 *
 * <p>Thread-safe.
 */
public final class Federation implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Federation.class);
    /** First retry delay of a link; it doubles per failure up to {@link #MAX_DELAY}. */
    static final Duration INITIAL_DELAY = Duration.ofMillis(500);
    static final Duration MAX_DELAY = Duration.ofSeconds(30);
    private static final com.fasterxml.jackson.databind.json.JsonMapper JSON =
            com.fasterxml.jackson.databind.json.JsonMapper.builder().build();

    /** Where a checked message from a peer is published on this node. */
    @FunctionalInterface
    public interface Delivery {
        /**
         * @param topic      a room presence or inbox topic.
         * @param payload    the payload, as the signaling rules left it.
         * @param sender     the remote sender id the peer vouched for.
         * @param properties the bridge's user properties (origin node, hop count).
         */
        void deliver(@NotNull String topic, byte @NotNull [] payload, @NotNull String sender,
                     @NotNull Map<String, String> properties);
    }

    private final NodeKey key;
    private final TlsIdentity identity;
    private final PeerLinks links;
    private final Bridge bridge;
    private final ScheduledExecutorService scheduler;
    private final Map<String, PeerLink> active = new HashMap<>();
    private volatile Set<String> peerIds = Set.of();
    private boolean closed;

    /**
     * @param key       this node's key (its certificate is made from it).
     * @param hopLimit  how many links a bridged message may cross.
     * @param links     where link states and traffic are reported.
     * @param signaling the node's signaling rules, applied to every bridged message.
     * @param limits    a peer node's publish budget (a client's).
     * @param delivery  publishes a checked message on this node.
     */
    public Federation(final @NotNull NodeKey key, final int hopLimit, final @NotNull PeerLinks links,
                      final @NotNull SignalingInterceptor signaling, final @NotNull PublishLimits limits,
                      final @NotNull Delivery delivery) {
        this.key = Objects.requireNonNull(key, "key");
        this.identity = key.tlsIdentity();
        this.links = links;
        this.bridge = new Bridge(key.id(), hopLimit, signaling, delivery, limits, links);
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            final Thread t = new Thread(r, "federation-links");
            t.setDaemon(true);
            return t;
        });
    }

    /** @return the relay decision for offers and answers of other nodes' clients. */
    public dev.switchboard.node.relay.@NotNull PeerRelays peerRelays() {
        return bridge::decide;
    }

    /**
     * @param host  the address this node's relay is reached at ({@code relay.advertisedHost}).
     * @param first the relay's first port.
     * @param last  its last port.
     * @return the topic and payload of this node's relay announcement to its peers (publish retained).
     */
    public static @NotNull Map.Entry<String, byte[]> relayAnnouncement(final java.net.@NotNull InetAddress host,
                                                                       final int first, final int last) {
        return Map.entry(Bridge.RELAY_TOPIC, Bridge.announcement(host, first, last));
    }

    /**
     * The callee service across nodes ({@code docs/protocol.md} §5.3, "Across nodes"): this node
     * announces its own callees (registered, waiting or not, gone) to its peers through
     * {@code retained} (a retained publish on this node's broker, which the peers' links read) and
     * passes on what its peers announced, a caller here reaches the callees announced to it, and a
     * ring topic crosses a link only towards the callee's home.
     *
     * @param local    whether a callee id is registered on this node; thread-safe, non-blocking.
     * @param retained publishes a retained message on this node's broker; non-blocking.
     * @return what the callee rules consult.
     */
    public dev.switchboard.node.callee.@NotNull FederatedCallees callees(
            final java.util.function.@NotNull Predicate<String> local,
            final java.util.function.@NotNull BiConsumer<String, byte[]> retained) {
        bridge.localCallees(local);
        bridge.passCalleesOnWith(retained);
        return new dev.switchboard.node.callee.FederatedCallees() {
            @Override
            public dev.switchboard.node.callee.FederatedCallees.@org.jetbrains.annotations.Nullable Remote lookup(
                    final @NotNull String calleeId) {
                return bridge.remoteCallee(calleeId);
            }

            @Override
            public boolean servedBy(final @NotNull String peerId, final @NotNull String nodeId) {
                return bridge.isRemote(peerId) && nodeId.equals(bridge.originOf(peerId));
            }

            @Override
            public void waiting(final @NotNull String calleeId, final @NotNull String label, final boolean online) {
                bridge.ownCallee(calleeId, true);
                final com.fasterxml.jackson.databind.node.ObjectNode json = JSON.createObjectNode().put("online", online);
                if (online) {
                    json.put("label", label);
                }
                retained.accept(Bridge.calleeTopic(calleeId),
                        json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }

            @Override
            public void gone(final @NotNull String calleeId) {
                retained.accept(Bridge.calleeTopic(calleeId), new byte[0]);
                bridge.ownCallee(calleeId, false);
            }
        };
    }

    /** @return this node's TLS identity (certificate over the node key). */
    public @NotNull TlsIdentity identity() {
        return identity;
    }

    /** @return the federation listener's check of client certificates: configured peers only. */
    public @NotNull X509ExtendedTrustManager clientTrust() {
        return PeerTrust.acceptingPeers(() -> peerIds);
    }

    /**
     * Wraps the node's signaling interceptor so that the signaling rules see remote peers (heard
     * of over the links) as present, and the bridge learns who this node's own clients are.
     *
     * @param signaling the interceptor the broker would get.
     * @return the one to give the broker instead.
     */
    public @NotNull SignalingInterceptor wrap(final @NotNull SignalingInterceptor signaling) {
        return new ForwardingSignalingInterceptor(signaling) {
            @Override
            public void attach(final @NotNull Presence presence) {
                bridge.attach(presence);
                delegate().attach(bridge.presence(presence));
            }
        };
    }

    /**
     * @param trusted the configured trusted peers.
     * @param peers   the federation peers.
     * @return {@code trusted} with every federation peer as {@link PeerRole#FEDERATION}.
     */
    public static @NotNull Map<String, PeerRole> withPeers(final @NotNull Map<String, PeerRole> trusted,
                                                          final @NotNull Map<String, InetSocketAddress> peers) {
        final Map<String, PeerRole> out = new LinkedHashMap<>(trusted);
        for (final String id : peers.keySet()) {
            out.put(id, PeerRole.FEDERATION);
        }
        return out;
    }

    /**
     * Applies the configured peers: links to removed peers close, links to new peers start, a
     * changed address restarts its link.
     *
     * @param peers peer node id to federation listener address.
     */
    public synchronized void update(final @NotNull Map<String, InetSocketAddress> peers) {
        if (closed) {
            return;
        }
        peerIds = Set.copyOf(peers.keySet());
        for (final var it = active.entrySet().iterator(); it.hasNext(); ) {
            final Map.Entry<String, PeerLink> e = it.next();
            final InetSocketAddress now = peers.get(e.getKey());
            if (now == null || !now.equals(e.getValue().address())) {
                e.getValue().close();
                it.remove();
                bridge.forget(e.getKey());
                bridge.down(e.getKey());
                if (now == null) {
                    links.removed(e.getKey());
                }
            }
        }
        for (final Map.Entry<String, InetSocketAddress> e : peers.entrySet()) {
            if (!active.containsKey(e.getKey()) && !e.getKey().equals(key.id())) {
                final PeerLink link = new PeerLink(key.id(), e.getKey(), e.getValue(), clientContext(identity, e.getKey(),
                        e.getValue().getHostString() + ":" + e.getValue().getPort()), scheduler, links, bridge, INITIAL_DELAY, MAX_DELAY);
                active.put(e.getKey(), link);
                link.start();
            }
        }
    }

    /** @return connection attempts per peer so far (for tests and status). */
    public synchronized @NotNull Map<String, Long> attempts() {
        final Map<String, Long> out = new LinkedHashMap<>();
        active.forEach((id, link) -> out.put(id, link.attempts()));
        return out;
    }

    /**
     * @param identity this node's certificate and key (the client certificate).
     * @param peerId   the peer node id the server certificate must carry the key of.
     * @param where    the peer's address, for the log line of a mismatch.
     * @return a TLS 1.3 context for a link to that peer.
     */
    static @NotNull SSLContext clientContext(final @NotNull TlsIdentity identity, final @NotNull String peerId,
                                             final @NotNull String where) {
        try {
            final KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            final char[] password = new char[0];
            ks.setKeyEntry("node", identity.privateKey(), password,
                    identity.chain().toArray(new X509Certificate[0]));
            final KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            final SSLContext context = SSLContext.getInstance("TLSv1.3");
            context.init(kmf.getKeyManagers(), new TrustManager[] {PeerTrust.pinned(peerId, where)}, null);
            return context;
        } catch (final GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot set up TLS for the link to " + peerId, e);
        }
    }

    /** Closes every link. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            active.values().forEach(PeerLink::close);
            active.clear();
        }
        scheduler.shutdownNow();
        LOG.debug("federation stopped");
    }
}
