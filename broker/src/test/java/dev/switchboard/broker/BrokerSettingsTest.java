package dev.switchboard.broker;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BrokerSettingsTest {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    /** The listeners' addresses and ports: required, they come from the node's configuration. */
    private static BrokerSettings.Builder listeners() {
        return BrokerSettings.builder().tcpBindAddress(LOOPBACK).tcpPort(0)
                .webSocketBindAddress(LOOPBACK).webSocketPort(0);
    }

    @Test
    void defaults_documentedValues() {
        final BrokerSettings s = listeners().build();
        assertEquals(LOOPBACK, s.tcpBindAddress());
        assertEquals("/mqtt", s.webSocketPath());
        assertEquals(65536, s.maxPacketSize());
        assertEquals(Duration.ofSeconds(5), s.interceptTimeout());
        assertTrue(s.trustedPeers().isEmpty());
    }

    @Test
    void build_listenerNotSet_throwsNamingIt() {
        assertTrue(assertThrows(NullPointerException.class, () -> BrokerSettings.builder()
                .tcpBindAddress(LOOPBACK).webSocketBindAddress(LOOPBACK).tcpPort(0).build())
                .getMessage().contains("webSocketPort"));
        assertTrue(assertThrows(NullPointerException.class, () -> BrokerSettings.builder()
                .tcpPort(0).webSocketPort(0).webSocketBindAddress(LOOPBACK).build())
                .getMessage().contains("tcpBindAddress"));
    }

    @Test
    void trustedPeers_replaced_readersSeeTheNewSetAndBadIdsChangeNothing() {
        final String a = "A".repeat(43);
        final String b = "B".repeat(43);
        final BrokerSettings s = listeners().trustedPeers(Map.of(a, PeerRole.ADMIN)).build();
        assertEquals(PeerRole.ADMIN, s.trustedPeers().get(a));
        assertEquals(Map.of(a, PeerRole.ADMIN), s.trustedPeers().replace(Map.of(b, PeerRole.FEDERATION)));
        assertNull(s.trustedPeers().get(a));
        assertEquals(PeerRole.FEDERATION, s.trustedPeers().get(b));
        assertThrows(IllegalArgumentException.class, () -> s.trustedPeers().replace(Map.of("short", PeerRole.ADMIN)));
        assertEquals(Map.of(b, PeerRole.FEDERATION), s.trustedPeers().asMap());
    }

    @Test
    void build_badValues_throwNamingTheSetting() {
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> listeners().tcpPort(70000).build()).getMessage()
                .contains("tcpPort"));
        assertThrows(IllegalArgumentException.class,
                () -> listeners().webSocketPath("mqtt").build());
        assertThrows(IllegalArgumentException.class,
                () -> listeners().nodeId("").build());
        assertThrows(IllegalArgumentException.class,
                () -> listeners().authTimeout(Duration.ofMinutes(5)).build());
        assertThrows(IllegalArgumentException.class, () -> listeners()
                .trustedPeers(Map.of("short", PeerRole.ADMIN)).build());
        assertThrows(IllegalArgumentException.class,
                () -> listeners().tcpPort(-1).webSocketPort(-1).build());
    }

    @Test
    void config_rendersFixedChoicesAndEscapes() {
        final BrokerSettings s = listeners()
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
        // HiveMQ's throttle is one budget for all connections: never configured (the limit is
        // per connection, in guard.ListenerGuard).
        assertFalse(xml.contains("incoming-bandwidth-throttling"));
        assertFalse(s.webSocketTls().toString().contains("p<&>w"));
    }
}
