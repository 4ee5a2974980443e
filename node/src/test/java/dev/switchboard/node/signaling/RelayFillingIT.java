package dev.switchboard.node.signaling;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.switchboard.broker.TestPeer;
import dev.switchboard.broker.guard.RefusalReason;
import dev.switchboard.broker.identity.KeyProof;
import dev.switchboard.node.Node;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.relay.RelayHolders;
import dev.switchboard.node.relay.RelaySession;
import dev.switchboard.node.relay.SessionKey;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The relay-filling attack, replayed: identities are free, so 13 fresh keys from one address
 * offering 8 times each (to peer ids that do not exist, then to a real member who never answers)
 * once took every relay session and left real pairs with {@code relay-unavailable}. Now offers to
 * absent peers open nothing, the rest are capped per source address and closed when unanswered,
 * and a real pair still connects.
 */
class RelayFillingIT {

    private static final int ATTACKERS = 13;
    private static final int OFFERS_EACH = 8;
    private static final int SUCCESS = 0x00;
    private static final int REFUSED = 0x83;
    private static final Duration WAIT = Duration.ofSeconds(15);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    Path dataDir;
    private Node node;
    private final List<TestPeer> peers = new ArrayList<>();
    private int ids;

    @AfterEach
    void tearDown() {
        peers.forEach(TestPeer::close);
        if (node != null) {
            node.close();
        }
    }

    @Test
    void freshKeysFromOneAddress_cannotFillTheRelay_realPairStillConnects() throws Exception {
        node = Node.start(ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: 45000-45099, maxSessions: 20, maxSessionsPerPeer: 8, maxSessionsPerAddress: 8,
                         halfOpenTimeout: 1s, idleTimeout: 120s }
                """.formatted(dataDir.toString().replace("\\", "/")), "RelayFillingIT"), Node.Options.defaults());
        final String roomId = randomId();
        final String context = "room:" + roomId;
        final String offerSdp = ChromiumFixtures.fixture("datachannel-offer-gathered.sdp");
        final String answerSdp = ChromiumFixtures.fixture("datachannel-answer-gathered.sdp");
        final TestPeer a = member("127.0.0.1", roomId);
        final TestPeer b = member("127.0.0.1", roomId);

        // 1. Offers to peer ids nobody holds: refused at once, no relay session opened.
        final List<TestPeer> attackers = new ArrayList<>();
        for (int i = 0; i < ATTACKERS; i++) {
            attackers.add(member("127.0.0.2", roomId));
        }
        for (final TestPeer attacker : attackers) {
            for (int i = 0; i < OFFERS_EACH; i++) {
                final TestPeer.Ack ack = attacker.publish("sb/v1/inbox/" + randomId(),
                        description("offer", context, offerSdp).toString());
                assertEquals(REFUSED, ack.code(), ack.reason());
                assertTrue(ack.reason().startsWith("recipient-unavailable: "), ack.reason());
            }
        }
        assertEquals(0, node.relay().sessionCount(), "no session for absent peers");
        await().atMost(WAIT).until(() -> node.broker().refusals().count(RefusalReason.RECIPIENT_UNAVAILABLE)
                == ATTACKERS * OFFERS_EACH); // counted for the metrics and the log, one line per source

        // 2. Offers to a real member who never answers: at most 8 for the attackers' address, the
        //    rest refused; all of them half-open, so closed after relay.halfOpenTimeout.
        int opened = 0;
        for (final TestPeer attacker : attackers) {
            final TestPeer.Ack ack = attacker.publish(b.inbox(), description("offer", context, offerSdp).toString());
            if (ack.code() == SUCCESS) {
                opened++;
            } else {
                assertTrue(ack.reason().startsWith("relay-unavailable: "), ack.reason());
            }
        }
        assertEquals(8, opened, "relay.maxSessionsPerAddress caps one address");
        // The operators' view names the address that holds them.
        assertEquals(new RelayHolders.Holder("127.0.0.2", 8), node.relay().holders().byAddress().get(0));

        // 3. The real pair: offer and answer both relayed, one session for both.
        assertEquals(SUCCESS, a.publish(b.inbox(), description("offer", context, offerSdp).toString()).code());
        assertEquals(SUCCESS, b.publish(a.inbox(), description("answer", context, answerSdp).toString()).code());
        final Mqtt5Publish answer = next(a, a.inbox(), "answer");
        assertNotNull(answer, "A receives B's answer");
        final RelaySession pair = node.relay().session(SessionKey.of(context, a.id, b.id));
        assertNotNull(pair);

        // 4. The unanswered sessions go; the answered one stays.
        await().atMost(WAIT).until(() -> node.relay().sessionCount() == 1);
        assertTrue(pair.isOpen(), "the real pair's session outlives the half-open timeout");
        assertFalse(node.relay().sessions().isEmpty());
    }

    private TestPeer member(final String from, final String roomId) throws Exception {
        final TestPeer p = new TestPeer();
        peers.add(p);
        final var ack = p.tryConnect(p.builder(node.broker().tcpPort()).transportConfig()
                        .localAddress(InetAddress.getByName(from)).applyTransportConfig(),
                p.id, KeyProof.METHOD, p.spki, TestPeer.HONEST);
        assertFalse(ack.getReasonCode().isError(), ack.toString());
        assertEquals(1, p.subscribe(p.inbox()));
        assertEquals(1, p.subscribe("sb/v1/room/" + roomId + "/presence"));
        return p;
    }

    private ObjectNode description(final String type, final String context, final String sdp) {
        final byte[] sig = new byte[64]; // the node relays signatures without checking them
        RANDOM.nextBytes(sig);
        final ObjectNode m = JSON.createObjectNode();
        m.put("v", 1).put("type", type).put("id", "m" + ++ids);
        final byte[] mac = new byte[32]; // membership MAC (protocol §6.1): the node checks its shape only
        RANDOM.nextBytes(mac);
        return m.put("context", context).put("sdp", sdp).put("sig", Base64.getUrlEncoder().withoutPadding().encodeToString(sig))
                .put("mac", Base64.getUrlEncoder().withoutPadding().encodeToString(mac));
    }

    /** The next message on {@code topic} of {@code type}, skipping others (offers from attackers). */
    private static Mqtt5Publish next(final TestPeer peer, final String topic, final String type) throws Exception {
        for (int i = 0; i < 50; i++) {
            final Mqtt5Publish p = peer.next(topic);
            if (p == null) {
                return null;
            }
            if (JSON.readTree(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8)).path("type").asText().equals(type)) {
                return p;
            }
        }
        return null;
    }

    private static String randomId() {
        final byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
