package dev.switchboard.node.config;

import dev.switchboard.broker.guard.ConnectionLimits;
import dev.switchboard.broker.guard.PublishLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.switchboard.node.relay.PortRange;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    private static InetAddress ip(final String literal) {
        return Objects.requireNonNull(IpLiteral.parse(literal), literal);
    }

    @Test
    void defaults_noFile_servesOnLocalhostWithTls() throws Exception {
        final NodeConfig c = ConfigLoader.load(Path.of("does-not-exist.yaml"), false);
        assertEquals(ip("127.0.0.1"), c.web().bind());
        assertEquals(8443, c.web().port());
        assertTrue(c.web().tls());
        assertEquals(ip("127.0.0.1"), c.broker().bind());
        assertEquals(ip("127.0.0.1"), c.stun().bind());
        assertEquals(ip("127.0.0.1"), c.relay().advertisedHost());
        assertEquals("/", c.pathPrefix());
        assertEquals(Duration.ofSeconds(60), c.relay().idleTimeout());
        assertEquals(c, ConfigLoader.defaults());
    }

    /** The compatibility listener for Trystero peers is off unless a port is given (docs/protocol.md §12). */
    @Test
    void compat_offByDefault_onWithAPortAndItsLimits() throws Exception {
        assertEquals(null, ConfigLoader.defaults().broker().compat());
        final NodeConfig c = ConfigLoader.parse("broker: { bind: 127.0.0.2, compat: { port: 8445, path: /trystero, "
                + "maxMessageBytes: 8192, publishMessagesPerSecond: 5, publishMessagesPerSecondPerAddress: 12 } }\n", "t");
        final dev.switchboard.broker.CompatListener compat = c.broker().compat();
        assertEquals(ip("127.0.0.2"), compat.bind());
        assertEquals(8445, compat.port());
        assertEquals("/trystero", compat.path());
        assertEquals(8192, compat.maxMessageBytes());
        assertEquals(5, compat.perClient().messagesPerSecond());
        assertEquals(20, compat.perClient().messageBurst());
        assertEquals(12, compat.perAddress().messagesPerSecond());
        // The byte budgets follow the message rates (the defaults' 6.4 KiB per message).
        final dev.switchboard.broker.guard.PublishLimits defaults = dev.switchboard.broker.CompatListener.DEFAULT_PER_ADDRESS;
        assertEquals(12 * defaults.bytesPerSecond() / defaults.messagesPerSecond(), compat.perAddress().bytesPerSecond());
        assertEquals(5L * 64 * 1024 / 10, compat.perClient().bytesPerSecond());
        assertEquals(dev.switchboard.broker.CompatListener.DEFAULT_PER_CLIENT,
                ConfigLoader.parse("broker: { compat: { port: 0 } }\n", "t").broker().compat().perClient());
        assertEquals(defaults, ConfigLoader.parse("broker: { compat: { port: 0 } }\n", "t").broker().compat().perAddress());
        assertEquals(dev.switchboard.broker.CompatListener.DEFAULT_MAX_MESSAGE_BYTES,
                ConfigLoader.parse("broker: { compat: { port: 0 } }\n", "t").broker().compat().maxMessageBytes());
        assertEquals(null, ConfigLoader.parse("broker: { compat: { port: -1, path: /x } }\n", "t").broker().compat());
        final ConfigException path = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("broker: { compat: { port: 0, path: nope } }\n", "t"));
        assertTrue(path.getMessage().contains("broker.compat.path"), path.getMessage());
        final ConfigException key = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("broker: { compat: { port: 0, retained: true } }\n", "t"));
        assertTrue(key.getMessage().contains("broker.compat.retained"), key.getMessage());
    }

    /** The README's configuration table is the truth for the defaults; each is written once, in the loader. */
    @Test
    void defaults_everyKey_asTheReadmeTableSays() {
        final NodeConfig c = ConfigLoader.defaults();
        assertEquals(Path.of("switchboard-data"), c.dataDir());
        assertEquals("localhost", c.publicHost());
        assertEquals("/", c.pathPrefix());
        assertEquals(new NodeConfig.Web(ip("127.0.0.1"), 8443, true, null, null, List.of()), c.web());
        assertEquals(new NodeConfig.Broker(ip("127.0.0.1"), 8444, 1883, Map.of()), c.broker());
        assertEquals(new NodeConfig.Stun(ip("127.0.0.1"), 3478), c.stun());
        assertEquals(new NodeConfig.Relay(ip("127.0.0.1"), ip("127.0.0.1"), new PortRange(40000, 40199), 100, 8,
                Duration.ofSeconds(60), 16, Duration.ofSeconds(10), true), c.relay());
        assertEquals(new NodeConfig.Limits(32768, ConnectionLimits.DEFAULTS, PublishLimits.DEFAULTS), c.limits());
        assertEquals(new NodeConfig.Log(false), c.log());
        assertEquals(new NodeConfig.Metrics(ip("127.0.0.1"), 9464), c.metrics());
    }

    @Test
    void parse_metricsSection_readsBindAndPortAndMinusOneDisables() throws Exception {
        final NodeConfig c = ConfigLoader.parse("metrics: { bind: '::1', port: 9100 }", "t");
        assertEquals(new NodeConfig.Metrics(ip("::1"), 9100), c.metrics());
        assertTrue(c.metrics().enabled());
        assertFalse(ConfigLoader.parse("metrics: { port: -1 }", "t").metrics().enabled());
    }

    @Test
    void parse_metricsBadPortOrUnknownKey_errorNamesTheKey() {
        final ConfigException port = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("metrics: { port: 70000 }", "t"));
        assertTrue(port.getMessage().contains("metrics.port"), port.getMessage());
        final ConfigException key = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("metrics: { path: /m }", "t"));
        assertTrue(key.getMessage().contains("metrics.path"), key.getMessage());
    }

    @Test
    void sections_invalidValues_rejectedByTheRecordsToo() {
        final InetAddress lo = ip("127.0.0.1");
        final PortRange range = new PortRange(40000, 40199);
        assertThrows(IllegalArgumentException.class, () -> new NodeConfig.Relay(lo, lo, range, 0, 8, Duration.ofSeconds(1), 1, Duration.ofSeconds(1), true));
        assertThrows(IllegalArgumentException.class, () -> new NodeConfig.Relay(lo, lo, range, 1, 0, Duration.ofSeconds(1), 1, Duration.ofSeconds(1), true));
        assertThrows(IllegalArgumentException.class, () -> new NodeConfig.Relay(lo, lo, range, 1, 1, Duration.ZERO, 1, Duration.ofSeconds(1), true));
        assertThrows(IllegalArgumentException.class,
                () -> new NodeConfig.Relay(lo, lo, range, 1, 1, Duration.ofSeconds(1), 0, Duration.ofSeconds(1), true));
        assertThrows(IllegalArgumentException.class,
                () -> new NodeConfig.Relay(lo, lo, range, 1, 1, Duration.ofSeconds(1), 1, Duration.ZERO, true));
        assertThrows(IllegalArgumentException.class, () -> new NodeConfig.Stun(lo, 65536));
        assertThrows(IllegalArgumentException.class, () -> new NodeConfig.Broker(lo, 0, -2, Map.of()));
        assertThrows(IllegalArgumentException.class, () -> new NodeConfig.Web(lo, 0, true, Path.of("c.pem"), null, List.of()));
        assertThrows(IllegalArgumentException.class,
                () -> new NodeConfig.Limits(0, ConnectionLimits.DEFAULTS, PublishLimits.DEFAULTS));
    }

    @Test
    void limits_fromTheFile_andOutOfRange_namedByKey() throws Exception {
        final NodeConfig c = ConfigLoader.parse("""
                limits:
                  connectionsPerAddress: 4
                  connectTimeout: 5s
                  publishMessagesPerSecond: 2
                  publishByteBurst: 65536
                log: {addresses: true}
                """, "t");
        assertEquals(4, c.limits().connections().maxConnectionsPerAddress());
        assertEquals(Duration.ofSeconds(5), c.limits().connections().connectTimeout());
        assertEquals(ConnectionLimits.DEFAULTS.preConnectBytes(), c.limits().connections().preConnectBytes());
        assertEquals(2, c.limits().publish().messagesPerSecond());
        assertEquals(65536, c.limits().publish().byteBurst());
        assertTrue(c.log().addresses());
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("limits: {connectionsPerAddress: 0}", "t"));
        assertTrue(e.getMessage().contains("limits.connectionsPerAddress"), e.getMessage());
        final ConfigException burst = assertThrows(ConfigException.class,
                () -> ConfigLoader.parse("limits: {publishByteBurst: 1000}", "t"));
        assertTrue(burst.getMessage().contains("limits.publishByteBurst"), burst.getMessage());
    }

    @Test
    void load_requiredButMissing_namesTheFile() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(Path.of("nope.yaml"), true));
        assertTrue(e.getMessage().contains("nope.yaml"), e.getMessage());
    }

    @Test
    void parse_fullFile_readsEveryKey(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, """
                dataDir: /var/lib/switchboard
                publicHost: node.example.lan
                pathPrefix: hidden-a1b2
                web:
                  bind: 0.0.0.0
                  port: 443
                  tls: true
                  certificate: /etc/sb/cert.pem
                  privateKey: /etc/sb/key.pem
                  extraNames: [127.0.0.5, sb.local]
                broker:
                  bind: 0.0.0.0
                  webSocketPort: 8884
                  tcpPort: -1
                  trustedPeers:
                    AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA: admin
                    BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB: federation
                stun:
                  bind: 0.0.0.0
                  port: 3479
                relay:
                  bind: 0.0.0.0
                  advertisedHost: 127.0.0.5
                  portRange: 50000-50099
                  maxSessions: 20
                  maxSessionsPerPeer: 2
                  idleTimeout: 2m
                limits:
                  maxSdpBytes: 20000
                """);
        final NodeConfig c = ConfigLoader.load(file, true);
        assertEquals(Path.of("/var/lib/switchboard"), c.dataDir());
        assertEquals("node.example.lan", c.publicHost());
        assertEquals("/hidden-a1b2/", c.pathPrefix());
        assertEquals(443, c.web().port());
        assertEquals(Path.of("/etc/sb/key.pem"), c.web().privateKey());
        assertEquals(2, c.web().extraNames().size());
        assertEquals(-1, c.broker().tcpPort());
        assertEquals(dev.switchboard.broker.PeerRole.ADMIN, c.broker().trustedPeers().get("A".repeat(43)));
        assertEquals(dev.switchboard.broker.PeerRole.FEDERATION, c.broker().trustedPeers().get("B".repeat(43)));
        assertEquals(3479, c.stun().port());
        assertEquals(new PortRange(50000, 50099), c.relay().portRange());
        assertEquals(ip("0.0.0.0"), c.relay().bind());
        assertEquals(ip("127.0.0.5"), c.relay().advertisedHost());
        assertEquals(Duration.ofMinutes(2), c.relay().idleTimeout());
        assertEquals(20000, c.limits().maxSdpBytes());
    }

    @Test
    void parse_emptyDocument_givesDefaults() throws Exception {
        assertEquals(ConfigLoader.defaults(), ConfigLoader.parse("", "t"));
        assertEquals(ConfigLoader.defaults(), ConfigLoader.parse("# only a comment\n", "t"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "webPort: 80|unknown key 'webPort'",
        "web: {port: 70000}|web.port",
        "web: {port: abc}|web.port",
        "web: {bind: localhost}|web.bind",
        "web: {certificate: /a.pem}|web.certificate and web.privateKey",
        "relay: {portRange: 5-4}|relay.portRange",
        "relay: {portRange: 'x'}|relay.portRange",
        "relay: {idleTimeout: soon}|relay.idleTimeout",
        "relay: {idleTimeout: 0s}|relay.idleTimeout",
        "relay: {portRange: 40000-40003, maxSessions: 3}|fewer than the 2 per session",
        "relay: {advertisedHost: 'my host'}|relay.advertisedHost",
        "relay: {advertisedHost: 1.2.3}|relay.advertisedHost",
        "relay: {bind: 256.0.0.1}|relay.bind",
        "stun: {bind: '::g'}|stun.bind",
        "web: {extraNames: [1.2.3.4.5]}|web.extraNames",
        "pathPrefix: '/../x'|pathPrefix",
        "publicHost: 'bad host!'|publicHost",
        "limits: {maxSdpBytes: 10}|limits.maxSdpBytes",
        "web: [1, 2]|expected a mapping",
        "broker: {trustedPeers: {abc: admin}}|not a peer id",
        "broker: {trustedPeers: {AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA: root}}|must be admin or federation",
        "'[unclosed'|not valid YAML",
        "- a list|top level must be a mapping",
    })
    void parse_invalidValue_errorNamesKey(final String yaml, final String expected) {
        final ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, "test.yaml"));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith("test.yaml"), e.getMessage());
    }

    @Test
    void parseDuration_units_parsed() {
        assertEquals(Duration.ofMillis(500), ConfigLoader.parseDuration("500ms"));
        assertEquals(Duration.ofSeconds(30), ConfigLoader.parseDuration("30s"));
        assertEquals(Duration.ofHours(2), ConfigLoader.parseDuration("2h"));
        assertEquals(Duration.ofSeconds(45), ConfigLoader.parseDuration("PT45S"));
        assertEquals(null, ConfigLoader.parseDuration("forever"));
        assertFalse(ConfigLoader.parseDuration("1d").isZero());
    }

    @Test
    void parse_accessAndLobby_readEveryKey() throws Exception {
        final NodeConfig c = ConfigLoader.parse("""
                access:
                  allow: [192.0.2.0/24, '2001:db8::/32', 127.0.0.1]
                  countries: [se, GB]
                  geoipDatabase: /var/lib/GeoIP/GeoLite2-Country.mmdb
                  block: { unknownPaths: 3, failedProofs: 2, window: 30s, duration: 2h }
                lobby:
                  home: true
                  admins:
                    - { name: ' Ann ', path: Vq3-Xk9_pL2mZ7tR4wY8bN, permitted: [Bob, Cat], super: true }
                    - { name: Dan, path: Hd6-sJ1qW5eU0oI3aP7cF2, permitted: [Cat] }
                """, "test");
        assertEquals(List.of(dev.switchboard.node.access.Cidr.parse("192.0.2.0/24"),
                dev.switchboard.node.access.Cidr.parse("2001:db8::/32"),
                dev.switchboard.node.access.Cidr.parse("127.0.0.1/32")), c.access().allow());
        assertEquals(List.of("SE", "GB"), c.access().countries());
        assertEquals(java.nio.file.Path.of("/var/lib/GeoIP/GeoLite2-Country.mmdb"), c.access().geoipDatabase());
        assertEquals(new dev.switchboard.node.access.ScannerRules(3, 2, java.time.Duration.ofSeconds(30),
                java.time.Duration.ofHours(2)), c.access().block());
        assertTrue(c.lobby().home());
        assertEquals(2, c.lobby().admins().size());
        assertEquals("Ann", c.lobby().admins().get(0).name());
        assertTrue(c.lobby().admins().get(0).superAdmin());
        assertFalse(c.lobby().admins().get(1).superAdmin());
        assertFalse(c.toString().contains("Vq3-Xk9"), "the secret path never shows in the printed configuration");
    }

    @Test
    void defaults_accessAndLobby_admitEveryoneAndHaveNoAdmins() {
        final NodeConfig c = ConfigLoader.defaults();
        assertTrue(c.access().allow().isEmpty());
        assertTrue(c.access().countries().isEmpty());
        assertEquals(dev.switchboard.node.access.ScannerRules.DEFAULTS, c.access().block());
        assertTrue(c.lobby().admins().isEmpty());
        assertFalse(c.lobby().home());
    }

    @Test
    void parse_badAccessOrLobby_errorNamesTheKey_neverThePath() {
        for (final String[] bad : new String[][] {
            {"access: { allow: [example.org] }", "access.allow"},
            {"access: { allow: [192.0.2.0/40] }", "access.allow"},
            {"access: { countries: [Sweden] }", "access.countries"},
            {"access: { block: { window: 0s } }", "access.block.window"},
            {"access: { block: { unknownPaths: 0 } }", "access.block.unknownPaths"},
            {"lobby: { admins: [ { name: Ann, path: 'a/b' } ] }", "lobby.admins[1].path"},
            {"lobby: { admins: [ { name: Ann } ] }", "lobby.admins[1].path"},
            {"lobby: { admins: [ { path: Vq3-Xk9_pL2mZ7tR4wY8bN } ] }", "lobby.admins[1].name"},
            {"lobby: { admins: [ {name: A, path: Vq3-Xk9_pL2mZ7tR4wY8bN}, {name: B, path: Hd6-sJ1qW5eU0oI3aP7cF2} ] }",
                "super-admin"},
            {"lobby: { admins: [ {name: A, path: Vq3-Xk9_pL2mZ7tR4wY8bN, super: true},"
                + " {name: a, path: Hd6-sJ1qW5eU0oI3aP7cF2} ] }", "two admins are called"},
            {"lobby: { admins: [ {name: A, path: Vq3-Xk9_pL2mZ7tR4wY8bN, super: true},"
                + " {name: B, path: Vq3-Xk9_pL2mZ7tR4wY8bN} ] }", "same path"},
            {"lobby: { admins: [ {name: A, path: Vq3-Xk9_pL2mZ7tR4wY8bN, colour: red} ] }", "colour"},
        }) {
            final ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(bad[0], "test"),
                    bad[0]);
            assertTrue(e.getMessage().contains(bad[1]), bad[0] + " -> " + e.getMessage());
            assertFalse(e.getMessage().contains("Vq3-Xk9") || e.getMessage().contains("a/b"),
                    "a secret path is never echoed: " + e.getMessage());
        }
    }

    @Test
    void parse_singleAdmin_isTheSuperAdmin() throws Exception {
        final NodeConfig c = ConfigLoader.parse("lobby: { admins: [ { name: Ann, path: Vq3-Xk9_pL2mZ7tR4wY8bN } ] }",
                "test");
        assertTrue(c.lobby().admins().get(0).superAdmin());
    }
}
