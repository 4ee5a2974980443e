package dev.switchboard.broker;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerSettingsTest {

    @Test
    void defaults_documentedValues() {
        final BrokerSettings s = BrokerSettings.builder().build();
        assertEquals("127.0.0.1", s.tcpBindAddress());
        assertEquals("/mqtt", s.webSocketPath());
        assertEquals(65536, s.maxPacketSize());
        assertEquals(Duration.ofSeconds(5), s.interceptTimeout());
        assertTrue(s.trustedPeers().isEmpty());
    }

    @Test
    void build_badValues_throwNamingTheSetting() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> BrokerSettings.builder().tcpPort(70000).build()).getMessage()
                .contains("tcpPort"));
        assertThrows(IllegalArgumentException.class,
                () -> BrokerSettings.builder().webSocketPath("mqtt").build());
        assertThrows(IllegalArgumentException.class,
                () -> BrokerSettings.builder().nodeId("").build());
        assertThrows(IllegalArgumentException.class,
                () -> BrokerSettings.builder().authTimeout(Duration.ofMinutes(5)).build());
        assertThrows(IllegalArgumentException.class, () -> BrokerSettings.builder()
                .trustedPeers(Map.of("short", PeerRole.ADMIN)).build());
        assertThrows(IllegalArgumentException.class,
                () -> BrokerSettings.builder().tcpPort(-1).webSocketPort(-1).build());
    }

    @Test
    void config_rendersFixedChoicesAndEscapes() {
        final BrokerSettings s = BrokerSettings.builder()
                .webSocketTls(new BrokerSettings.Tls(Path.of("/k/store.p12"), "p<&>w"))
                .build();
        final String xml = HiveMqConfig.render(s, 1111, 2222);
        assertTrue(xml.contains("<tcp-listener>"));
        assertTrue(xml.contains("<port>1111</port>"));
        assertTrue(xml.contains("<tls-websocket-listener>"));
        assertTrue(xml.contains("<port>2222</port>"));
        assertTrue(xml.contains("<path>/mqtt</path>"));
        assertTrue(xml.contains("<password>p&lt;&amp;&gt;w</password>"));
        assertTrue(xml.contains("<anonymous-usage-statistics><enabled>false</enabled>"));
        assertTrue(xml.contains("<mode>in-memory</mode>"));
        assertTrue(xml.contains("<max-packet-size>65536</max-packet-size>"));
        assertFalse(s.webSocketTls().toString().contains("p<&>w"));
    }
}
