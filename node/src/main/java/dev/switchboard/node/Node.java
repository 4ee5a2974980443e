package dev.switchboard.node;

import dev.switchboard.broker.BrokerSettings;
import dev.switchboard.broker.EmbeddedBroker;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.topic.Topics;
import dev.switchboard.node.callee.CalleeRegistration;
import dev.switchboard.node.callee.CalleeRegistry;
import dev.switchboard.node.callee.CalleeStore;
import dev.switchboard.node.access.AccessControl;
import dev.switchboard.node.access.AdminPaths;
import dev.switchboard.node.lobby.AdminPages;
import dev.switchboard.node.lobby.Lobby;
import dev.switchboard.node.config.BrokerSettingsMapping;
import dev.switchboard.node.config.ConfigReloader;
import dev.switchboard.node.config.ConfigWatcher;
import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.config.RuntimeSettings;
import dev.switchboard.node.config.RuntimeSettingsHolder;
import dev.switchboard.node.callee.FederatedCallees;
import dev.switchboard.node.federation.Federation;
import dev.switchboard.node.federation.PeerLinks;
import dev.switchboard.node.identity.NodeKey;
import dev.switchboard.node.info.NodeInfo;
import dev.switchboard.node.metrics.MonitoringServer;
import dev.switchboard.node.metrics.NodeMetrics;
import dev.switchboard.node.metrics.NodeStatus;
import dev.switchboard.node.metrics.Readiness;
import dev.switchboard.node.relay.RelayHolders;
import dev.switchboard.node.relay.RelayTotals;
import dev.switchboard.node.relay.ProvenAddresses;
import dev.switchboard.node.relay.udp.UdpRelay;
import dev.switchboard.node.sdp.SdpLimits;
import dev.switchboard.node.sdp.SdpParser;
import dev.switchboard.node.signaling.MessageValidator;
import dev.switchboard.node.signaling.SignalingService;
import dev.switchboard.node.stun.StunServer;
import dev.switchboard.node.tls.CertificateNames;
import dev.switchboard.node.tls.CertificateStore;
import dev.switchboard.node.tls.PemFiles;
import dev.switchboard.node.tls.Pkcs12Keystore;
import dev.switchboard.node.tls.TlsIdentity;
import dev.switchboard.node.web.WebRequest;
import dev.switchboard.node.web.WebGate;
import dev.switchboard.node.web.WebResponse;
import dev.switchboard.node.web.WebServer;
import dev.switchboard.node.web.WebServerSettings;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * One running Switchboard node: the STUN service, the UDP relay, the signaling service, the
 * embedded broker and the web server, started in that order from one {@link NodeConfig} and
 * stopped in reverse by {@link #close()}. It only wires: the parts take their configuration
 * sections, the node-information document is {@link NodeInfo}, the certificate's names are
 * {@link CertificateNames}, and the run-time settings are re-read by a {@link ConfigReloader}
 * when the configuration file changes or on {@code SIGHUP}. The monitoring endpoint
 * ({@link MonitoringServer}: metrics, health, status) starts first, so {@code /readyz} answers
 * 503 until every part serves.
 *
 * <p>Thread-safe. Only one node per JVM at a time (the embedded broker's limit).
 */
public final class Node implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Node.class);

    /** How long an address answered by the STUN service counts as proven for the relay. */
    static final Duration STUN_PROOF_WINDOW = Duration.ofMinutes(2);
    /** Most addresses remembered as proven by STUN at once. */
    static final int STUN_PROOF_CAPACITY = 16_384;
    /** The configuration file must be quiet this long before a change is reloaded. */
    static final Duration CONFIG_DEBOUNCE = Duration.ofMillis(300);
    /** The federation listener's keystore (node certificate and key), in the TLS directory. */
    static final String FEDERATION_KEYSTORE = "federation-keystore.p12";

    private final NodeConfig config;
    private final RuntimeSettingsHolder runtime;
    private final @Nullable ConfigReloader reloader;
    private final boolean reloadsOnHangup;
    private final NodeKey key;
    private final @Nullable TlsIdentity tls;
    private final StunServer stun;
    private final UdpRelay relay;
    private final EmbeddedBroker broker;
    private final WebServer web;
    private final @Nullable MonitoringServer monitoring;
    private final PeerLinks peerLinks;
    private final AccessControl access;
    private final Deque<AutoCloseable> started;
    private boolean closed;

    private Node(final NodeConfig config, final RuntimeSettingsHolder runtime, final @Nullable ConfigReloader reloader,
                 final boolean reloadsOnHangup, final NodeKey key, final @Nullable TlsIdentity tls,
                 final StunServer stun, final UdpRelay relay, final EmbeddedBroker broker, final WebServer web,
                 final @Nullable MonitoringServer monitoring, final PeerLinks peerLinks,
                 final AccessControl access, final Deque<AutoCloseable> started) {
        this.access = access;
        this.config = config;
        this.runtime = runtime;
        this.reloader = reloader;
        this.reloadsOnHangup = reloadsOnHangup;
        this.key = key;
        this.tls = tls;
        this.stun = stun;
        this.relay = relay;
        this.broker = broker;
        this.web = web;
        this.monitoring = monitoring;
        this.peerLinks = peerLinks;
        this.started = started;
    }

    /**
     * Extension points for embedding and tests.
     *
     * @param interceptorDecorator wraps the node's signaling interceptor before the broker gets it;
     *                             identity by default. Tests use it to play a malicious node.
     * @param configFile           the file the configuration came from: the node watches it and
     *                             re-reads it on {@code SIGHUP} (see {@link #reloadConfiguration()});
     *                             {@code null} (the default) for no reloading.
     * @param clock                the time source of the callee service's expiry; the system clock
     *                             by default, a movable one in tests.
     * @param countryAddress       maps a client's source address to the address looked up in the
     *                             country database; identity by default. Tests map loopback
     *                             addresses to addresses the test database places (a test-only seam).
     */
    public record Options(@NotNull UnaryOperator<SignalingInterceptor> interceptorDecorator,
                          @Nullable Path configFile, @NotNull Clock clock,
                          @NotNull UnaryOperator<InetAddress> countryAddress) {
        public Options {
            Objects.requireNonNull(interceptorDecorator, "interceptorDecorator");
            Objects.requireNonNull(clock, "clock");
            Objects.requireNonNull(countryAddress, "countryAddress");
        }

        /** @param interceptorDecorator see the record components; no configuration file. */
        public Options(final @NotNull UnaryOperator<SignalingInterceptor> interceptorDecorator) {
            this(interceptorDecorator, null, Clock.systemUTC());
        }

        /** See the record components; no country seam. */
        public Options(final @NotNull UnaryOperator<SignalingInterceptor> interceptorDecorator,
                       final @Nullable Path configFile, final @NotNull Clock clock) {
            this(interceptorDecorator, configFile, clock, UnaryOperator.identity());
        }

        /** @return no decoration, no configuration file. */
        public static @NotNull Options defaults() {
            return new Options(UnaryOperator.identity(), null, Clock.systemUTC());
        }

        /** @return these options with the configuration file to watch and reload. */
        public @NotNull Options withConfigFile(final @Nullable Path file) {
            return new Options(interceptorDecorator, file, clock, countryAddress);
        }

        /** @return these options with the test seam for country look-ups (see the components). */
        public @NotNull Options withCountryAddress(final @NotNull UnaryOperator<InetAddress> map) {
            return new Options(interceptorDecorator, configFile, clock, map);
        }

        /** @return these options with another clock for the callee service. */
        public @NotNull Options withClock(final @NotNull Clock clock) {
            return new Options(interceptorDecorator, configFile, clock, countryAddress);
        }
    }

    /**
     * {@code GET callee.json?id=<calleeId>}: what a caller page shows before calling
     * ({@code docs/protocol.md} §5.3): the pair's label and the ring timeout, or 404 with
     * {@code unknown-callee} for a pair that does not exist or expired. A pair whose home is a peer
     * node counts as existing when that node announced it (§5.3, "Across nodes"). A map lookup;
     * never blocks.
     */
    private static WebResponse calleeInfo(final WebRequest request, final CalleeRegistry callees,
                                          final FederatedCallees elsewhere, final NodeConfig.Callee settings) {
        if (!request.isGetOrHead()) {
            return WebResponse.methodNotAllowed("GET, HEAD");
        }
        String id = null;
        for (final String part : request.query().split("&")) {
            if (part.startsWith("id=")) {
                id = part.substring(3);
            }
        }
        final CalleeRegistration r = id == null || !Topics.isValidId(id) ? null : callees.lookup(id);
        final com.fasterxml.jackson.databind.node.ObjectNode json =
                com.fasterxml.jackson.databind.json.JsonMapper.builder().build().createObjectNode().put("v", 1);
        final FederatedCallees.Remote remote = r != null || id == null || !Topics.isValidId(id) ? null
                : elsewhere.lookup(id);
        if (remote != null) {
            json.put("id", id).put("label", remote.label()).put("ringTimeoutSeconds", settings.ringTimeout().toSeconds());
            return WebResponse.json(json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        if (r == null) {
            json.put("error", "unknown-callee").put("message", "this caller URL does not exist or has expired");
            return WebResponse.of(404, "application/json", json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        json.put("id", r.calleeId());
        if (!r.label().isEmpty()) {
            json.put("label", r.label()); // a pair without a label has no label field (docs/protocol.md §5.3)
        }
        json.put("ringTimeoutSeconds", settings.ringTimeout().toSeconds());
        return WebResponse.json(json.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /**
     * Starts a node. On failure, whatever had started is stopped again before the exception
     * propagates.
     *
     * @param config  the validated configuration.
     * @param options extension points.
     * @return the running node.
     * @throws Exception if a part cannot start: a port in use, an unreadable certificate or key,
     *                   an unwritable data directory. The message says which.
     */
    public static @NotNull Node start(final @NotNull NodeConfig config, final @NotNull Options options)
            throws Exception {
        final Deque<AutoCloseable> started = new ArrayDeque<>();
        final long startMillis = System.currentTimeMillis();
        try {
            final Readiness readiness = new Readiness(List.of("broker", "stun", "relay", "web"));
            final AtomicReference<Supplier<NodeStatus>> status = new AtomicReference<>(() -> null);
            final PeerLinks peerLinks = new PeerLinks();

            Files.createDirectories(config.dataDir());
            final NodeKey key = NodeKey.loadOrCreate(config.dataDir());

            TlsIdentity tls = null;
            Pkcs12Keystore keystore = null;
            if (config.web().tls()) {
                final CertificateNames names = CertificateNames.of(config);
                tls = config.web().certificate() != null
                        ? PemFiles.load(config.web().certificate(), Objects.requireNonNull(config.web().privateKey()))
                        : CertificateStore.loadOrCreateSelfSigned(config.dataDir(), names.dnsNames(), names.ipAddresses());
                keystore = CertificateStore.writeBrokerKeystore(config.dataDir(), tls);
            }

            if (!config.web().tls() && !config.web().bind().isLoopbackAddress()) {
                LOG.warn("web.tls is false and the web server listens on {}: browsers on other machines get no "
                        + "secure context (no keys, camera or microphone) and traffic is readable on the network",
                        config.web().bind().getHostAddress());
            }
            warnAboutUnreachableParts(config);
            final AccessControl access = new AccessControl(config.access(), options.countryAddress(), System::nanoTime,
                    Clock.systemUTC());
            final ProvenAddresses proven = new ProvenAddresses(STUN_PROOF_WINDOW, STUN_PROOF_CAPACITY);
            final UdpRelay relay = new UdpRelay(config.relay(), proven);
            started.push(relay);
            readiness.register("relay", relay::isServing);

            final CalleeStore calleeStore = CalleeStore.open(config.dataDir().resolve("callees"));
            started.push(calleeStore);
            final long loadStart = System.nanoTime();
            final CalleeRegistry callees = new CalleeRegistry(calleeStore, options.clock(), config.callee().expiry());
            LOG.info("{} callee pair(s) loaded in {} ms", callees.size(), (System.nanoTime() - loadStart) / 1_000_000);
            // Expired pairs go on their own, not only when someone looks them up.
            final java.util.concurrent.ScheduledExecutorService sweeper =
                    java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                        final Thread t = new Thread(r, "callee-sweeper");
                        t.setDaemon(true);
                        return t;
                    });
            sweeper.scheduleWithFixedDelay(callees::sweep, 1, 60, java.util.concurrent.TimeUnit.MINUTES);
            started.push(sweeper::shutdownNow);
            final Lobby lobby = new Lobby(key.id(), config.lobby(), access, Clock.systemUTC());
            final int maxSdp = config.limits().maxSdpBytes();
            final SignalingService signaling = new SignalingService(new MessageValidator(maxSdp),
                    new SdpParser(new SdpLimits(maxSdp, SdpLimits.DEFAULT_MAX_LINES, SdpLimits.DEFAULT_MAX_MEDIA_SECTIONS)),
                    relay, callees, options.clock(), lobby);
            final AtomicReference<EmbeddedBroker> brokerRef = new AtomicReference<>();
            Federation federation = null;
            BrokerSettings.Federation brokerFederation = null;
            if (config.federation().enabled()) {
                federation = new Federation(key, config.federation().hopLimit(), peerLinks, signaling,
                        config.limits().publish(), (topic, payload, sender, properties) ->
                        brokerRef.get().publishBridged(topic, payload, sender, properties));
                final Pkcs12Keystore fedKeystore = federation.identity().writePkcs12(
                        config.dataDir().resolve(CertificateStore.DIRECTORY).resolve(FEDERATION_KEYSTORE));
                brokerFederation = new BrokerSettings.Federation(config.federation().bind(), config.federation().port(),
                        new BrokerSettings.Tls(fedKeystore.path(), fedKeystore.password()), federation.clientTrust(),
                        peerLinks::sent);
            }
            final SignalingInterceptor interceptor = options.interceptorDecorator()
                    .apply(federation == null ? signaling : federation.wrap(signaling));

            final BrokerSettings.Tls brokerTls = keystore == null ? null
                    : new BrokerSettings.Tls(keystore.path(), keystore.password());
            final EmbeddedBroker broker = new EmbeddedBroker(BrokerSettingsMapping.builder(config)
                    .nodeId(key.id())
                    .webSocketTls(brokerTls)
                    .interceptor(interceptor)
                    .federation(brokerFederation)
                    .trustedPeers(Federation.withPeers(config.broker().trustedPeers(), config.federation().peers()))
                    .addressGate(access)
                    .build());
            // HiveMQ's start (its Guice injectors, about half of a restart) runs on a thread of its
            // own while this one starts what does not depend on it; close() waits for a start under
            // way (both are synchronized), so a failure below still stops the broker.
            final FutureTask<Void> brokerStart = new FutureTask<>(broker::start, null);
            final Thread brokerStarter = new Thread(brokerStart, "switchboard-broker-start");
            brokerStarter.setDaemon(true);
            brokerStarter.start();
            started.push(broker);

            final NodeMetrics metrics = new NodeMetrics();
            MonitoringServer monitoring = null;
            if (config.metrics().enabled()) {
                monitoring = MonitoringServer.start(new InetSocketAddress(config.metrics().bind(), config.metrics().port()),
                        metrics.registry(), readiness, () -> status.get().get());
                started.push(monitoring);
            }
            final StunServer stun = StunServer.start(config.stun(), proven::markProven,
                    address -> access.admits(address, "stun"));
            started.push(stun);
            readiness.register("stun", stun::isServing);

            awaitStart(brokerStart);
            brokerRef.set(broker);
            FederatedCallees remoteCallees = FederatedCallees.NONE;
            if (federation != null) {
                signaling.usePeerRelays(federation.peerRelays());
                remoteCallees = federation.callees(id -> callees.lookup(id) != null,
                        (topic, payload) -> broker.publish(topic, payload, true).whenComplete((ok, failure) -> {
                            if (failure != null) {
                                LOG.warn("callee announcement on {} not published: {}", topic, failure.toString());
                            }
                        }));
                signaling.useFederatedCallees(remoteCallees);
                final Map.Entry<String, byte[]> announcement = Federation.relayAnnouncement(
                        config.relay().advertisedHost(), config.relay().portRange().first(),
                        config.relay().portRange().last());
                broker.publish(announcement.getKey(), announcement.getValue(), true).get();
                started.push(federation);
                federation.update(config.federation().peers());
            }
            readiness.register("broker", broker::isServing);

            final byte[] nodeInfo = NodeInfo.of(config, key.id(), broker.webSocketPort(),
                    broker.settings().webSocketPath(), broker.settings().maxPacketSize(),
                    stun.localAddress().getPort())
                    .withBrokerTcp(broker.tcpPort(), broker.settings().tcpTls() != null).toJson();
            broker.publish(Topics.NODE_INFO, nodeInfo, true).get();

            final String wsScheme = tls != null ? "wss" : "ws";
            final WebServerSettings webSettings = WebServerSettings.of(
                            new InetSocketAddress(config.web().bind(), config.web().port()), config.pathPrefix())
                    .withCspConnectSources(List.of(wsScheme + "://*:" + broker.webSocketPort()));
            final WebServer web = tls != null
                    ? WebServer.https(webSettings, tls.newServerSslContext(WebServer.APPLICATION_PROTOCOLS))
                    : WebServer.plainHttp(webSettings);
            web.gate(new WebGate() {
                @Override
                public boolean admits(final @NotNull InetAddress address) {
                    return access.admits(address, "web");
                }

                @Override
                public void unknownPath(final @NotNull InetAddress address, final @NotNull String path) {
                    access.unknownPath(address, path);
                }
            });
            // Public facts only; readable cross-origin so a web client hosted elsewhere can use this node.
            // Revalidated (ETag, 304 while unchanged): pages ask for it at every load.
            web.addRoute("/node-info.json", request -> request.isGetOrHead()
                    ? WebResponse.jsonRevalidated(nodeInfo).withHeader("Access-Control-Allow-Origin", "*")
                    : WebResponse.methodNotAllowed("GET, HEAD"));
            final FederatedCallees calleesElsewhere = remoteCallees;
            web.addRoute("/callee.json", request -> calleeInfo(request, callees, calleesElsewhere, config.callee()));
            final AdminPages adminPages = new AdminPages(lobby, access, (topic, payload) -> broker.publish(topic, payload,
                    false), Clock.systemUTC(), webSettings.classpathRoot());
            adminPages.showPeerLinks(peerLinks);
            web.hiddenRoutes(adminPages);
            // Whether the lobby page asks for an admin name (only when there are several admins).
            web.addRoute("/lobby.json", request -> request.isGetOrHead()
                    ? WebResponse.json(("{\"askAdmin\":" + (lobby.config().admins().size() > 1) + "}")
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8))
                    : WebResponse.methodNotAllowed("GET, HEAD"));
            warnAboutWeakAdminPaths(config.lobby());
            web.start();
            started.push(web);
            // The relay never treats the node's own ports as a peer (no loops through spoofed checks).
            relay.ownEndpoints().addServicePort(stun.localAddress().getPort());
            relay.ownEndpoints().addServicePort(web.port());
            if (broker.webSocketPort() > 0) {
                relay.ownEndpoints().addServicePort(broker.webSocketPort());
            }
            if (broker.tcpPort() > 0) {
                relay.ownEndpoints().addServicePort(broker.tcpPort());
            }
            if (broker.federationPort() > 0) {
                relay.ownEndpoints().addServicePort(broker.federationPort());
            }
            if (broker.compatPort() > 0) {
                relay.ownEndpoints().addServicePort(broker.compatPort());
            }
            if (monitoring != null) {
                relay.ownEndpoints().addServicePort(monitoring.localAddress().getPort());
            }
            readiness.register("web", web::isServing);
            metrics.registerNode(startMillis, broker, signaling.counters(), relay, stun, web.counters(), peerLinks);
            status.set(() -> status(key.id(), startMillis, broker, relay, stun, peerLinks));

            // Run-time settings: a reload (file watcher or SIGHUP) hands them to the listeners.
            final RuntimeSettingsHolder runtime = new RuntimeSettingsHolder(RuntimeSettings.of(config));
            runtime.addListener(settings -> broker.updateTrustedPeers(
                    Federation.withPeers(settings.trustedPeers(), settings.federationPeers())));
            if (federation != null) {
                final Federation f = federation;
                runtime.addListener(settings -> f.update(settings.federationPeers()));
            }
            runtime.addListener(settings -> access.update(settings.access()));
            runtime.addListener(settings -> {
                lobby.update(settings.lobby());
                adminPages.update(settings.lobby());
                warnAboutWeakAdminPaths(settings.lobby());
            });
            ConfigReloader reloader = null;
            boolean reloadsOnHangup = false;
            if (options.configFile() != null) {
                reloader = new ConfigReloader(options.configFile(), config, runtime);
                try {
                    started.push(ConfigWatcher.start(options.configFile(), CONFIG_DEBOUNCE, reloader::reload));
                } catch (final IOException e) {
                    LOG.warn("cannot watch {} for changes ({}); reload it with SIGHUP", options.configFile(),
                            e.toString());
                }
                final HangupSignal hangup = HangupSignal.install(reloader::reload);
                if (hangup != null) {
                    started.push(hangup);
                    reloadsOnHangup = true;
                }
            }

            final Node node = new Node(config, runtime, reloader, reloadsOnHangup, key, tls, stun, relay, broker, web,
                    monitoring, peerLinks, access, started);
            LOG.info("node {} started: web {} port {}, broker WebSocket port {}, TCP port {}, federation port {}, "
                            + "STUN port {}, metrics {}",
                    key.id(), tls != null ? "HTTPS" : "HTTP", web.port(), broker.webSocketPort(), broker.tcpPort(),
                    broker.federationPort() > 0 ? String.valueOf(broker.federationPort()) : "off",
                    stun.localAddress().getPort(),
                    monitoring == null ? "off" : "port " + monitoring.localAddress().getPort());
            return node;
        } catch (final Exception e) {
            closeAll(started);
            throw e;
        }
    }

    /** The software version, as {@code switchboard --version} prints it. */
    public static final String VERSION = "0.1.0";

    private static NodeStatus status(final String nodeId, final long startMillis, final EmbeddedBroker broker,
                                     final UdpRelay relay, final StunServer stun, final PeerLinks peerLinks) {
        final RelayTotals r = relay.totals();
        final long now = System.currentTimeMillis();
        return new NodeStatus(nodeId, VERSION, Math.max(0, (now - startMillis) / 1000), broker.connectedClients(),
                broker.rooms(),
                relayStatus(r, relay.holders()),
                new NodeStatus.Stun(stun.counters().answered(), stun.counters().droppedMalformed() + stun.counters().ignored()),
                peerLinks.links().stream()
                        .map(l -> {
                            final PeerLinks.Traffic t = peerLinks.trafficOf(l.peer());
                            return new NodeStatus.PeerLink(l.peer(), l.state().label(),
                                    Math.max(0, (now - l.since().toEpochMilli()) / 1000),
                                    t.messagesIn(), t.bytesIn(), t.messagesOut(), t.bytesOut());
                        })
                        .toList());
    }

    private static NodeStatus.Relay relayStatus(final RelayTotals r, final RelayHolders holders) {
        return new NodeStatus.Relay(r.openSessions(), r.packets(), r.bytes(), r.droppedUnproven(), r.droppedOther(),
                holders.byPeer(), holders.byAddress());
    }

    /** Says at start and reload which admin paths are too short to stay secret (never the paths). */
    private static void warnAboutWeakAdminPaths(final NodeConfig.Lobby lobby) {
        for (final NodeConfig.Admin admin : lobby.admins()) {
            if (AdminPaths.strengthBits(admin.path()) < AdminPaths.MIN_BITS) {
                LOG.warn("the secret path of lobby admin '{}' has about {} bits, fewer than {}: it can be guessed",
                        admin.name(), Math.round(AdminPaths.strengthBits(admin.path())), AdminPaths.MIN_BITS);
            }
        }
    }

    /**
     * Waits for a start begun on another thread and throws what it threw, as if it had run on this
     * one (the broker's own message, e.g. a port in use, reaches the operator unchanged).
     */
    private static void awaitStart(final FutureTask<Void> start) throws Exception {
        try {
            start.get();
        } catch (final ExecutionException e) {
            final Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }

    /**
     * A configuration can be valid and still unusable from other machines: parts bound to
     * loopback while browsers are told a non-loopback address. Says so at start.
     */
    private static void warnAboutUnreachableParts(final NodeConfig config) {
        final String advertised = config.relay().advertisedHost().getHostAddress();
        if (config.relay().advertisedHost().isLoopbackAddress()) {
            return;
        }
        if (config.relay().bind().isLoopbackAddress()) {
            LOG.warn("relay.advertisedHost is {} but relay.bind is {}: browsers will send media to ports that only "
                    + "listen on loopback", advertised, config.relay().bind().getHostAddress());
        }
        if (config.stun().bind().isLoopbackAddress()) {
            LOG.warn("browsers are told to use STUN at {} but stun.bind is {}", advertised,
                    config.stun().bind().getHostAddress());
        }
        if (config.broker().bind().isLoopbackAddress() || config.web().bind().isLoopbackAddress()) {
            LOG.warn("relay.advertisedHost is {} but web.bind ({}) or broker.bind ({}) is loopback: other machines "
                    + "cannot load the page or reach the broker", advertised, config.web().bind().getHostAddress(),
                    config.broker().bind().getHostAddress());
        }
    }

    /** @return the URL to open in a browser, e.g. {@code https://localhost:8443/}. */
    public @NotNull String url() {
        final String host = config.publicHost().contains(":") ? "[" + config.publicHost() + "]" : config.publicHost();
        return (tls != null ? "https" : "http") + "://" + host + ":" + web.port() + config.pathPrefix();
    }

    /** @return the TLS certificate's SHA-256 fingerprint ({@code AB:CD:...}), or {@code null} without TLS. */
    public @Nullable String certificateFingerprint() {
        return tls == null ? null : tls.sha256Fingerprint();
    }

    /** @return the node's identity. */
    public @NotNull NodeKey key() {
        return key;
    }

    /**
     * @return the configuration it runs with: the start configuration with the run-time keys
     *         ({@link RuntimeSettings}) of the last valid reload.
     */
    public @NotNull NodeConfig config() {
        return reloader != null ? reloader.running() : config;
    }

    /** @return the settings that change at run time; register a listener to follow reloads. */
    public @NotNull RuntimeSettingsHolder runtimeSettings() {
        return runtime;
    }

    /**
     * Re-reads the configuration file now, as a change of the file or {@code SIGHUP} does: run-time
     * keys are applied, other changed keys are logged as needing a restart and keep their value,
     * an invalid file changes nothing and logs one error naming the key. Thread-safe.
     *
     * @return what the reload did.
     * @throws IllegalStateException if the node was started without {@link Options#configFile()}.
     */
    public @NotNull ConfigReloader.Outcome reloadConfiguration() {
        if (reloader == null) {
            throw new IllegalStateException("the node was started without a configuration file to reload");
        }
        return reloader.reload();
    }

    /** @return whether {@code SIGHUP} reloads the configuration (a file was given and signals work here). */
    boolean reloadsOnHangup() {
        return reloadsOnHangup;
    }

    /**
     * @return the monitoring endpoint's address (metrics, health, status) with its real port, or
     *     {@code null} when {@code metrics.port} is -1.
     */
    public @Nullable InetSocketAddress monitoringAddress() {
        return monitoring == null ? null : monitoring.localAddress();
    }

    /** @return the links to other nodes; federation reports their changes here. */
    public @NotNull PeerLinks peerLinks() {
        return peerLinks;
    }

    /** @return the allow-lists and scanner blocking, with the bad attempts recorded for the super-admin. */
    public @NotNull AccessControl access() {
        return access;
    }

    /** @return the web server (port, counters). */
    public @NotNull WebServer web() {
        return web;
    }

    /** @return the web server's real port. */
    public int webPort() {
        return web.port();
    }

    /** @return the broker (ports, node publishing). */
    public @NotNull EmbeddedBroker broker() {
        return broker;
    }

    /** @return the UDP relay (sessions and their counters). */
    public @NotNull UdpRelay relay() {
        return relay;
    }

    /** @return the STUN service (address and counters). */
    public @NotNull StunServer stun() {
        return stun;
    }

    /** Stops the web server, broker, relay and STUN service, in that order. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        closeAll(started);
        LOG.info("node {} stopped", key.id());
    }

    private static void closeAll(final Deque<AutoCloseable> started) {
        while (!started.isEmpty()) {
            final AutoCloseable c = started.pop();
            try {
                c.close();
            } catch (final Exception e) {
                LOG.warn("error while stopping {}: {}", c.getClass().getSimpleName(), e.toString());
            }
        }
    }
}
