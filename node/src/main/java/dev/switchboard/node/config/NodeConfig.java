package dev.switchboard.node.config;

import dev.switchboard.broker.PeerRole;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole configuration of one node: one validated, immutable value read from one YAML file by
 * {@link ConfigLoader}. Every default lives in {@link ConfigLoader#defaults()}; with no file at all
 * the node serves on localhost only.
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
 * @param limits     limits on signaling input.
 */
public record NodeConfig(
        @NotNull Path dataDir,
        @NotNull String publicHost,
        @NotNull String pathPrefix,
        @NotNull Web web,
        @NotNull Broker broker,
        @NotNull Stun stun,
        @NotNull Relay relay,
        @NotNull Limits limits) {

    public NodeConfig {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(publicHost, "publicHost");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(web, "web");
        Objects.requireNonNull(broker, "broker");
        Objects.requireNonNull(stun, "stun");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(limits, "limits");
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
            @NotNull String bind,
            int port,
            boolean tls,
            @Nullable Path certificate,
            @Nullable Path privateKey,
            @NotNull List<String> extraNames) {
        public Web {
            Objects.requireNonNull(bind, "bind");
            extraNames = List.copyOf(extraNames);
        }
    }

    /**
     * The embedded broker's listeners. The WebSocket listener serves path {@code /mqtt} and uses
     * TLS whenever {@link Web#tls()} does.
     *
     * @param bind          address for both listeners. Default {@code 127.0.0.1}.
     * @param webSocketPort port of the WebSocket listener for browsers (0 = free). Default 8444.
     * @param tcpPort       port of the MQTT-over-TCP listener for tools and federation (0 = free,
     *                      -1 = disabled). Default 1883.
     * @param trustedPeers  the node's own clients by peer id (43-character key hash), with their
     *                      wider topic rights: {@code admin} for tools, {@code federation} for
     *                      other nodes' bridges. They authenticate by key like browsers. Default
     *                      none.
     */
    public record Broker(@NotNull String bind, int webSocketPort, int tcpPort,
                         @NotNull Map<String, PeerRole> trustedPeers) {
        public Broker {
            Objects.requireNonNull(bind, "bind");
            trustedPeers = Map.copyOf(trustedPeers);
        }
    }

    /**
     * The STUN binding service (RFC 8489).
     *
     * @param bind address to listen on. Default {@code 127.0.0.1}.
     * @param port UDP port (0 = free). Default 3478.
     */
    public record Stun(@NotNull String bind, int port) {
        public Stun {
            Objects.requireNonNull(bind, "bind");
        }
    }

    /**
     * The UDP relay.
     *
     * @param bind               address the relay ports listen on. Default {@code 127.0.0.1}.
     * @param advertisedHost     IP address written into rewritten candidates: the address browsers
     *                           send media to. Must be a literal IP. Default {@code 127.0.0.1}.
     * @param portMin            first port of the range, 1..65535. Default 40000.
     * @param portMax            last port of the range, {@code >= portMin}. Default 40199.
     * @param maxSessions        sessions open at once, in total. Default 100.
     * @param maxSessionsPerPeer sessions one identity may hold at once. Default 8.
     * @param idleTimeout        a session with no packet for this long is closed. Default 60 s.
     */
    public record Relay(
            @NotNull String bind,
            @NotNull String advertisedHost,
            int portMin,
            int portMax,
            int maxSessions,
            int maxSessionsPerPeer,
            @NotNull Duration idleTimeout) {
        public Relay {
            Objects.requireNonNull(bind, "bind");
            Objects.requireNonNull(advertisedHost, "advertisedHost");
            Objects.requireNonNull(idleTimeout, "idleTimeout");
        }
    }

    /**
     * Limits on signaling input.
     *
     * @param maxSdpBytes largest SDP accepted in an offer or answer, in bytes. Default 32768.
     */
    public record Limits(int maxSdpBytes) {
    }
}
