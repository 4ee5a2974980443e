package dev.switchboard.node.info;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.node.config.NodeConfig;
import org.jetbrains.annotations.NotNull;

import java.net.InetAddress;
import java.util.Objects;

/**
 * The node-information document ({@code docs/protocol.md} §2): the public facts a client needs
 * before it connects, served as {@code node-info.json} and published, retained, on
 * {@code sb/v1/node/info}. A pure value; {@link #toJson()} writes the document:
 *
 * <pre>{@code
 * {"v":1,"nodeId":"<43 chars>",
 *  "broker":{"webSocketPort":8444,"path":"/mqtt","tls":true,"tcpPort":1883,"tcpTls":false},
 *  "stun":{"host":"127.0.0.1","port":3478},
 *  "relay":{"host":"127.0.0.1"},
 *  "limits":{"maxSdpBytes":32768,"maxPacketBytes":65536}}
 * }</pre>
 *
 * @param nodeId              the node's peer id (43 base64url characters).
 * @param brokerWebSocketPort the broker's real WebSocket port, 1..65535.
 * @param brokerPath          the WebSocket listener's HTTP path, e.g. {@code /mqtt}.
 * @param tls                 whether the broker speaks WSS (and the page HTTPS).
 * @param advertisedHost      the address browsers reach STUN and the relay at
 *                            ({@code relay.advertisedHost}); written as a literal.
 * @param stunPort            the STUN service's real UDP port, 1..65535.
 * @param maxSdpBytes         largest SDP the node accepts, in bytes.
 * @param maxPacketBytes      largest MQTT packet the broker accepts, in bytes.
 * @param brokerTcpPort       the broker's real MQTT-over-TCP port (tools, non-browser peers,
 *                            federation), 1..65535, or -1 when it has no TCP listener (then
 *                            {@code tcpPort} and {@code tcpTls} are left out of the document).
 * @param brokerTcpTls        whether the TCP listener speaks TLS (MQTT over TLS, with the node's
 *                            certificate, docs/protocol.md §2) rather than plain TCP.
 */
public record NodeInfo(@NotNull String nodeId, int brokerWebSocketPort, @NotNull String brokerPath, boolean tls,
                       @NotNull InetAddress advertisedHost, int stunPort, int maxSdpBytes, int maxPacketBytes,
                       int brokerTcpPort, boolean brokerTcpTls) {

    /** Version of the document's format ({@code "v"}). */
    public static final int VERSION = 1;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    public NodeInfo {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(brokerPath, "brokerPath");
        Objects.requireNonNull(advertisedHost, "advertisedHost");
    }

    /**
     * @param config              the node's configuration.
     * @param nodeId              the node's peer id.
     * @param brokerWebSocketPort the broker's real WebSocket port (after binding port 0).
     * @param brokerPath          the broker's WebSocket path.
     * @param maxPacketBytes      the broker's largest packet.
     * @param stunPort            the STUN service's real port.
     * @return the document for a started node.
     */
    public static @NotNull NodeInfo of(final @NotNull NodeConfig config, final @NotNull String nodeId,
                                       final int brokerWebSocketPort, final @NotNull String brokerPath,
                                       final int maxPacketBytes, final int stunPort) {
        return new NodeInfo(nodeId, brokerWebSocketPort, brokerPath, config.web().tls(),
                config.relay().advertisedHost(), stunPort, config.limits().maxSdpBytes(), maxPacketBytes, -1, false);
    }

    /**
     * @param port the broker's real TCP port (after binding port 0), or -1 (or 0) for none.
     * @param tcpTls whether that listener speaks TLS.
     * @return this document naming the broker's TCP listener.
     */
    public @NotNull NodeInfo withBrokerTcp(final int port, final boolean tcpTls) {
        return new NodeInfo(nodeId, brokerWebSocketPort, brokerPath, tls, advertisedHost, stunPort, maxSdpBytes,
                maxPacketBytes, port > 0 ? port : -1, port > 0 && tcpTls);
    }

    /** @return the document as UTF-8 JSON, fields in the order {@code docs/protocol.md} shows. */
    public byte @NotNull [] toJson() {
        final ObjectNode info = JSON.createObjectNode();
        info.put("v", VERSION);
        info.put("nodeId", nodeId);
        final ObjectNode broker = info.putObject("broker");
        broker.put("webSocketPort", brokerWebSocketPort);
        broker.put("path", brokerPath);
        broker.put("tls", tls);
        if (brokerTcpPort > 0) {
            broker.put("tcpPort", brokerTcpPort);
            broker.put("tcpTls", brokerTcpTls);
        }
        final ObjectNode stun = info.putObject("stun");
        stun.put("host", advertisedHost.getHostAddress());
        stun.put("port", stunPort);
        info.putObject("relay").put("host", advertisedHost.getHostAddress());
        final ObjectNode limits = info.putObject("limits");
        limits.put("maxSdpBytes", maxSdpBytes);
        limits.put("maxPacketBytes", maxPacketBytes);
        try {
            return JSON.writeValueAsBytes(info);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("a tree of strings and numbers always serializes", e);
        }
    }
}
