package dev.switchboard.node.config;

import dev.switchboard.broker.guard.ConnectionLimits;
import dev.switchboard.broker.guard.PublishLimits;
import dev.switchboard.broker.CompatListener;
import dev.switchboard.broker.PeerRole;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import dev.switchboard.node.relay.PortRange;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole configuration of one node: one validated, immutable value read from one YAML file by
 * {@link ConfigLoader}. The sections are the settings the components take (the web server, the
 * broker through one mapping in {@code Node}, the STUN service, the relay). Every default is
 * written once, in {@link ConfigLoader} ({@link ConfigLoader#defaults()} is the configuration
 * without a file: everything on localhost); the defaults named below are documentation.
 *
 * <p>Which keys may change while the node runs is decided by {@link RuntimeSettings}; everything
 * else needs a restart (see {@link ConfigReloader}).
 *
 * @param dataDir    directory for the node's persistent state (TLS certificate and key, node key);
 *                   created if missing. Default {@code ./switchboard-data}.
 * @param publicHost the host name or IP address browsers use to reach this node; it goes into the
 *                   printed URL and the self-signed certificate. Default {@code localhost}.
 * @param pathPrefix the path under which every page is served, starting and ending with {@code /}
 *                   (a "hidden path"). Default {@code /}.
 * @param web        the HTTPS (or, when asked, HTTP) server for the web client.
 * @param broker     the embedded MQTT broker's listeners.
 * @param stun       the STUN service.
 * @param relay      the UDP relay.
 * @param limits     limits on signaling input and on each connection and client.
 * @param log        what the log may contain.
 * @param metrics    the monitoring endpoint: Prometheus metrics, health and status.
 * @param callee     the personal callee service (docs/protocol.md §5.3).
 * @param federation links to other nodes (see DESIGN "Federation").
 * @param access     who may reach the node at all: IP and country allow-lists, scanner blocking.
 * @param lobby      the personal server: admins at secret paths, their permitted names.
 */
public record NodeConfig(
        @NotNull Path dataDir,
        @NotNull String publicHost,
        @NotNull String pathPrefix,
        @NotNull Web web,
        @NotNull Broker broker,
        @NotNull Stun stun,
        @NotNull Relay relay,
        @NotNull Limits limits,
        @NotNull Log log,
        @NotNull Metrics metrics,
        @NotNull Callee callee,
        @NotNull Federation federation,
        @NotNull Access access,
        @NotNull Lobby lobby) {

    public NodeConfig {
        Objects.requireNonNull(federation, "federation");
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(lobby, "lobby");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(publicHost, "publicHost");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(web, "web");
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(stun, "stun");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(callee, "callee");
    }

    /**
     * The web server.
     *
     * @param bind        address to listen on. Default {@code 127.0.0.1}.
     * @param port        TCP port, 0..65535 (0 picks a free port). Default 8443.
     * @param tls         serve HTTPS (and WSS on the broker). Default {@code true}; plain HTTP is
     *                    only safe on localhost, where browsers treat it as a secure context.
     * @param certificate PEM certificate chain to use instead of the generated self-signed one,
     *                    or {@code null}.
     * @param privateKey  PEM private key matching {@code certificate}, or {@code null}.
     * @param extraNames  additional DNS names or IP addresses for the self-signed certificate.
     */
    public record Web(
            @NotNull InetAddress bind,
            int port,
            boolean tls,
            @Nullable Path certificate,
            @Nullable Path privateKey,
            @NotNull List<String> extraNames) {
        public Web {
            Objects.requireNonNull(bind, "bind");
            checkPort("web.port", port, 0);
            if ((certificate == null) != (privateKey == null)) {
                throw new IllegalArgumentException("web.certificate and web.privateKey must be given together");
            }
            extraNames = List.copyOf(extraNames);
        }
    }

    /**
     * The embedded broker's listeners. The WebSocket listener serves path {@code mqtt} below the
     * path prefix ({@code /mqtt} with the default prefix) and uses TLS whenever {@link Web#tls()}
     * does.
     *
     * @param bind          address for both listeners. Default {@code 127.0.0.1}.
     * @param webSocketPort port of the WebSocket listener for browsers (0 = free). Default 8444.
     * @param tcpPort       port of the MQTT-over-TCP listener for tools and federation (0 = free,
     *                      -1 = disabled). Default 1883.
     * @param trustedPeers  the node's own clients by peer id (43-character key hash), with their
     *                      wider topic rights: {@code admin} for tools, {@code federation} for
     *                      other nodes' bridges. They authenticate by key like browsers. Default
     *                      none.
     * @param compat        the opt-in compatibility listener for unmodified Trystero/RTChat peers
     *                      ({@code broker.compat}: anonymous, flat topics only, no relay, no
     *                      identity; docs/protocol.md §12), or {@code null} when off. Default off
     *                      ({@code broker.compat.port: -1}).
     */
    public record Broker(@NotNull InetAddress bind, int webSocketPort, int tcpPort,
                         @NotNull Map<String, PeerRole> trustedPeers, @Nullable CompatListener compat) {
        public Broker {
            Objects.requireNonNull(bind, "bind");
            checkPort("broker.webSocketPort", webSocketPort, 0);
            checkPort("broker.tcpPort", tcpPort, -1);
            trustedPeers = Map.copyOf(trustedPeers);
        }

        /** The listeners without the compatibility listener. */
        public Broker(final @NotNull InetAddress bind, final int webSocketPort, final int tcpPort,
                      final @NotNull Map<String, PeerRole> trustedPeers) {
            this(bind, webSocketPort, tcpPort, trustedPeers, null);
        }
    }

    /**
     * The STUN binding service (RFC 8489).
     *
     * @param bind address to listen on. Default {@code 127.0.0.1}.
     * @param port UDP port (0 = free). Default 3478.
     */
    public record Stun(@NotNull InetAddress bind, int port) {
        public Stun {
            Objects.requireNonNull(bind, "bind");
            checkPort("stun.port", port, 0);
        }
    }

    /**
     * The UDP relay.
     *
     * @param bind               address the relay ports listen on. Default {@code 127.0.0.1}.
     * @param advertisedHost     IP address written into rewritten candidates: the address browsers
     *                           send media to (a literal IP in the file). Default {@code 127.0.0.1}.
     * @param portRange          UDP ports for sessions, two per session. Default 40000-40199.
     * @param maxSessions        sessions open at once, in total, 1..100000; the file must give
     *                           at least two ports of the range per session. Default 100.
     * @param maxSessionsPerPeer sessions one identity may hold at once, 1..1000. Default 8.
     * @param idleTimeout        a session with no packet for this long is closed; positive (ICE
     *                           consent checks run every ~5 s, RFC 7675 §5.1, so a live call is
     *                           never idle). Default 60 s.
     * @param maxSessionsPerAddress sessions the peers of one source address may take part in at
     *                           once (fresh keys are free, addresses are not), 1..100000. Default 16.
     * @param halfOpenTimeout    a session nobody answered (an offer without an answer) is closed
     *                           after this long, 1 s..5 min. Default 10 s.
     * @param stunProof          whether an address our STUN service answered recently may send
     *                           on a relay leg before that leg has an ICE-proven address; false:
     *                           only ICE connectivity checks prove an address. Default true.
     * @param socketBufferBytes  SO_RCVBUF and SO_SNDBUF asked for on each relay port, in bytes,
     *                           64 KiB..64 MiB; the kernel caps it at {@code net.core.rmem_max} /
     *                           {@code wmem_max}. A large receive buffer rides out a GC pause or a
     *                           busy core without drops. Default 4 MiB (as coturn asks for).
     */
    public record Relay(
            @NotNull InetAddress bind,
            @NotNull InetAddress advertisedHost,
            @NotNull PortRange portRange,
            int maxSessions,
            int maxSessionsPerPeer,
            @NotNull Duration idleTimeout,
            int maxSessionsPerAddress,
            @NotNull Duration halfOpenTimeout,
            boolean stunProof,
            int socketBufferBytes) {
        /** Default of {@link #socketBufferBytes()}: 4 MiB. */
        public static final int DEFAULT_SOCKET_BUFFER_BYTES = 4 << 20;

        /** As the canonical constructor with {@link #DEFAULT_SOCKET_BUFFER_BYTES}. */
        public Relay(final @NotNull InetAddress bind, final @NotNull InetAddress advertisedHost,
                     final @NotNull PortRange portRange, final int maxSessions, final int maxSessionsPerPeer,
                     final @NotNull Duration idleTimeout, final int maxSessionsPerAddress,
                     final @NotNull Duration halfOpenTimeout, final boolean stunProof) {
            this(bind, advertisedHost, portRange, maxSessions, maxSessionsPerPeer, idleTimeout, maxSessionsPerAddress,
                    halfOpenTimeout, stunProof, DEFAULT_SOCKET_BUFFER_BYTES);
        }

        /**
         * @throws IllegalArgumentException if a limit is below 1 or the timeout is not positive
         *                                  (the file's stricter ranges, and two ports per session,
         *                                  are checked by {@link ConfigLoader}).
         */
        public Relay {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(advertisedHost, "advertisedHost");
            Objects.requireNonNull(portRange, "portRange");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
            Objects.requireNonNull(halfOpenTimeout, "halfOpenTimeout");
            if (maxSessionsPerAddress < 1) {
                throw new IllegalArgumentException("relay.maxSessionsPerAddress must be at least 1: "
                        + maxSessionsPerAddress);
            }
            if (halfOpenTimeout.isNegative() || halfOpenTimeout.isZero()) {
                throw new IllegalArgumentException("relay.halfOpenTimeout must be positive: " + halfOpenTimeout);
            }
            if (maxSessions < 1 || maxSessionsPerPeer < 1) {
                throw new IllegalArgumentException("relay session limits must be at least 1: maxSessions "
                        + maxSessions + ", maxSessionsPerPeer " + maxSessionsPerPeer);
            }
            if (idleTimeout.isNegative() || idleTimeout.isZero()) {
                throw new IllegalArgumentException("relay.idleTimeout must be positive: " + idleTimeout);
            }
            if (socketBufferBytes < 64 * 1024 || socketBufferBytes > 64 << 20) {
                throw new IllegalArgumentException("relay.socketBufferBytes must be 65536..67108864: "
                        + socketBufferBytes);
            }
        }
    }

    /**
     * Limits on signaling input and on each connection and client, so that no stranger can use up
     * a budget everyone shares.
     *
     * @param maxSdpBytes largest SDP accepted in an offer or answer, in bytes. Default 32768.
     * @param connections what each connection to the broker may do before and after CONNECT
     *                    ({@code limits.connectionsPerAddress}, {@code limits.preConnectBytes},
     *                    {@code limits.connectTimeout}, {@code limits.readBytesPerSecond}); defaults
     *                    in {@link ConnectionLimits#DEFAULTS}.
     * @param publish     how fast one client may publish ({@code limits.publishMessagesPerSecond},
     *                    {@code limits.publishBurst}, {@code limits.publishBytesPerSecond},
     *                    {@code limits.publishByteBurst}); defaults in {@link PublishLimits#DEFAULTS}.
     */
    public record Limits(int maxSdpBytes, @NotNull ConnectionLimits connections, @NotNull PublishLimits publish) {
        public Limits {
            if (maxSdpBytes < 1) {
                throw new IllegalArgumentException("limits.maxSdpBytes must be positive: " + maxSdpBytes);
            }
            Objects.requireNonNull(connections, "connections");
            Objects.requireNonNull(publish, "publish");
        }
    }

    /**
     * What the log may contain.
     *
     * @param addresses whether client IP addresses may appear in log lines (refusals). Default
     *                  false: clients are named by their key id only.
     */
    public record Log(boolean addresses) {
    }

    /**
     * The monitoring endpoint: Prometheus text metrics at {@code /metrics}, {@code /healthz},
     * {@code /readyz} and {@code /status.json}, plain HTTP without authentication, so keep it on
     * loopback or a private network.
     *
     * @param bind address to listen on. Default {@code 127.0.0.1}.
     * @param port TCP port (0 = free, -1 = disabled). Default 9464.
     */
    public record Metrics(@NotNull InetAddress bind, int port) {
        public Metrics {
            Objects.requireNonNull(bind, "bind");
            checkPort("metrics.port", port, -1);
        }

        /** @return whether the endpoint is served at all ({@code port} is not -1). */
        public boolean enabled() {
            return port >= 0;
        }
    }

    /**
     * The personal callee service ({@code docs/protocol.md} §5.3).
     *
     * @param expiry      a pair not used (called, or waited on) for this long is discarded. Default
     *                    92 days; 1 second to 10 years.
     * @param ringTimeout how long the caller's page waits for an answer before it says "no
     *                    answer". Default 45 s; 5 s to 10 minutes.
     */
    public record Callee(@NotNull Duration expiry, @NotNull Duration ringTimeout) {
        public Callee {
            Objects.requireNonNull(expiry, "expiry");
            Objects.requireNonNull(ringTimeout, "ringTimeout");
        }
    }

    /**
     * Federation: the listener other nodes dial (MQTT over mutual TLS with the node's certificate,
     * see {@code identity.NodeKey#tlsIdentity}) and the peer nodes this node dials.
     *
     * @param bind     address of the federation listener. Default {@code 127.0.0.1}.
     * @param port     its TCP port (0 = free, -1 = off). Default -1: no federation.
     * @param hopLimit how many links a bridged message may cross, 1..16. Default 4.
     * @param peers    peer node id (43-character key hash) to the address of its federation
     *                 listener; changes at run time ({@code federation.peers}).
     */
    public record Federation(@NotNull InetAddress bind, int port, int hopLimit,
                             @NotNull Map<String, java.net.InetSocketAddress> peers) {
        public Federation {
            Objects.requireNonNull(bind, "bind");
            checkPort("federation.port", port, -1);
            if (hopLimit < 1 || hopLimit > 16) {
                throw new IllegalArgumentException("federation.hopLimit must be 1..16: " + hopLimit);
            }
            peers = Map.copyOf(peers);
        }

        /** @return whether the node federates at all (the listener is on). */
        public boolean enabled() {
            return port >= 0;
        }
    }

    /**
     * Who may reach the node at all (web pages, the broker's WebSocket and TCP listeners, STUN),
     * applied by {@code AccessControl}; changes at run time.
     *
     * @param allow         networks whose addresses are admitted (CIDR, IPv4 and IPv6); empty (the
     *                      default) admits every address.
     * @param countries     ISO 3166-1 alpha-2 codes (upper case) of the countries admitted, applied
     *                      only with {@code geoipDatabase}; empty (the default) admits every country.
     * @param geoipDatabase a MaxMind GeoLite2/GeoIP2 Country (or City) {@code .mmdb} file, or
     *                      {@code null} (the default): no countries are known.
     * @param block         when an address counts as a scanner and for how long it is refused.
     */
    public record Access(@NotNull List<dev.switchboard.node.access.Cidr> allow, @NotNull List<String> countries,
                         @Nullable Path geoipDatabase, dev.switchboard.node.access.@NotNull ScannerRules block) {
        public Access {
            allow = List.copyOf(allow);
            countries = List.copyOf(countries);
            Objects.requireNonNull(block, "block");
        }
    }

    /**
     * The personal server ({@code docs/lobby.md}): people ask for a chat on the lobby page, each
     * admin sees who waits for them on a page at a secret path. Changes at run time.
     *
     * @param admins the admins; at most one is the super-admin (exactly one when there are any).
     *               Default none: the lobby accepts requests but nobody sees them.
     * @param home   whether the lobby is the node's home page ({@code /} under the prefix) instead
     *               of the room page. Default false: the lobby is at {@code lobby.html}.
     */
    public record Lobby(@NotNull List<Admin> admins, boolean home) {
        public Lobby {
            admins = List.copyOf(admins);
        }
    }

    /**
     * One admin of the lobby.
     *
     * @param name       the name requesters type (compared ignoring case), 1..64 characters.
     * @param path       the secret path segment of the admin page (letters, digits, {@code - _ ~}),
     *                   served at {@code <pathPrefix><path>}; never logged or printed.
     * @param permitted  names this admin may call (compared ignoring case); others are listed,
     *                   marked, and cannot be called.
     * @param superAdmin whether this admin also sees the bad attempts.
     */
    public record Admin(@NotNull String name, @NotNull String path, @NotNull List<String> permitted,
                        boolean superAdmin) {
        public Admin {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(path, "path");
            permitted = List.copyOf(permitted);
        }

        /** The path is a secret: it never appears in a log or in {@code --check-config}'s output. */
        @Override
        public String toString() {
            return "Admin[name=" + name + ", path=<" + path.length() + " characters>, permitted=" + permitted
                    + ", superAdmin=" + superAdmin + "]";
        }
    }

    private static void checkPort(final String key, final int port, final int min) {
        if (port < min || port > 65535) {
            throw new IllegalArgumentException(key + " must be " + min + "..65535: " + port);
        }
    }
}
