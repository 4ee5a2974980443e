package dev.switchboard.broker;

import dev.switchboard.broker.guard.AddressGate;
import dev.switchboard.broker.guard.ConnectionLimits;
import dev.switchboard.broker.guard.PublishLimits;
import dev.switchboard.broker.spi.SignalingInterceptor;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * Everything the embedded broker needs, as one validated value. Build with {@link #builder()}.
 * The listeners' addresses and ports have no default here: they come from the node's configuration
 * file, whose defaults are written once in the node (the node maps its configuration into these
 * settings in one place), and a test names them. Every other setting has a default, written once
 * in {@link Builder}.
 *
 * @param nodeId            the node's id, sent (UTF-8) after the nonce in every CONNECT challenge so a
 *                          signature cannot be replayed against another node. Default
 *                          {@code "switchboard"}. Must be non-empty.
 * @param tcpBindAddress    bind address of the plain MQTT TCP listener (tools, federation).
 *                          Required.
 * @param tcpPort           port of the TCP listener, 0 = pick a free port (see
 *                          {@link EmbeddedBroker#tcpPort()}), -1 = no TCP listener. Required.
 * @param tcpTls            TLS for the TCP listener, or {@code null} for plain TCP. Default null.
 * @param webSocketBindAddress bind address of the WebSocket listener (browsers). Required.
 * @param webSocketPort     port of the WebSocket listener, 0 = pick a free port, -1 = none.
 *                          Required.
 * @param webSocketPath     HTTP path of the WebSocket listener. Default {@code /mqtt}.
 * @param webSocketTls      TLS for the WebSocket listener (WSS), or {@code null} for plain WS.
 *                          Default null.
 * @param maxPacketSize     maximum MQTT packet size in bytes, 1..268435460. Default 65536.
 * @param interceptTimeout  how long {@link SignalingInterceptor#inspect} may take before the message
 *                          is rejected with code {@code timeout}. Default 5 s; 1 ms..60 s.
 * @param authTimeout       how long a client has to answer the CONNECT challenge; the nonce
 *                          expires with it. Default 30 s; 1..60 s.
 * @param trustedPeers      peer ids of the node's own clients with wider rights (see
 *                          {@link PeerRole}); a live directory the authenticator asks at
 *                          every CONNECT, changed at run time by
 *                          {@link EmbeddedBroker#updateTrustedPeers}.
 *                          Default empty. Ids must be 43-char peer ids.
 * @param interceptor       the node's signaling interceptor. Default
 *                          {@link SignalingInterceptor#FORWARD_ALL}.
 * @param workFolder        folder for HiveMQ's generated {@code conf/config.xml} and its
 *                          {@code data}; {@code null} = a fresh temporary folder, deleted at stop.
 *                          Default null.
 * @param connectionLimits  limits each connection gets on its own before and after CONNECT (per
 *                          source address, pre-CONNECT bytes and time, read rate, WebSocket frame
 *                          size). Default {@link ConnectionLimits#DEFAULTS}.
 * @param logAddresses      whether client IP addresses may appear in the log (refusals). Default
 *                          false.
 * @param publishLimits     how fast one client may publish (messages and bytes); its byte burst
 *                          must hold at least one packet of {@code maxPacketSize}. Default
 *                          {@link PublishLimits#DEFAULTS}.
 * @param federation        the listener other nodes' federation links dial (mutual TLS), or
 *                          {@code null} for none. Default null.
 * @param addressGate       the node's allow-lists and scanner blocking: asked at every accepted
 *                          connection, told of every failed key proof. Default
 *                          {@link AddressGate#OPEN}.
 * @param compat            the opt-in compatibility listener for anonymous flat-topic clients, or
 *                          {@code null} for none. Default null (off).
 */
public record BrokerSettings(
        @NotNull String nodeId,
        @NotNull InetAddress tcpBindAddress,
        int tcpPort,
        @Nullable Tls tcpTls,
        @NotNull InetAddress webSocketBindAddress,
        int webSocketPort,
        @NotNull String webSocketPath,
        @Nullable Tls webSocketTls,
        int maxPacketSize,
        @NotNull Duration interceptTimeout,
        @NotNull Duration authTimeout,
        @NotNull TrustedPeers trustedPeers,
        @NotNull SignalingInterceptor interceptor,
        @Nullable Path workFolder,
        @NotNull ConnectionLimits connectionLimits,
        boolean logAddresses,
        @NotNull PublishLimits publishLimits,
        @Nullable Federation federation,
        @NotNull AddressGate addressGate,
        @Nullable CompatListener compat) {

    /** Largest MQTT packet HiveMQ accepts (MQTT 5 §2.2.3 variable byte integer limit + header). */
    public static final int MAX_PACKET_SIZE_LIMIT = 268_435_460;

    /**
     * TLS for one listener.
     *
     * @param keystore         a PKCS12 (or JKS) keystore holding the server key and certificate.
     * @param keystorePassword its password; also used as the private key password.
     */
    public record Tls(@NotNull Path keystore, @NotNull String keystorePassword) {
        public Tls {
            Objects.requireNonNull(keystore, "keystore");
            Objects.requireNonNull(keystorePassword, "keystorePassword");
        }

        @Override
        public String toString() {
            return "Tls[keystore=" + keystore + ", keystorePassword=***]";
        }
    }

    /**
     * The federation listener: MQTT over TLS that requires a client certificate. HiveMQ's own
     * certificate check is replaced by {@code clientTrust}, which decides by the key in the
     * certificate (a configured peer node or not); the authenticator then admits such a client
     * without the {@code sb-key-v1} exchange (Eclipse Paho cannot do MQTT 5 AUTH at CONNECT),
     * with the id of the key in its certificate as its client id and the role
     * {@link PeerRole#FEDERATION}.
     *
     * @param bind        bind address.
     * @param port        port, 0 = pick a free port (see {@link EmbeddedBroker#federationPort()}).
     * @param tls         the node's key and certificate (made from the node key).
     * @param clientTrust decides whether a client certificate is accepted at the TLS handshake;
     *                    called on Netty I/O threads, must not block.
     * @param sent        told of every message the broker sends to a client of this listener (a
     *                    peer node's link): what this node sends over that link.
     */
    public record Federation(@NotNull InetAddress bind, int port, @NotNull Tls tls,
                             javax.net.ssl.@NotNull X509TrustManager clientTrust, @NotNull Sent sent) {
        public Federation {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(tls, "tls");
            Objects.requireNonNull(clientTrust, "clientTrust");
            Objects.requireNonNull(sent, "sent");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("federation port must be 0 (any) or 1..65535: " + port);
            }
        }

        /** The same, with nobody told of what is sent. */
        public Federation(final @NotNull InetAddress bind, final int port, final @NotNull Tls tls,
                          final javax.net.ssl.@NotNull X509TrustManager clientTrust) {
            this(bind, port, tls, clientTrust, (clientId, payloadBytes) -> { });
        }

        /** Counts what the broker sends to the federation listener's clients. */
        @FunctionalInterface
        public interface Sent {
            /**
             * One PUBLISH on its way to a peer node's link. Called on the broker's threads for
             * every such message: must be cheap and must not block.
             *
             * @param clientId     the link's client id (the peer node's id).
             * @param payloadBytes the payload's size in bytes.
             */
            void sent(@NotNull String clientId, int payloadBytes);
        }
    }

    /**
     * Validates every setting.
     *
     * @throws IllegalArgumentException naming the bad setting and value.
     * @throws NullPointerException     for a missing required setting.
     */
    public BrokerSettings {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(tcpBindAddress, "tcpBindAddress is required");
        Objects.requireNonNull(webSocketBindAddress, "webSocketBindAddress is required");
        Objects.requireNonNull(webSocketPath, "webSocketPath");
        Objects.requireNonNull(interceptTimeout, "interceptTimeout");
        Objects.requireNonNull(authTimeout, "authTimeout");
        Objects.requireNonNull(trustedPeers, "trustedPeers");
        Objects.requireNonNull(interceptor, "interceptor");
        Objects.requireNonNull(connectionLimits, "connectionLimits");
        Objects.requireNonNull(publishLimits, "publishLimits");
        Objects.requireNonNull(addressGate, "addressGate");
        if (nodeId.isEmpty()) {
            throw new IllegalArgumentException("nodeId must not be empty");
        }
        checkPort("tcpPort", tcpPort);
        checkPort("webSocketPort", webSocketPort);
        if (tcpPort < 0 && webSocketPort < 0) {
            throw new IllegalArgumentException("at least one listener must be enabled");
        }
        if (!webSocketPath.startsWith("/")) {
            throw new IllegalArgumentException("webSocketPath must start with '/': " + webSocketPath);
        }
        if (maxPacketSize < 1 || maxPacketSize > MAX_PACKET_SIZE_LIMIT) {
            throw new IllegalArgumentException("maxPacketSize must be 1.." + MAX_PACKET_SIZE_LIMIT
                    + ": " + maxPacketSize);
        }
        if (publishLimits.byteBurst() < maxPacketSize) {
            throw new IllegalArgumentException("publishLimits.byteBurst (" + publishLimits.byteBurst()
                    + ") must hold one packet of maxPacketSize (" + maxPacketSize + ")");
        }
        if (interceptTimeout.compareTo(Duration.ofMillis(1)) < 0
                || interceptTimeout.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("interceptTimeout must be 1 ms..60 s: "
                    + interceptTimeout);
        }
        if (authTimeout.compareTo(Duration.ofSeconds(1)) < 0
                || authTimeout.compareTo(Duration.ofSeconds(60)) > 0) {
            throw new IllegalArgumentException("authTimeout must be 1..60 s: " + authTimeout);
        }
    }

    private static void checkPort(final String name, final int port) {
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException(name + " must be -1 (off), 0 (any) or 1..65535: "
                    + port);
        }
    }

    /** @return a builder with every default set. */
    public static @NotNull Builder builder() {
        return new Builder();
    }

    /** @return a builder initialised from this value. */
    public @NotNull Builder toBuilder() {
        final Builder b = new Builder();
        b.nodeId = nodeId;
        b.tcpBindAddress = tcpBindAddress;
        b.tcpPort = tcpPort;
        b.tcpTls = tcpTls;
        b.webSocketBindAddress = webSocketBindAddress;
        b.webSocketPort = webSocketPort;
        b.webSocketPath = webSocketPath;
        b.webSocketTls = webSocketTls;
        b.maxPacketSize = maxPacketSize;
        b.interceptTimeout = interceptTimeout;
        b.authTimeout = authTimeout;
        b.trustedPeers = trustedPeers.asMap();
        b.interceptor = interceptor;
        b.workFolder = workFolder;
        b.connectionLimits = connectionLimits;
        b.logAddresses = logAddresses;
        b.publishLimits = publishLimits;
        b.federation = federation;
        b.addressGate = addressGate;
        b.compat = compat;
        return b;
    }

    /**
     * Mutable builder; not thread-safe. Field initialisers are the defaults; the listeners'
     * addresses and ports have none and must be set.
     */
    public static final class Builder {
        private String nodeId = "switchboard";
        private InetAddress tcpBindAddress;
        private Integer tcpPort;
        private Tls tcpTls;
        private InetAddress webSocketBindAddress;
        private Integer webSocketPort;
        private String webSocketPath = "/mqtt";
        private Tls webSocketTls;
        private int maxPacketSize = 64 * 1024;
        private Duration interceptTimeout = Duration.ofSeconds(5);
        private Duration authTimeout = Duration.ofSeconds(30);
        private Map<String, PeerRole> trustedPeers = Map.of();
        private SignalingInterceptor interceptor = SignalingInterceptor.FORWARD_ALL;
        private Path workFolder;
        private ConnectionLimits connectionLimits = ConnectionLimits.DEFAULTS;
        private boolean logAddresses;
        private PublishLimits publishLimits = PublishLimits.DEFAULTS;
        private Federation federation;
        private AddressGate addressGate = AddressGate.OPEN;
        private CompatListener compat;

        private Builder() {
        }

        /** @see BrokerSettings#nodeId() */
        public @NotNull Builder nodeId(final @NotNull String v) {
            nodeId = v;
            return this;
        }

        /** @see BrokerSettings#tcpBindAddress() */
        public @NotNull Builder tcpBindAddress(final @NotNull InetAddress v) {
            tcpBindAddress = v;
            return this;
        }

        /** @see BrokerSettings#tcpPort() */
        public @NotNull Builder tcpPort(final int v) {
            tcpPort = v;
            return this;
        }

        /** @see BrokerSettings#tcpTls() */
        public @NotNull Builder tcpTls(final @Nullable Tls v) {
            tcpTls = v;
            return this;
        }

        /** @see BrokerSettings#webSocketBindAddress() */
        public @NotNull Builder webSocketBindAddress(final @NotNull InetAddress v) {
            webSocketBindAddress = v;
            return this;
        }

        /** @see BrokerSettings#webSocketPort() */
        public @NotNull Builder webSocketPort(final int v) {
            webSocketPort = v;
            return this;
        }

        /** @see BrokerSettings#webSocketPath() */
        public @NotNull Builder webSocketPath(final @NotNull String v) {
            webSocketPath = v;
            return this;
        }

        /** @see BrokerSettings#webSocketTls() */
        public @NotNull Builder webSocketTls(final @Nullable Tls v) {
            webSocketTls = v;
            return this;
        }

        /** @see BrokerSettings#maxPacketSize() */
        public @NotNull Builder maxPacketSize(final int v) {
            maxPacketSize = v;
            return this;
        }

        /** @see BrokerSettings#interceptTimeout() */
        public @NotNull Builder interceptTimeout(final @NotNull Duration v) {
            interceptTimeout = v;
            return this;
        }

        /** @see BrokerSettings#authTimeout() */
        public @NotNull Builder authTimeout(final @NotNull Duration v) {
            authTimeout = v;
            return this;
        }

        /** @see BrokerSettings#trustedPeers() */
        public @NotNull Builder trustedPeers(final @NotNull Map<String, PeerRole> v) {
            trustedPeers = v;
            return this;
        }

        /** @see BrokerSettings#interceptor() */
        public @NotNull Builder interceptor(final @NotNull SignalingInterceptor v) {
            interceptor = v;
            return this;
        }

        /** @see BrokerSettings#workFolder() */
        public @NotNull Builder workFolder(final @Nullable Path v) {
            workFolder = v;
            return this;
        }

        /** @see BrokerSettings#connectionLimits() */
        public @NotNull Builder connectionLimits(final @NotNull ConnectionLimits v) {
            connectionLimits = v;
            return this;
        }

        /** @see BrokerSettings#logAddresses() */
        public @NotNull Builder logAddresses(final boolean v) {
            logAddresses = v;
            return this;
        }

        /** @see BrokerSettings#federation() */
        public @NotNull Builder federation(final @Nullable Federation v) {
            federation = v;
            return this;
        }

        /** @see BrokerSettings#publishLimits() */
        public @NotNull Builder publishLimits(final @NotNull PublishLimits v) {
            publishLimits = v;
            return this;
        }

        /** @see BrokerSettings#addressGate() */
        public @NotNull Builder addressGate(final @NotNull AddressGate v) {
            addressGate = v;
            return this;
        }

        /** @see BrokerSettings#compat() */
        public @NotNull Builder compat(final @Nullable CompatListener v) {
            compat = v;
            return this;
        }

        /**
         * @return the validated settings.
         * @throws IllegalArgumentException naming the bad setting and value.
         * @throws NullPointerException     naming a required setting that was not set.
         */
        public @NotNull BrokerSettings build() {
            Objects.requireNonNull(tcpPort, "tcpPort is required");
            Objects.requireNonNull(webSocketPort, "webSocketPort is required");
            return new BrokerSettings(nodeId, tcpBindAddress, tcpPort, tcpTls,
                    webSocketBindAddress, webSocketPort, webSocketPath, webSocketTls,
                    maxPacketSize, interceptTimeout, authTimeout, TrustedPeers.of(trustedPeers), interceptor,
                    workFolder, connectionLimits, logAddresses, publishLimits, federation, addressGate, compat);
        }
    }
}
