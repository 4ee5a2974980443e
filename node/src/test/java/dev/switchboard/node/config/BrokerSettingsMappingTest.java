package dev.switchboard.node.config;

import dev.switchboard.broker.BrokerSettings;
import dev.switchboard.broker.PeerRole;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerSettingsMappingTest {

    @Test
    void builder_brokerSection_listenersAndTrustedPeersFromTheFile() throws Exception {
        final NodeConfig c = ConfigLoader.parse("""
                broker:
                  bind: 127.0.0.2
                  webSocketPort: 9001
                  tcpPort: -1
                  trustedPeers: {AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA: federation}
                """, "t");
        final BrokerSettings s = BrokerSettingsMapping.builder(c).build();
        assertEquals(IpLiteral.parse("127.0.0.2"), s.tcpBindAddress());
        assertEquals(IpLiteral.parse("127.0.0.2"), s.webSocketBindAddress());
        assertEquals(9001, s.webSocketPort());
        assertEquals(-1, s.tcpPort());
        assertEquals(Map.of("A".repeat(43), PeerRole.FEDERATION), s.trustedPeers().asMap());
    }

    /** Issue 9: the whole node under a hidden path, the broker's WebSocket included. */
    @Test
    void builder_pathPrefix_webSocketPathBelowIt() throws Exception {
        assertEquals("/mqtt", BrokerSettingsMapping.builder(ConfigLoader.defaults()).build().webSocketPath());
        final NodeConfig c = ConfigLoader.parse("pathPrefix: /h1dden-c0rner/\n", "t");
        assertEquals("/h1dden-c0rner/mqtt", BrokerSettingsMapping.builder(c).build().webSocketPath());
    }

    @Test
    void builder_defaults_theConfigurationsDefaults() {
        final BrokerSettings s = BrokerSettingsMapping.builder(ConfigLoader.defaults()).build();
        assertEquals(ConfigLoader.defaults().broker().webSocketPort(), s.webSocketPort());
        assertEquals(ConfigLoader.defaults().broker().tcpPort(), s.tcpPort());
        assertEquals(ConfigLoader.defaults().broker().bind(), s.tcpBindAddress());
        assertEquals(ConfigLoader.defaults().limits().connections(), s.connectionLimits());
        assertEquals(ConfigLoader.defaults().limits().publish(), s.publishLimits());
        assertFalse(s.logAddresses());
        assertEquals(null, s.compat(), "the compatibility listener is off unless configured");
    }

    @Test
    void builder_compatSection_theCompatibilityListener() throws Exception {
        final NodeConfig c = ConfigLoader.parse("broker: {compat: {port: 0, path: /trystero}}\n", "t");
        final BrokerSettings s = BrokerSettingsMapping.builder(c).build();
        assertEquals(c.broker().compat(), s.compat());
        assertEquals("/trystero", s.compat().path());
    }

    @Test
    void builder_limitsAndLog_fromTheFile() throws Exception {
        final NodeConfig c = ConfigLoader.parse("""
                limits: {connectionsPerAddress: 7, publishMessagesPerSecond: 3}
                log: {addresses: true}
                """, "t");
        final BrokerSettings s = BrokerSettingsMapping.builder(c).build();
        assertEquals(7, s.connectionLimits().maxConnectionsPerAddress());
        assertEquals(3, s.publishLimits().messagesPerSecond());
        assertTrue(s.logAddresses());
    }
}
