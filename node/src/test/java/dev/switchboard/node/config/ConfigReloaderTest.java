package dev.switchboard.node.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.broker.PeerRole;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigReloaderTest {

    private static final String A = "A".repeat(43);
    private static final String B = "B".repeat(43);

    @TempDir
    Path dir;
    private Path file;
    private final List<RuntimeSettings> heard = new CopyOnWriteArrayList<>();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(ConfigReloader.class);

    @BeforeEach
    void captureLog() {
        log.start();
        logger.addAppender(log);
        file = dir.resolve("switchboard.yaml");
    }

    @AfterEach
    void releaseLog() {
        logger.detachAppender(log);
    }

    private ConfigReloader reloaderFor(final String yaml) throws Exception {
        Files.writeString(file, yaml);
        final NodeConfig start = ConfigLoader.load(file, true);
        final RuntimeSettingsHolder holder = new RuntimeSettingsHolder(RuntimeSettings.of(start));
        holder.addListener(heard::add);
        return new ConfigReloader(file, start, holder);
    }

    private List<ILoggingEvent> logged(final Level level) {
        return log.list.stream().filter(e -> e.getLevel() == level).toList();
    }

    @Test
    void reload_trustedPeersChanged_appliedAndListenersTold() throws Exception {
        final ConfigReloader reloader = reloaderFor("broker: {trustedPeers: {" + A + ": admin}}\n");
        Files.writeString(file, "broker: {trustedPeers: {" + B + ": federation}}\n");

        final ConfigReloader.Outcome outcome = reloader.reload();

        assertEquals(new ConfigReloader.Applied(List.of("broker.trustedPeers"), List.of()), outcome);
        assertEquals(List.of(new RuntimeSettings(Map.of(B, PeerRole.FEDERATION))), heard);
        assertEquals(Map.of(B, PeerRole.FEDERATION), reloader.running().broker().trustedPeers());
        assertTrue(logged(Level.WARN).isEmpty() && logged(Level.ERROR).isEmpty(), log.list.toString());
    }

    @Test
    void reload_invalidFile_keepsRunningConfigurationAndLogsOneErrorNamingTheKey() throws Exception {
        final ConfigReloader reloader = reloaderFor("broker: {trustedPeers: {" + A + ": admin}}\n");
        final NodeConfig before = reloader.running();
        Files.writeString(file, "broker: {trustedPeers: {}}\nrelay: {portRange: 9-1}\n");

        final ConfigReloader.Outcome outcome = reloader.reload();

        final ConfigReloader.Rejected rejected = assertInstanceOf(ConfigReloader.Rejected.class, outcome);
        assertTrue(rejected.error().contains("relay.portRange"), rejected.error());
        assertEquals(before, reloader.running());
        assertEquals(List.of(), heard);
        assertEquals(1, logged(Level.ERROR).size(), log.list.toString());
        assertTrue(logged(Level.ERROR).get(0).getFormattedMessage().contains("relay.portRange"));
    }

    @Test
    void reload_fileDeleted_keepsRunningConfigurationAndNamesTheFile() throws Exception {
        final ConfigReloader reloader = reloaderFor("broker: {trustedPeers: {" + A + ": admin}}\n");
        Files.delete(file);

        final ConfigReloader.Rejected rejected = assertInstanceOf(ConfigReloader.Rejected.class, reloader.reload());

        assertTrue(rejected.error().contains("switchboard.yaml"), rejected.error());
        assertEquals(Map.of(A, PeerRole.ADMIN), reloader.running().broker().trustedPeers());
        assertEquals(List.of(), heard);
    }

    @Test
    void reload_restartOnlyKeysChanged_reportedInOneLineAndKept() throws Exception {
        final ConfigReloader reloader = reloaderFor("""
                web: {port: 9443}
                relay: {portRange: 41000-41099, maxSessions: 10}
                broker: {trustedPeers: {%s: admin}}
                """.formatted(A));
        Files.writeString(file, """
                dataDir: elsewhere
                web: {port: 9444}
                relay: {portRange: 41000-41199, maxSessions: 10}
                broker: {trustedPeers: {%s: admin}}
                """.formatted(B));

        final ConfigReloader.Outcome outcome = reloader.reload();

        assertEquals(new ConfigReloader.Applied(List.of("broker.trustedPeers"),
                List.of("dataDir", "web.port", "relay.portRange")), outcome);
        final NodeConfig running = reloader.running();
        assertEquals(Path.of("switchboard-data"), running.dataDir());
        assertEquals(9443, running.web().port());
        assertEquals("41000-41099", running.relay().portRange().toString());
        assertEquals(Map.of(B, PeerRole.ADMIN), running.broker().trustedPeers());
        assertEquals(1, logged(Level.WARN).size(), log.list.toString());
        final String warning = logged(Level.WARN).get(0).getFormattedMessage();
        assertTrue(warning.contains("dataDir, web.port, relay.portRange") && warning.contains("restart"), warning);
    }

    @Test
    void reload_onlyRestartKeysChanged_listenersNotTold() throws Exception {
        final ConfigReloader reloader = reloaderFor("stun: {port: 3479}\n");
        Files.writeString(file, "stun: {port: 3480}\n");

        assertEquals(new ConfigReloader.Applied(List.of(), List.of("stun.port")), reloader.reload());
        assertEquals(List.of(), heard);
        assertEquals(3479, reloader.running().stun().port());
    }

    @Test
    void reload_unchangedFile_nothingAppliedNothingReported() throws Exception {
        final ConfigReloader reloader = reloaderFor("broker: {trustedPeers: {" + A + ": admin}}\n");

        assertEquals(new ConfigReloader.Applied(List.of(), List.of()), reloader.reload());
        assertEquals(List.of(), heard);
        assertTrue(logged(Level.WARN).isEmpty() && logged(Level.ERROR).isEmpty(), log.list.toString());
    }

    @Test
    void changedKeys_everySectionAndValue_namedAsInTheFile() throws Exception {
        final NodeConfig a = ConfigLoader.defaults();
        final NodeConfig b = ConfigLoader.parse("""
                publicHost: 127.0.0.2
                web: {tls: false, extraNames: [sb.local]}
                broker: {tcpPort: -1}
                relay: {idleTimeout: 2m, maxSessionsPerPeer: 2}
                limits: {maxSdpBytes: 20000}
                """, "t");
        assertEquals(List.of("publicHost", "web.tls", "web.extraNames", "broker.tcpPort", "relay.maxSessionsPerPeer",
                "relay.idleTimeout", "limits.maxSdpBytes"), ConfigReloader.changedKeys(a, b));
        assertEquals(List.of(), ConfigReloader.changedKeys(a, ConfigLoader.defaults()));
    }
}
