package dev.switchboard.node;

import dev.switchboard.broker.PeerRole;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.config.ConfigReloader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A whole node reloading its configuration file: the trusted peers really change (a peer removed
 * from the file is disconnected and, connecting again, has only a browser's rights), and keys that
 * need a restart keep their running value.
 */
class ConfigReloadIT {

    private static final Duration WAIT = Duration.ofSeconds(20);
    /** SUBACK reason codes (MQTT 5 §3.9.3): granted QoS 1, not authorized. */
    private static final int GRANTED_QOS_1 = 0x01;
    private static final int NOT_AUTHORIZED = 0x87;

    @TempDir
    Path dir;
    private Node node;
    private final TestPeer admin = new TestPeer();

    @AfterEach
    void stop() {
        admin.close();
        if (node != null) {
            node.close();
        }
    }

    private String yaml(final int stunPort, final String trustedPeers) {
        return """
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0, trustedPeers: %s }
                stun: { port: %d }
                relay: { portRange: 45000-45019, maxSessions: 10 }
                """.formatted(dir.resolve("data").toString().replace("\\", "/"), trustedPeers, stunPort);
    }

    /** Replaces the file the way editors do: a new file renamed over the old one. */
    private void replaceFile(final Path file, final String content) throws Exception {
        final Path temp = dir.resolve(".switchboard.yaml.new");
        Files.writeString(temp, content);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void trustedPeerRemovedFromFile_disconnectedAndNoLongerTrusted_restartKeyKept() throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml(0, "{" + admin.id + ": admin}"));
        node = Node.start(ConfigLoader.load(file, true), Node.Options.defaults().withConfigFile(file));
        final int tcpPort = node.broker().tcpPort();

        admin.connect(tcpPort);
        assertEquals(GRANTED_QOS_1, admin.subscribe("sb/v1/#"), "a trusted admin may subscribe to everything");

        replaceFile(file, yaml(3479, "{}"));

        await().atMost(WAIT).until(() -> node.config().broker().trustedPeers().isEmpty());
        await().atMost(WAIT).until(() -> !admin.isConnected());
        assertEquals(0, node.config().stun().port(), "stun.port needs a restart and keeps its running value");
        admin.connect(tcpPort);
        assertEquals(NOT_AUTHORIZED, admin.subscribe("sb/v1/#"), "no longer trusted after the reload");
    }

    @Test
    void reloadConfiguration_asOnSighup_appliesValidAndKeepsInvalid() throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, yaml(0, "{}"));
        node = Node.start(ConfigLoader.load(file, true), Node.Options.defaults().withConfigFile(file));
        final int tcpPort = node.broker().tcpPort();
        admin.connect(tcpPort);
        assertEquals(NOT_AUTHORIZED, admin.subscribe("sb/v1/#"));
        admin.disconnect();

        Files.writeString(file, yaml(0, "{" + admin.id + ": admin}"));
        // What the SIGHUP handler runs (the watcher may have reloaded the same file already).
        final ConfigReloader.Outcome applied = node.reloadConfiguration();
        assertTrue(applied instanceof ConfigReloader.Applied, applied.toString());
        assertEquals(Map.of(admin.id, PeerRole.ADMIN), node.runtimeSettings().current().trustedPeers());
        admin.connect(tcpPort);
        assertEquals(GRANTED_QOS_1, admin.subscribe("sb/v1/#"), "trusted after the reload");

        Files.writeString(file, yaml(0, "{" + admin.id + ": root}"));
        final ConfigReloader.Outcome rejected = node.reloadConfiguration();
        assertTrue(rejected instanceof ConfigReloader.Rejected r && r.error().contains("broker.trustedPeers"),
                rejected.toString());
        assertEquals(Map.of(admin.id, PeerRole.ADMIN), node.config().broker().trustedPeers());
        assertTrue(admin.isConnected(), "an invalid file changes nothing");
    }
}
