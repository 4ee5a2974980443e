package dev.switchboard.broker;

import ch.qos.logback.classic.Level;
import com.hivemq.configuration.service.InternalConfigurations;
import com.hivemq.embedded.EmbeddedExtension;
import com.hivemq.embedded.EmbeddedHiveMQ;
import com.hivemq.extension.sdk.api.client.parameter.Listener;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.admin.LifecycleStage;
import dev.switchboard.broker.extension.AuthCounters;
import dev.switchboard.broker.extension.NodePublisher;
import dev.switchboard.broker.extension.SignalingExtension;
import dev.switchboard.broker.guard.HiveMqInternals;
import dev.switchboard.broker.guard.ListenerGuard;
import dev.switchboard.broker.guard.Refusals;
import dev.switchboard.broker.topic.Topics;
import io.netty.channel.Channel;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The embedded HiveMQ CE broker with the Switchboard extension: browsers connect over WebSocket
 * ({@code /mqtt}, optionally TLS), tools and federation links over TCP; every client
 * authenticates with its key ({@code sb-key-v1}, see
 * {@link dev.switchboard.broker.identity.KeyProof}) and may use only the Switchboard topics.
 *
 * <h2>Logging</h2>
 * HiveMQ is started without its own logging bootstrap, so it logs through the application's
 * SLF4J/Logback configuration (HiveMQ's jar also carries a {@code logback.xml}, which Logback
 * reads when the application configures it no other way). At start, the loggers
 * {@code com.hivemq}, {@code oshi} and {@code jetbrains.exodus} are set to WARN unless the
 * application configured a level for them; to see HiveMQ's INFO output configure
 * {@code <logger name="com.hivemq" level="INFO"/>}.
 *
 * <h2>Threading and lifetime</h2>
 * All methods are thread-safe. {@link #start()} and {@link #stop()} block and are idempotent; a
 * stopped broker can be started again. HiveMQ's extension services are JVM-wide singletons, so run
 * at most one {@code EmbeddedBroker} per JVM at a time.
 */
public final class EmbeddedBroker implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedBroker.class);
    private static final long START_TIMEOUT_SECONDS = 60;
    /** Each class of refusal is logged at most once per source per this interval. */
    private static final Duration REFUSAL_LOG_INTERVAL = Duration.ofMinutes(1);
    private static final String[] QUIET_LOGGERS = {"com.hivemq", "oshi", "jetbrains.exodus"};

    private final BrokerSettings settings;
    private EmbeddedHiveMQ hivemq;
    /** Set once started (under the lock); volatile so that the metrics read it without the lock. */
    private volatile SignalingExtension extension;
    private final AuthCounters authCounters = new AuthCounters();
    private Path workFolder;
    private boolean deleteWorkFolder;
    private int tcpPort = -1;
    private int webSocketPort = -1;
    private int federationPort = -1;
    private int compatPort = -1;
    private final Refusals refusals;
    private ListenerGuard listenerGuard;
    /** The configuration text handed to {@link HiveMqConfigReader} while HiveMQ starts, else null. */
    private String preparedConfig;

    private static final String GUICE_BYTECODE_OPTION = "guice_bytecode_gen_option";
    /** How long HiveMQ's persistence still takes writes after a stop begins, ms (HiveMQ's default: 2,000). */
    private static final int PERSISTENCE_GRACE_MILLIS = 200;

    /** @param settings validated settings; see {@link BrokerSettings} for every default. */
    public EmbeddedBroker(final @NotNull BrokerSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.refusals = new Refusals(REFUSAL_LOG_INTERVAL, settings.logAddresses());
    }

    /** @return the settings this broker was built from. */
    public @NotNull BrokerSettings settings() {
        return settings;
    }

    /**
     * Generates HiveMQ's configuration, starts the broker and waits until it listens. Does nothing
     * if already started.
     *
     * @throws IllegalStateException if HiveMQ fails to start (port in use, bad keystore, ...)
     *                               within 60 s; the broker is then stopped again.
     */
    public synchronized void start() {
        if (hivemq != null) {
            return;
        }
        quietenHiveMqLoggers();
        withoutGuiceBytecode();
        try {
            if (settings.workFolder() != null) {
                workFolder = settings.workFolder();
                deleteWorkFolder = false;
            } else {
                workFolder = Files.createTempDirectory("switchboard-broker-");
                deleteWorkFolder = true;
            }
            final Path conf = Files.createDirectories(workFolder.resolve("conf"));
            final Path data = Files.createDirectories(workFolder.resolve("data"));
            final Path extensions = Files.createDirectories(workFolder.resolve("extensions"));
            final int wantedTcp = settings.tcpPort() == 0
                    ? freePort(settings.tcpBindAddress()) : settings.tcpPort();
            final int wantedWs = settings.webSocketPort() == 0
                    ? freePort(settings.webSocketBindAddress()) : settings.webSocketPort();
            // HiveMQ only logs a listener it cannot bind and starts anyway; refuse instead, so
            // clients never reach whatever else holds the port.
            if (settings.tcpPort() > 0) {
                requireFree(settings.tcpBindAddress(), wantedTcp, "TCP");
            }
            if (settings.webSocketPort() > 0) {
                requireFree(settings.webSocketBindAddress(), wantedWs, "WebSocket");
            }
            final BrokerSettings.Federation fed = settings.federation();
            final int wantedFed = fed == null ? -1 : fed.port() == 0 ? freePort(fed.bind()) : fed.port();
            if (fed != null && fed.port() > 0) {
                requireFree(fed.bind(), wantedFed, "federation");
            }
            final CompatListener compat = settings.compat();
            final int wantedCompat = compat == null ? -1
                    : compat.port() == 0 ? freePort(compat.bind()) : compat.port();
            if (compat != null && compat.port() > 0) {
                requireFree(compat.bind(), wantedCompat, "compatibility WebSocket");
            }
            final String config = HiveMqConfig.render(settings, wantedTcp, wantedWs, wantedFed, wantedCompat);
            Files.writeString(conf.resolve("config.xml"), config, StandardCharsets.UTF_8);
            // HiveMQ reads the file with JAXB; hand it the same configuration as objects instead
            // (HiveMqConfigReader: no JAXB runtime or XML parser loaded, a few MB less resident).
            if (HiveMqConfigReader.install()) {
                preparedConfig = config;
                HiveMqConfigReader.prepare(config,
                        HiveMqConfig.entity(settings, wantedTcp, wantedWs, wantedFed, wantedCompat));
            }
            // HiveMQ's JMX reporter would register every broker metric as an MBean; nothing here
            // reads them (the node's metrics come from the extension's counters).
            InternalConfigurations.JMX_REPORTER_ENABLED.set(false);
            // HiveMQ keeps its persistence's queues open for 2 s after a stop begins, for writes
            // still under way, and only then ends the stop (over 4 s in all, during which a
            // restarting service answers nobody). This broker keeps nothing across a stop and its
            // clients are disconnected before then: a short grace period is enough.
            InternalConfigurations.PERSISTENCE_SHUTDOWN_GRACE_PERIOD_MSEC.set(PERSISTENCE_GRACE_MILLIS);
            // HiveMQ's TLS listeners use the JDK's TLS: no BouncyCastle provider for Netty's probe.
            NettyBouncyCastle.skipNettysProbe();

            extension = new SignalingExtension(settings, refusals, authCounters);
            final EmbeddedExtension embedded = EmbeddedExtension.builder()
                    .withId("switchboard-signaling")
                    .withName("Switchboard signaling")
                    .withVersion("1")
                    .withAuthor("Switchboard")
                    .withPriority(1000)
                    .withStartPriority(1000)
                    .withExtensionMain(extension)
                    .build();
            hivemq = EmbeddedHiveMQ.builder()
                    .withConfigurationFolder(conf)
                    .withDataFolder(data)
                    .withExtensionsFolder(extensions)
                    .withEmbeddedExtension(embedded)
                    .withoutLoggingBootstrap()
                    .build();
            try {
                hivemq.start().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } finally {
                withdrawConfig();
            }
            if (extension.publisher() == null) {
                throw new IllegalStateException("the Switchboard extension did not start");
            }
            if (fed != null) {
                installFederationTrust(fed);
            }
            guardListeners();
            federationPort = fed == null ? -1 : boundPort(HiveMqConfig.FEDERATION_LISTENER, wantedFed);
            tcpPort = settings.tcpPort() < 0 ? -1 : boundPort("switchboard-tcp", wantedTcp);
            webSocketPort = settings.webSocketPort() < 0
                    ? -1 : boundPort("switchboard-websocket", wantedWs);
            compatPort = compat == null ? -1 : boundPort(HiveMqConfig.COMPAT_LISTENER, wantedCompat);
            log.info("MQTT broker listening: tcp port {}, websocket port {} (node id {})",
                    tcpPort, webSocketPort, settings.nodeId());
            if (compat != null) {
                log.info("Compatibility listener for anonymous flat-topic clients on port {}, path {}",
                        compatPort, compat.path());
            }
        } catch (final IOException e) {
            stopQuietly();
            throw new UncheckedIOException("cannot prepare the broker's work folder", e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            stopQuietly();
            throw new IllegalStateException("interrupted while starting the broker", e);
        } catch (final ExecutionException | TimeoutException | RuntimeException e) {
            stopQuietly();
            final Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("the MQTT broker failed to start: "
                    + (cause.getMessage() != null ? cause.getMessage() : cause.toString()), e);
        }
    }

    /**
     * Guice, HiveMQ's injector, generates a class per injected constructor with ASM at every start
     * (about 160 classes, which no class data archive can hold; a third of the injectors' CPU in a
     * profile of a restart). HiveMQ binds no method interceptors, the one thing that needs them, so
     * Guice's documented switch ({@code guice_bytecode_gen_option=DISABLED}: plain reflection, once
     * per object at start) is set unless the operator set it. It is read when Guice's classes are
     * first initialised, so it acts from the first broker started in a process.
     */
    private static void withoutGuiceBytecode() {
        if (System.getProperty(GUICE_BYTECODE_OPTION) == null) {
            System.setProperty(GUICE_BYTECODE_OPTION, "DISABLED");
        }
    }

    /**
     * The federation listener checks client certificates by key ({@link BrokerSettings.Federation}):
     * its TLS context gets the settings' trust manager in place of HiveMQ's file-based one.
     */
    private void installFederationTrust(final BrokerSettings.Federation fed) {
        try {
            final java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            try (java.io.InputStream in = Files.newInputStream(fed.tls().keystore())) {
                ks.load(in, fed.tls().keystorePassword().toCharArray());
            }
            final javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(
                    javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, fed.tls().keystorePassword().toCharArray());
            final io.netty.handler.ssl.SslContext context = io.netty.handler.ssl.SslContextBuilder.forServer(kmf)
                    .sslProvider(io.netty.handler.ssl.SslProvider.JDK)
                    .trustManager(fed.clientTrust())
                    .clientAuth(io.netty.handler.ssl.ClientAuth.REQUIRE)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
            if (HiveMqInternals.replaceServerSslContext(hivemq, fed.tls().keystore(), context) == 0) {
                throw new IllegalStateException("HiveMQ made no TLS context for the federation listener");
            }
        } catch (final IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up the federation listener's TLS: " + e.getMessage(), e);
        }
    }

    /**
     * Puts the connection limits in front of every listener (see {@link ListenerGuard}). HiveMQ
     * binds its listeners before this runs, so a connection accepted in that instant escapes the
     * per-connection limits (not the key proof or any topic rule).
     */
    private void guardListeners() {
        final ListenerGuard guard = new ListenerGuard(settings.connectionLimits(), refusals,
                settings.webSocketPort() >= 0 ? settings.webSocketPath() : null, settings.addressGate());
        final Map<String, Channel> channels = HiveMqInternals.serverChannels(hivemq);
        for (final String name : new String[] {"switchboard-tcp", "switchboard-websocket",
                HiveMqConfig.FEDERATION_LISTENER}) {
            final Channel channel = channels.get(name);
            if (channel != null) {
                guard.guard(channel);
            }
        }
        final Channel compat = channels.get(HiveMqConfig.COMPAT_LISTENER);
        if (settings.compat() != null) {
            if (compat == null) {
                throw new IllegalStateException("the compatibility listener did not bind");
            }
            guard.guard(compat, settings.compat().path());
        }
        listenerGuard = guard;
    }

    /**
     * @return the refusals of this broker's listeners and interceptors, counted by reason (for
     *     metrics and the admin pages); the same object across restarts of this broker.
     */
    public @NotNull Refusals refusals() {
        return refusals;
    }

    /**
     * @return the listener guard while started (per-address connection counts), else {@code null}.
     */
    public synchronized @Nullable ListenerGuard listenerGuard() {
        return listenerGuard;
    }

    /**
     * Stops the broker, closing every connection, and deletes a temporary work folder. Does
     * nothing if not started.
     */
    public synchronized void stop() {
        if (hivemq == null) {
            return;
        }
        try {
            hivemq.stop().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (final ExecutionException | TimeoutException e) {
            log.warn("The MQTT broker did not stop cleanly", e);
        } finally {
            cleanUp();
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    /**
     * @return whether the broker serves: started, HiveMQ reports a successful start, the
     *     Switchboard extension runs and the listeners are registered with their ports. Never
     *     blocks on a broker that is starting or stopping (for readiness checks); any thread.
     */
    public boolean isServing() {
        final SignalingExtension ext = extension;
        if (ext == null || ext.publisher() == null) {
            return false;
        }
        try {
            if (Services.adminService().getCurrentStage() != LifecycleStage.STARTED_SUCCESSFULLY) {
                return false;
            }
            int listening = 0;
            for (final Listener l : Services.adminService().getServerInformation().getListener()) {
                listening += l.getPort() > 0 ? 1 : 0;
            }
            final int expected = (settings.tcpPort() < 0 ? 0 : 1) + (settings.webSocketPort() < 0 ? 0 : 1)
                    + (settings.compat() == null ? 0 : 1);
            return listening >= expected;
        } catch (final RuntimeException e) {
            return false; // the services are gone while stopping
        }
    }

    /** @return authenticated client connections now (0 when stopped); any thread, never blocks. */
    public int connectedClients() {
        final SignalingExtension ext = extension;
        return ext == null ? 0 : ext.connectionCount();
    }

    /** @return rooms with at least one connected member now (0 when stopped); any thread, never blocks. */
    public int rooms() {
        final SignalingExtension ext = extension;
        return ext == null ? 0 : ext.roomCount();
    }

    /** @return key authentications since this broker was created, by result; any thread. */
    public @NotNull AuthCounters authentications() {
        return authCounters;
    }

    /** @return whether the broker is started. */
    public synchronized boolean isRunning() {
        return hivemq != null;
    }

    /**
     * @return the TCP listener's actual port (also when configured as 0), or -1 if the listener is
     *     disabled.
     * @throws IllegalStateException if not started.
     */
    public synchronized int tcpPort() {
        requireRunning();
        return tcpPort;
    }

    /** @return the federation listener's actual port, or -1 if there is none or the broker is stopped. */
    public synchronized int federationPort() {
        return federationPort;
    }

    /**
     * @return the WebSocket listener's actual port, or -1 if disabled.
     * @throws IllegalStateException if not started.
     */
    public synchronized int webSocketPort() {
        requireRunning();
        return webSocketPort;
    }

    /**
     * @return the compatibility listener's actual port, or -1 when it is off.
     * @throws IllegalStateException if not started.
     */
    public synchronized int compatPort() {
        requireRunning();
        return compatPort;
    }

    /**
     * Publishes as the node: user property {@code sb-sender}={@code node}, QoS 1, no interceptors.
     * Used for the retained {@code sb/v1/node/info}.
     *
     * @param topic    a topic under {@code sb/v1/} without wildcards.
     * @param payload  payload bytes (UTF-8 JSON by protocol); copied.
     * @param retained whether later subscribers get it too.
     * @return completes when HiveMQ accepted the message; fails if the broker stopped meanwhile.
     * @throws IllegalArgumentException if {@code topic} is not under {@code sb/v1/} or has a wildcard.
     * @throws IllegalStateException    if not started.
     */
    public @NotNull CompletableFuture<Void> publish(final @NotNull String topic,
                                                    final byte @NotNull [] payload,
                                                    final boolean retained) {
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(payload, "payload");
        if (!topic.startsWith(Topics.ROOT + "/") || topic.contains("#") || topic.contains("+")) {
            throw new IllegalArgumentException("node topics must be under " + Topics.ROOT
                    + "/ without wildcards: " + topic);
        }
        final NodePublisher publisher;
        synchronized (this) {
            requireRunning();
            publisher = extension.publisher();
        }
        if (publisher == null) {
            throw new IllegalStateException("broker is stopping");
        }
        return publisher.publish(topic, payload, retained, NodePublisher.NODE_SENDER);
    }

    /**
     * Publishes a message that a federation link brought from another node (see
     * {@link NodePublisher#publishBridged}); it bypasses the client interceptors, so the caller has
     * checked it.
     *
     * @param topic      a grammar topic (room presence or inbox).
     * @param payload    payload bytes; copied.
     * @param sender     the remote sender's verified id.
     * @param properties the bridge's user properties (origin node, hop count).
     * @return completes when HiveMQ accepted the message.
     * @throws IllegalStateException if not started.
     */
    public @NotNull CompletableFuture<Void> publishBridged(final @NotNull String topic, final byte @NotNull [] payload,
                                                           final @NotNull String sender,
                                                           final @NotNull Map<String, String> properties) {
        final NodePublisher publisher;
        synchronized (this) {
            requireRunning();
            publisher = extension.publisher();
        }
        if (publisher == null) {
            throw new IllegalStateException("broker is stopping");
        }
        return publisher.publishBridged(topic, payload, sender, properties);
    }

    /**
     * Replaces the trusted peers while the broker runs (a configuration reload). A client whose
     * role changed (removed, added or switched) and that is connected now is disconnected with
     * reason {@code 0x87 Not authorized}, so no connection keeps rights it no longer has; when it
     * reconnects, it authenticates with its key as usual and gets its new role, or the rights of an
     * ordinary client. Works before {@link #start()} too (then only the directory changes).
     *
     * <p>Thread-safe; returns without waiting for the disconnects.
     *
     * @param next peer id to role; copied.
     * @return the ids whose role changed, in no particular order.
     * @throws IllegalArgumentException if an id is not a 43-character peer id (nothing changes).
     */
    public @NotNull Set<String> updateTrustedPeers(final @NotNull Map<String, PeerRole> next) {
        final Map<String, PeerRole> previous = settings.trustedPeers().replace(next);
        final Set<String> changed = new HashSet<>();
        for (final String id : previous.keySet()) {
            if (previous.get(id) != next.get(id)) {
                changed.add(id);
            }
        }
        for (final String id : next.keySet()) {
            if (previous.get(id) != next.get(id)) {
                changed.add(id);
            }
        }
        synchronized (this) {
            if (hivemq != null) {
                for (final String id : changed) {
                    Services.clientService().disconnectClient(id, true, DisconnectReasonCode.NOT_AUTHORIZED,
                            "trusted peers changed")
                            .whenComplete((was, error) -> {
                                if (error != null) {
                                    log.warn("Could not disconnect {} after its role changed: {}", id, error.toString());
                                } else if (Boolean.TRUE.equals(was)) {
                                    log.info("Disconnected {}: its trusted-peer role changed", id);
                                }
                            });
                }
            }
        }
        log.info("Trusted peers updated: {} trusted, {} changed", next.size(), changed.size());
        return changed;
    }

    private void requireRunning() {
        if (hivemq == null) {
            throw new IllegalStateException("broker not started");
        }
    }

    private int boundPort(final String listenerName, final int fallback) {
        for (final Listener l : Services.adminService().getServerInformation().getListener()) {
            if (l.getName().equals(listenerName) && l.getPort() > 0) {
                return l.getPort();
            }
        }
        return fallback;
    }

    /**
     * Picks a free port by binding and releasing it (HiveMQ's configuration needs a number). A
     * brief race with other processes is possible; start then fails and can be retried.
     */
    private static int freePort(final InetAddress bindAddress) throws IOException {
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress(bindAddress, 0));
            return socket.getLocalPort();
        }
    }

    /**
     * @throws IllegalStateException if {@code port} cannot be bound on {@code bindAddress}, naming
     *                               the listener and the port.
     */
    private static void requireFree(final InetAddress bindAddress, final int port, final String listener) {
        try (java.net.ServerSocket socket = new java.net.ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress(bindAddress, port));
        } catch (final IOException e) {
            throw new IllegalStateException("the MQTT " + listener + " listener cannot use port " + port + " on "
                    + bindAddress.getHostAddress() + ": " + e.getMessage() + " (is another MQTT broker running?)", e);
        }
    }

    private void stopQuietly() {
        if (hivemq != null) {
            try {
                hivemq.stop().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (final Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                log.debug("Stopping a failed broker", e);
            }
        }
        cleanUp();
    }

    private void withdrawConfig() {
        if (preparedConfig != null) {
            HiveMqConfigReader.withdraw(preparedConfig);
            preparedConfig = null;
        }
    }

    private void cleanUp() {
        withdrawConfig();
        hivemq = null;
        extension = null;
        listenerGuard = null;
        tcpPort = -1;
        webSocketPort = -1;
        federationPort = -1;
        compatPort = -1;
        if (deleteWorkFolder && workFolder != null) {
            deleteRecursively(workFolder);
        }
        workFolder = null;
    }

    private static void deleteRecursively(final Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (final IOException e) {
                    log.debug("Could not delete {}", p);
                }
            });
        } catch (final IOException e) {
            log.debug("Could not delete {}", root);
        }
    }

    private static void quietenHiveMqLoggers() {
        if (!(LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext)) {
            return;
        }
        for (final String name : QUIET_LOGGERS) {
            final ch.qos.logback.classic.Logger logger =
                    (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(name);
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARN);
            }
        }
    }
}
