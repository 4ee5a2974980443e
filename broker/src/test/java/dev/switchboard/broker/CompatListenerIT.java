package dev.switchboard.broker;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import com.hivemq.client.mqtt.mqtt3.exceptions.Mqtt3ConnAckException;
import com.hivemq.client.mqtt.mqtt3.message.connect.connack.Mqtt3ConnAckReturnCode;
import com.hivemq.client.mqtt.mqtt3.message.publish.Mqtt3Publish;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAck;
import com.hivemq.client.mqtt.mqtt3.message.subscribe.suback.Mqtt3SubAckReturnCode;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import dev.switchboard.broker.guard.PublishLimits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The opt-in compatibility listener ({@link CompatListener}, docs/protocol.md §12) on a real
 * embedded broker: anonymous MQTT 3.1.1 and 5 clients meet on flat topics there and only there;
 * they cannot subscribe to wildcards, {@code $} or anything under {@code sb/}, cannot publish into
 * the Switchboard topics, and have budgets per client and per source address.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CompatListenerIT {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String PATH = "/compat";
    /** Small budgets, so the limits show within a test: 1 message/s, bursts of 6 per client, 9 per address. */
    private static final PublishLimits PER_CLIENT = new PublishLimits(1, 6, 64 * 1024, 128 * 1024, 200, Duration.ofSeconds(10));
    private static final PublishLimits PER_ADDRESS = new PublishLimits(1, 9, 64 * 1024, 128 * 1024, 10_000, Duration.ofSeconds(10));

    private static EmbeddedBroker broker;

    @BeforeAll
    static void start() {
        broker = new EmbeddedBroker(BrokerSettings.builder()
                .nodeId("compat-test-node")
                .tcpBindAddress(InetAddress.getLoopbackAddress())
                .tcpPort(0)
                .webSocketBindAddress(InetAddress.getLoopbackAddress())
                .webSocketPort(0)
                .compat(new CompatListener(InetAddress.getLoopbackAddress(), 0, PATH, 2048, PER_CLIENT, PER_ADDRESS))
                .build());
        broker.start();
        assertTrue(broker.compatPort() > 0);
    }

    @AfterAll
    static void stop() {
        broker.stop();
    }

    private static String topic() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static Mqtt5AsyncClient v5(final int port, final String path, final BlockingQueue<Mqtt5Publish> sink) {
        final var b = MqttClient.builder().useMqttVersion5().identifier("mqttjs_" + UUID.randomUUID().toString().substring(0, 8))
                .serverHost("127.0.0.1").serverPort(port);
        final Mqtt5AsyncClient c = (path == null ? b : b.webSocketConfig().serverPath(path).applyWebSocketConfig()).buildAsync();
        c.publishes(MqttGlobalPublishFilter.ALL, sink::add);
        return c;
    }

    private static Mqtt3AsyncClient v3(final int port, final String path, final BlockingQueue<Mqtt3Publish> sink) {
        final var b = MqttClient.builder().useMqttVersion3().identifier("mqttjs_" + UUID.randomUUID().toString().substring(0, 8))
                .serverHost("127.0.0.1").serverPort(port);
        final Mqtt3AsyncClient c = (path == null ? b : b.webSocketConfig().serverPath(path).applyWebSocketConfig()).buildAsync();
        c.publishes(MqttGlobalPublishFilter.ALL, sink::add);
        return c;
    }

    private static <T> T get(final CompletableFuture<T> f) throws Exception {
        return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void mqtt311AndMqtt5_anonymous_exchangeOnAFlatTopic() throws Exception {
        final BlockingQueue<Mqtt3Publish> got3 = new LinkedBlockingQueue<>();
        final BlockingQueue<Mqtt5Publish> got5 = new LinkedBlockingQueue<>();
        final Mqtt3AsyncClient a = v3(broker.compatPort(), PATH, got3);
        final Mqtt5AsyncClient b = v5(broker.compatPort(), PATH, got5);
        try {
            get(a.connect());
            get(b.connect());
            final String t = topic();
            final Mqtt3SubAck ack = get(a.subscribeWith().topicFilter(t).qos(MqttQos.AT_LEAST_ONCE).send());
            assertEquals(Mqtt3SubAckReturnCode.SUCCESS_MAXIMUM_QOS_1, ack.getReturnCodes().get(0));
            get(b.subscribeWith().topicFilter(t).qos(MqttQos.AT_MOST_ONCE).send());

            get(b.publishWith().topic(t).qos(MqttQos.AT_LEAST_ONCE).payload("from five".getBytes(StandardCharsets.UTF_8)).send());
            final Mqtt3Publish m = got3.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            assertEquals("from five", new String(m.getPayloadAsBytes(), StandardCharsets.UTF_8));
            get(a.publishWith().topic(t).qos(MqttQos.AT_MOST_ONCE).payload("from three".getBytes(StandardCharsets.UTF_8)).send());
            await().atMost(WAIT).until(() -> got5.stream().anyMatch(p ->
                    "from three".equals(new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8))));
        } finally {
            a.disconnect();
            b.disconnect();
        }
    }

    @Test
    void anonymousClients_refusedOnTheNormalListeners() {
        for (final int port : new int[] {broker.tcpPort(), broker.webSocketPort()}) {
            final String path = port == broker.webSocketPort() ? "/mqtt" : null;
            final ExecutionException five = assertThrows(ExecutionException.class,
                    () -> get(v5(port, path, new LinkedBlockingQueue<>()).connect()));
            final Mqtt5ConnAckException refused = assertInstanceOf(Mqtt5ConnAckException.class, five.getCause());
            assertEquals(Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD, refused.getMqttMessage().getReasonCode());
            final ExecutionException three = assertThrows(ExecutionException.class,
                    () -> get(v3(port, path, new LinkedBlockingQueue<>()).connect()),
                    "an anonymous MQTT 3.1.1 client is refused on port " + port);
            assertEquals(Mqtt3ConnAckReturnCode.BAD_USER_NAME_OR_PASSWORD,
                    assertInstanceOf(Mqtt3ConnAckException.class, three.getCause()).getMqttMessage().getReturnCode());
        }
    }

    @Test
    void compatListener_refusesKeyLoginsAndPeerShapedIds() throws Exception {
        final TestPeer peer = new TestPeer();
        final var refused = peer.tryConnect(peer.builder(broker.compatPort()).webSocketConfig().serverPath(PATH)
                .applyWebSocketConfig(), peer.id, "sb-key-v1", peer.spki, TestPeer.HONEST);
        assertEquals(Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD, refused.getReasonCode());
        final Mqtt5AsyncClient shaped = MqttClient.builder().useMqttVersion5().identifier(peer.id)
                .serverHost("127.0.0.1").serverPort(broker.compatPort()).webSocketConfig().serverPath(PATH)
                .applyWebSocketConfig().buildAsync();
        final ExecutionException e = assertThrows(ExecutionException.class, () -> get(shaped.connect()));
        assertEquals(Mqtt5ConnAckReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                assertInstanceOf(Mqtt5ConnAckException.class, e.getCause()).getMqttMessage().getReasonCode());
    }

    @Test
    void compatClient_cannotSubscribeToWildcardsDollarOrSbTopics() throws Exception {
        final Mqtt5AsyncClient c = v5(broker.compatPort(), PATH, new LinkedBlockingQueue<>());
        final Mqtt3AsyncClient c3 = v3(broker.compatPort(), PATH, new LinkedBlockingQueue<>());
        try {
            get(c.connect());
            get(c3.connect());
            for (final String filter : List.of("#", "+", "sb/v1/node/info", "sb/#", "sb/v1/inbox/+", "$SYS/#",
                    "$share/g/x", "a/b", "with space")) {
                final ExecutionException e = assertThrows(ExecutionException.class,
                        () -> get(c.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send()), filter);
                assertEquals(Mqtt5SubAckReasonCode.NOT_AUTHORIZED,
                        assertInstanceOf(Mqtt5SubAckException.class, e.getCause()).getMqttMessage().getReasonCodes().get(0),
                        filter);
                final Mqtt3SubAck ack3 = get(c3.subscribeWith().topicFilter(filter).qos(MqttQos.AT_MOST_ONCE).send()
                        .exceptionally(t -> null));
                assertTrue(ack3 == null || ack3.getReturnCodes().get(0) == Mqtt3SubAckReturnCode.FAILURE, filter);
            }
        } finally {
            c.disconnect();
            c3.disconnect();
        }
    }

    @Test
    void compatClient_cannotPublishIntoSwitchboardTopics_andThePeerSeesNothing() throws Exception {
        final TestPeer peer = new TestPeer().connect(broker.tcpPort());
        final BlockingQueue<Mqtt5Publish> own = new LinkedBlockingQueue<>();
        final Mqtt5AsyncClient c = v5(broker.compatPort(), PATH, own);
        try {
            assertEquals(1, peer.subscribe(peer.inbox()));
            get(c.connect());
            for (final String t : List.of(peer.inbox(), "sb/v1/node/info", "sb/v1/room/" + "R".repeat(43) + "/presence")) {
                final ExecutionException e = assertThrows(ExecutionException.class, () -> get(c.publishWith().topic(t)
                        .qos(MqttQos.AT_LEAST_ONCE).payload("{\"v\":1,\"type\":\"hangup\"}".getBytes(StandardCharsets.UTF_8)).send()), t);
                assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED,
                        assertInstanceOf(Mqtt5PubAckException.class, e.getCause()).getMqttMessage().getReasonCode(), t);
            }
            // A sentinel through the node's own path: once it is in, everything before it was seen.
            broker.publish(peer.inbox(), "{\"v\":1,\"type\":\"error\",\"code\":\"sentinel\"}".getBytes(StandardCharsets.UTF_8), false);
            await().atMost(WAIT).until(() -> !peer.received.isEmpty());
            assertEquals(1, peer.received.size(), () -> "only the sentinel: " + peer.received);
            assertTrue(new String(peer.received.peek().getPayloadAsBytes(), StandardCharsets.UTF_8).contains("sentinel"));
        } finally {
            c.disconnect();
            peer.close();
        }
    }

    @Test
    void compatClient_retainedQos2AndLargeMessages_refused() throws Exception {
        final BlockingQueue<Mqtt5Publish> got = new LinkedBlockingQueue<>();
        final Mqtt5AsyncClient c = v5(broker.compatPort(), PATH, got);
        try {
            get(c.connect());
            final String t = topic();
            get(c.subscribeWith().topicFilter(t).qos(MqttQos.AT_LEAST_ONCE).send());
            final ExecutionException retained = assertThrows(ExecutionException.class, () -> get(c.publishWith().topic(t)
                    .qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(new byte[10]).send()));
            assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED,
                    assertInstanceOf(Mqtt5PubAckException.class, retained.getCause()).getMqttMessage().getReasonCode());
            final ExecutionException large = assertThrows(ExecutionException.class, () -> get(c.publishWith().topic(t)
                    .qos(MqttQos.AT_LEAST_ONCE).payload(new byte[2049]).send()));
            assertEquals(Mqtt5PubAckReasonCode.NOT_AUTHORIZED,
                    assertInstanceOf(Mqtt5PubAckException.class, large.getCause()).getMqttMessage().getReasonCode());
            final ExecutionException qos2 = assertThrows(ExecutionException.class, () -> get(c.publishWith().topic(t)
                    .qos(MqttQos.EXACTLY_ONCE).payload(new byte[10]).send()));
            assertInstanceOf(Mqtt5PubRecException.class, qos2.getCause());
            get(c.publishWith().topic(t).qos(MqttQos.AT_LEAST_ONCE).payload("last".getBytes(StandardCharsets.UTF_8)).send());
            await().atMost(WAIT).until(() -> !got.isEmpty());
            assertEquals(1, got.size(), () -> "only the allowed message: " + got);
            assertEquals("last", new String(got.peek().getPayloadAsBytes(), StandardCharsets.UTF_8));
            assertTrue(!got.peek().isRetain());
        } finally {
            c.disconnect();
        }
    }

    @Test
    void compatClients_overTheirOwnOrTheirAddressBudget_refused() throws Exception {
        final Mqtt5AsyncClient a = v5(broker.compatPort(), PATH, new LinkedBlockingQueue<>());
        final Mqtt5AsyncClient b = v5(broker.compatPort(), PATH, new LinkedBlockingQueue<>());
        try {
            get(a.connect());
            get(b.connect());
            final String t = topic();
            // Client a: its burst of 6, then refused (its own budget, 1 message/s refill).
            final List<Integer> codesA = publishMany(a, t, 8);
            assertTrue(codesA.subList(0, 6).stream().allMatch(code -> code == 0), codesA.toString());
            assertEquals(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED.getCode(), codesA.get(7), codesA.toString());
            // Client b has its own burst of 6, but the address (shared with a) had 9: a took 6.
            final List<Integer> codesB = publishMany(b, t, 6);
            final long allowed = codesB.stream().filter(code -> code == 0).count();
            assertTrue(allowed >= 3 && allowed <= 4, codesB.toString());
            assertEquals(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED.getCode(), codesB.get(5), codesB.toString());
        } finally {
            a.disconnect();
            b.disconnect();
        }
    }

    private static List<Integer> publishMany(final Mqtt5AsyncClient c, final String t, final int n) throws Exception {
        final List<Integer> codes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            try {
                get(c.publishWith().topic(t).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[16]).send());
                codes.add(0);
            } catch (final ExecutionException e) {
                codes.add(assertInstanceOf(Mqtt5PubAckException.class, e.getCause()).getMqttMessage().getReasonCode().getCode());
            }
        }
        return codes;
    }
}
