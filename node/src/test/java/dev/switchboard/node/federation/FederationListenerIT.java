package dev.switchboard.node.federation;

import dev.switchboard.broker.TestPeer;
import dev.switchboard.broker.topic.Topics;
import dev.switchboard.node.Node;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.identity.NodeKey;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.packet.UserProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The federation listener with a real node: a peer node is admitted by the key in its client
 * certificate (Eclipse Paho over mutual TLS, no AUTH exchange) and gets the node's messages with
 * the verified sender; a node whose key is not a configured peer, a client without certificate and
 * a client that pins another node id are refused, and the refused one receives nothing.
 */
class FederationListenerIT {

    @TempDir
    Path dir;
    private Node node;
    private final NodeKey peer = NodeKey.generate();
    private final NodeKey stranger = NodeKey.generate();

    @BeforeEach
    void start() throws Exception {
        final Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, """
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: 46600-46649, maxSessions: 20 }
                metrics: { port: -1 }
                federation:
                  port: 0
                  peers:
                    %s: "127.0.0.1:9"
                """.formatted(dir.resolve("data").toString().replace("\\", "/"), peer.id()));
        final NodeConfig c = ConfigLoader.load(config, true);
        node = Node.start(c, Node.Options.defaults().withConfigFile(config));
    }

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
    }

    private MqttClient client(final NodeKey as, final String pinnedId) throws MqttException {
        final MqttClient c = new MqttClient("ssl://127.0.0.1:" + node.broker().federationPort(), as.id(),
                new MemoryPersistence());
        final MqttConnectionOptions o = new MqttConnectionOptions();
        o.setCleanStart(true);
        o.setConnectionTimeout(10);
        final SSLContext tls = Federation.clientContext(as.tlsIdentity(), pinnedId, "test");
        o.setSocketFactory(tls.getSocketFactory());
        o.setHttpsHostnameVerificationEnabled(false);
        c.connect(o);
        return c;
    }

    @Test
    void configuredPeerAdmittedByCertificate_othersRefused_refusedOneGetsNothing() throws Exception {
        final MqttClient ok = client(peer, node.key().id());
        final BlockingQueue<String[]> got = new LinkedBlockingQueue<>();
        final MqttSubscription sub = new MqttSubscription("sb/v1/room/+/presence", 1);
        sub.setNoLocal(true);
        ok.setCallback(new org.eclipse.paho.mqttv5.client.MqttCallback() {
            @Override public void disconnected(final org.eclipse.paho.mqttv5.client.MqttDisconnectResponse r) { }
            @Override public void mqttErrorOccurred(final MqttException e) { }
            @Override public void messageArrived(final String topic, final MqttMessage m) {
                String sender = null;
                for (final UserProperty p : m.getProperties().getUserProperties()) {
                    if (p.getKey().equals("sb-sender")) {
                        sender = p.getValue();
                    }
                }
                got.add(new String[] {topic, sender, new String(m.getPayload(), StandardCharsets.UTF_8)});
            }
            @Override public void deliveryComplete(final org.eclipse.paho.mqttv5.client.IMqttToken t) { }
            @Override public void connectComplete(final boolean r, final String u) { }
            @Override public void authPacketArrived(final int c, final org.eclipse.paho.mqttv5.common.packet.MqttProperties p) { }
        });
        ok.subscribe(new MqttSubscription[] {sub});

        // wrong key: not a configured peer (refused by the listener's key check)
        final MqttException wrongKey = assertThrows(MqttException.class, () -> client(stranger, node.key().id()));
        // the node is not the one pinned (refused by the dialing side)
        assertThrows(MqttException.class, () -> client(peer, stranger.id()));

        final String room = Topics.presence("R".repeat(43));
        try (TestPeer alice = new TestPeer()) {
            alice.connect(node.broker().tcpPort());
            assertTrue(alice.subscribe(room) < 0x80, "subscribed");
            alice.publish(room, "{\"v\":1,\"type\":\"leave\"}");
            final String[] m = got.poll(20, TimeUnit.SECONDS);
            assertNotNull(m, "the peer node's link got the room message");
            assertEquals(room, m[0]);
            assertEquals(alice.id, m[1], "verified sender kept");
        }
        assertNotNull(wrongKey);
        ok.disconnect();
        ok.close();
    }

    @Test
    void peerRemovedByReload_itsNextConnectionIsRefused() throws Exception {
        client(peer, node.key().id()).disconnectForcibly(0, 1000, false);
        final Path config = dir.resolve("switchboard.yaml");
        Files.writeString(config, Files.readString(config).replaceAll("(?s)  peers:.*", "  peers: {}\n"));
        node.reloadConfiguration();
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                assertThrows(MqttException.class, () -> client(peer, node.key().id())));
    }
}
