package dev.switchboard.node.info;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.config.NodeConfig;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class NodeInfoTest {

    private static final String NODE_ID = "N".repeat(43);

    @Test
    void toJson_startedNode_exactlyTheDocumentOfProtocolSection2() throws Exception {
        final NodeConfig config = ConfigLoader.parse("""
                web: {tls: true}
                relay: {advertisedHost: 127.0.0.10}
                limits: {maxSdpBytes: 20000}
                """, "t");

        final byte[] json = NodeInfo.of(config, NODE_ID, 8444, "/mqtt", 65536, 3478).toJson();

        assertEquals("{\"v\":1,\"nodeId\":\"" + NODE_ID + "\","
                        + "\"broker\":{\"webSocketPort\":8444,\"path\":\"/mqtt\",\"tls\":true},"
                        + "\"stun\":{\"host\":\"127.0.0.10\",\"port\":3478},"
                        + "\"relay\":{\"host\":\"127.0.0.10\"},"
                        + "\"limits\":{\"maxSdpBytes\":20000,\"maxPacketBytes\":65536}}",
                new String(json, StandardCharsets.UTF_8));
    }

    @Test
    void toJson_plainHttpIpv6Relay_tlsFalseAndTheLiteralWithoutBrackets() throws Exception {
        final NodeConfig config = ConfigLoader.parse("web: {tls: false}\nrelay: {advertisedHost: '::1'}\n", "t");

        final JsonNode doc = JsonMapper.builder().build().readTree(
                NodeInfo.of(config, NODE_ID, 40001, "/mqtt", 1024, 40002).toJson());

        assertEquals(false, doc.get("broker").get("tls").booleanValue());
        assertEquals("0:0:0:0:0:0:0:1", doc.get("relay").get("host").asText());
        assertEquals(40002, doc.get("stun").get("port").intValue());
        assertEquals(1024, doc.get("limits").get("maxPacketBytes").intValue());
    }

    @Test
    void toJson_brokerTcpListener_namesItsPortAndTls() throws Exception {
        final NodeConfig config = ConfigLoader.parse("web: {tls: true}\n", "t");
        final NodeInfo info = NodeInfo.of(config, NODE_ID, 8444, "/mqtt", 65536, 3478);

        final JsonNode withTcp = JsonMapper.builder().build().readTree(info.withBrokerTcp(1883, false).toJson());
        assertEquals("{\"webSocketPort\":8444,\"path\":\"/mqtt\",\"tls\":true,\"tcpPort\":1883,\"tcpTls\":false}",
                withTcp.get("broker").toString());
        assertEquals(true, JsonMapper.builder().build().readTree(info.withBrokerTcp(8883, true).toJson())
                .get("broker").get("tcpTls").booleanValue());
        // No TCP listener: the fields are left out rather than naming a port that does not exist.
        assertEquals(false, JsonMapper.builder().build().readTree(info.withBrokerTcp(-1, true).toJson())
                .get("broker").has("tcpPort"));
    }
}
