package dev.switchboard.broker;

import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import dev.switchboard.broker.identity.KeyProof;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.Topic;
import org.jetbrains.annotations.NotNull;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded broker on 127.0.0.1 port 0 with real MQTT 5 clients (HiveMQ MQTT client). */
class BrokerIT {

    private static final String ROOM = "R".repeat(43);
    private static final Duration INTERCEPT_TIMEOUT = Duration.ofMillis(700);

    private static EmbeddedBroker broker;
    private static final Duration QUIET = Duration.ofMillis(500);

    private static volatile Function<SignalingMessage, Verdict> behaviour;
    /** When set, decides instead of {@link #behaviour}, with a future of its own. */
    private static volatile Function<SignalingMessage, CompletableFuture<Verdict>> asyncBehaviour;
    private static volatile Predicate<Topic> handled;
    private static final BlockingQueue<String> disconnected = new LinkedBlockingQueue<>();
    private static final BlockingQueue<SignalingMessage> inspected = new LinkedBlockingQueue<>();
    private static final TestPeer ADMIN = new TestPeer();

    private final List<TestPeer> peers = new ArrayList<>();

    @BeforeAll
    static void startBroker() {
        final SignalingInterceptor interceptor = new SignalingInterceptor() {
            @Override
            public @NotNull CompletableFuture<Verdict> inspect(final @NotNull SignalingMessage message) {
                inspected.add(message);
                final Function<SignalingMessage, CompletableFuture<Verdict>> async = asyncBehaviour;
                return async != null ? async.apply(message)
                        : CompletableFuture.completedFuture(behaviour.apply(message));
            }

            @Override
            public boolean handles(final @NotNull Topic topic) {
                return handled.test(topic);
            }

            @Override
            public void onClientDisconnected(final @NotNull String clientId) {
                disconnected.add(clientId);
            }
        };
        broker = new EmbeddedBroker(BrokerSettings.builder()
                .nodeId("test-node")
                .tcpBindAddress(InetAddress.getLoopbackAddress())
                .tcpPort(0)
                .webSocketBindAddress(InetAddress.getLoopbackAddress())
                .webSocketPort(0)
                .interceptTimeout(INTERCEPT_TIMEOUT)
                .trustedPeers(Map.of(ADMIN.id, PeerRole.ADMIN))
                .interceptor(interceptor)
                .build());
        broker.start();
        broker.start(); // idempotent
    }

    @AfterAll
    static void stopBroker() {
        broker.stop();
        broker.stop(); // idempotent
        assertFalse(broker.isRunning());
    }

    @BeforeEach
    void reset() {
        behaviour = m -> Verdict.forward();
        asyncBehaviour = null;
        handled = SignalingInterceptor.FORWARD_ALL::handles;
        disconnected.clear();
        inspected.clear();
    }

    @AfterEach
    void closePeers() {
        peers.forEach(TestPeer::close);
    }

    private TestPeer peer() {
        final TestPeer p = new TestPeer();
        peers.add(p);
        return p;
    }

    private TestPeer connected() {
        return peer().connect(broker.tcpPort());
    }

    private Mqtt5ConnAck connectWith(final TestPeer p, final String clientId, final String method,
                                     final byte[] data, final TestPeer.Answer answer) {
        return p.tryConnect(p.builder(broker.tcpPort()), clientId, method, data, answer);
    }

    /** After every refusal: an honest client still connects and exchanges a message. */
    private void assertHonestClientStillWorks() {
        final TestPeer a = connected();
        final TestPeer b = connected();
        assertEquals(1, b.subscribe(b.inbox()));
        assertEquals(0, a.publish(b.inbox(), "{\"v\":1,\"type\":\"ping\"}").code());
        assertNotNull(b.next(b.inbox()), "honest message not delivered");
    }

    // --- connect / authenticate ------------------------------------------------------------

    @Test
    void connect_honestKey_succeedsAndStampsSender() {
        assertTrue(broker.tcpPort() > 0);
        assertTrue(broker.webSocketPort() > 0);
        final TestPeer a = connected();
        assertTrue(a.isConnected());
        final byte[] challenge = a.lastChallenge;
        assertEquals(KeyProof.NONCE_LENGTH + "test-node".length(), challenge.length);
        assertEquals("test-node", new String(challenge, KeyProof.NONCE_LENGTH,
                challenge.length - KeyProof.NONCE_LENGTH, StandardCharsets.UTF_8));
        assertHonestClientStillWorks();
    }

    @Test
    void connect_noAuthMethod_refusedBadAuthenticationMethod() {
        final TestPeer p = peer();
        assertEquals(0x8C, connectWith(p, p.id, null, null, null).getReasonCode().getCode());
        assertHonestClientStillWorks();
    }

    @Test
    void connect_otherAuthMethod_refusedBadAuthenticationMethod() {
        final TestPeer p = peer();
        assertEquals(0x8C, connectWith(p, p.id, "SCRAM-SHA-256", p.spki, TestPeer.HONEST)
                .getReasonCode().getCode());
        assertHonestClientStillWorks();
    }

    @Test
    void connect_wrongSignature_refusedNotAuthorized() {
        final TestPeer p = peer();
        final TestPeer other = new TestPeer();
        assertEquals(0x87, connectWith(p, p.id, KeyProof.METHOD, p.spki, (peer, id, ch) ->
                KeyProof.sign(other.keys.getPrivate(), KeyProof.signedBytes(id, ch)))
                .getReasonCode().getCode());
        assertHonestClientStillWorks();
    }

    @Test
    void connect_replayedAnswerOfEarlierConnection_refusedNotAuthorized() {
        final TestPeer p = peer();
        p.connect(broker.tcpPort());
        final byte[] earlier = p.lastAnswer;
        p.disconnect();
        final TestPeer again = peer();
        // same key, same id, replaying the earlier connection's signature
        final Mqtt5ConnAck ack = again.tryConnect(again.builder(broker.tcpPort()), p.id,
                KeyProof.METHOD, p.spki, (peer, id, ch) -> earlier);
        assertEquals(0x87, ack.getReasonCode().getCode());
        assertHonestClientStillWorks();
    }

    @Test
    void connect_signatureOverOtherContext_refusedNotAuthorized() {
        final TestPeer p = peer();
        assertEquals(0x87, connectWith(p, p.id, KeyProof.METHOD, p.spki, (peer, id, ch) -> {
            final byte[] signed = KeyProof.signedBytes(id, ch);
            final byte[] other = "switchboard/v1/offer".getBytes(StandardCharsets.UTF_8);
            final byte[] bytes = Arrays.copyOf(other, other.length + signed.length
                    - KeyProof.CONTEXT.length());
            System.arraycopy(signed, KeyProof.CONTEXT.length(), bytes, other.length,
                    signed.length - KeyProof.CONTEXT.length());
            return KeyProof.sign(peer.keys.getPrivate(), bytes);
        }).getReasonCode().getCode());
        assertHonestClientStillWorks();
    }

    @Test
    void connect_derEncodedSignature_refusedNotAuthorized() {
        final TestPeer p = peer();
        assertEquals(0x87, connectWith(p, p.id, KeyProof.METHOD, p.spki, (peer, id, ch) -> {
            try {
                final Signature der = Signature.getInstance("SHA256withECDSA");
                der.initSign(peer.keys.getPrivate());
                der.update(KeyProof.signedBytes(id, ch));
                return der.sign();
            } catch (final Exception e) {
                throw new AssertionError(e);
            }
        }).getReasonCode().getCode());
        assertHonestClientStillWorks();
    }

    @Test
    void connect_truncatedSignature_refusedNotAuthorized() {
        final TestPeer p = peer();
        assertEquals(0x87, connectWith(p, p.id, KeyProof.METHOD, p.spki, (peer, id, ch) ->
                Arrays.copyOf(TestPeer.HONEST.answer(peer, id, ch), 63))
                .getReasonCode().getCode());
        assertHonestClientStillWorks();
    }

    @Test
    void connect_clientIdNotMatchingKey_refusedClientIdentifierNotValid() {
        final TestPeer p = peer();
        assertEquals(0x85, connectWith(p, "A".repeat(43), KeyProof.METHOD, p.spki,
                TestPeer.HONEST).getReasonCode().getCode());
        assertHonestClientStillWorks();
    }

    @Test
    void connect_notAP256Key_refusedNotAuthorized() {
        final TestPeer p = peer();
        final byte[] junk = "not a key".getBytes(StandardCharsets.UTF_8);
        assertEquals(0x87, connectWith(p, dev.switchboard.broker.identity.PeerIds.fromSpki(junk),
                KeyProof.METHOD, junk, TestPeer.HONEST).getReasonCode().getCode());
        assertHonestClientStillWorks();
    }

    @Test
    void connect_clientIdTheft_refusedAndVictimStaysConnected() {
        final TestPeer victim = connected();
        victim.subscribe(victim.inbox());
        final TestPeer thief = peer();
        // own key, victim's id
        assertEquals(0x85, connectWith(thief, victim.id, KeyProof.METHOD, thief.spki,
                TestPeer.HONEST).getReasonCode().getCode());
        // victim's public key and id, but the thief cannot sign for it
        assertEquals(0x87, connectWith(peer(), victim.id, KeyProof.METHOD, victim.spki,
                (peer, id, ch) -> KeyProof.sign(thief.keys.getPrivate(),
                        KeyProof.signedBytes(id, ch))).getReasonCode().getCode());
        assertTrue(victim.isConnected());
        // (peers of earlier tests may still be reported late; only the victim matters here)
        assertFalse(disconnected.contains(victim.id), "victim reported as disconnected: " + disconnected);
        final TestPeer friend = connected();
        assertEquals(0, friend.publish(victim.inbox(), "{\"v\":1,\"type\":\"hello\"}").code());
        final Mqtt5Publish got = victim.next(victim.inbox());
        assertNotNull(got);
        assertEquals(List.of(friend.id), TestPeer.senders(got));
        assertHonestClientStillWorks();
    }

    // --- subscribe ---------------------------------------------------------------------------

    @Test
    void subscribe_forbiddenFilters_refusedNotAuthorizedAndNothingDelivered() {
        final TestPeer victim = connected();
        victim.subscribe(victim.inbox());
        final TestPeer snoop = connected();
        snoop.subscribe(snoop.inbox());
        for (final String filter : List.of("#", "sb/#", "sb/v1/inbox/+", "$SYS/#",
                victim.inbox(), "sb/v1/+/" + victim.id, "sb/v1/room/+/presence")) {
            assertEquals(0x87, snoop.subscribe(filter), filter);
        }
        final TestPeer sender = connected();
        sender.publish(victim.inbox(), "{\"v\":1,\"type\":\"secret\"}");
        assertNotNull(victim.next(victim.inbox()));
        sender.publish(snoop.inbox(), "{\"v\":1,\"type\":\"sentinel\"}");
        // Every message that reached the snoop, none skipped: the sentinel (published after the
        // secret by the same sender) and nothing before or after it.
        final List<Mqtt5Publish> arrived = snoop.takeUntil(p -> TestPeer.payload(p).contains("sentinel"));
        assertEquals(List.of(snoop.inbox()), arrived.stream().map(p -> p.getTopic().toString()).toList(),
                TestPeer.describe(arrived));
        snoop.assertNothingArrives(QUIET);
        assertTrue(snoop.isConnected());
    }

    @Test
    void subscribe_nodeInfo_receivesRetainedFromNode() {
        broker.publish("sb/v1/node/info", "{\"v\":1,\"type\":\"node-info\"}"
                .getBytes(StandardCharsets.UTF_8), true).join();
        final TestPeer a = connected();
        assertEquals(1, a.subscribe("sb/v1/node/info"));
        final Mqtt5Publish info = a.next("sb/v1/node/info");
        assertNotNull(info);
        assertTrue(info.isRetain());
        assertEquals(List.of("node"), TestPeer.senders(info));
    }

    @Test
    void subscribe_trustedAdmin_mayUseWildcardsUnderRootButNotSys() {
        peers.add(ADMIN);
        ADMIN.connect(broker.tcpPort());
        assertEquals(1, ADMIN.subscribe("sb/v1/#"));
        assertEquals(0x87, ADMIN.subscribe("$SYS/#"));
        assertEquals(0x87, ADMIN.subscribe("#"));
        final TestPeer a = connected();
        a.publish("sb/v1/inbox/" + "B".repeat(43), "{\"v\":1,\"type\":\"x\"}");
        assertNotNull(ADMIN.next("sb/v1/inbox/" + "B".repeat(43)));
    }

    // --- publish -----------------------------------------------------------------------------

    @Test
    void publish_forgedSender_receiverSeesTrueSender() {
        final TestPeer bob = connected();
        bob.subscribe(bob.inbox());
        final TestPeer mallory = connected();
        assertEquals(0, mallory.publish(bob.inbox(), "{\"v\":1,\"type\":\"offer\"}", false,
                u -> u.add("sb-sender", bob.id).add("sb-sender", "node")).code());
        final Mqtt5Publish got = bob.next(bob.inbox());
        assertNotNull(got);
        assertEquals(List.of(mallory.id), TestPeer.senders(got));
    }

    @Test
    void publish_lookAlikeSenderProperties_allClientPropertiesStripped() {
        final TestPeer bob = connected();
        bob.subscribe(bob.inbox());
        final TestPeer mallory = connected();
        assertEquals(0, mallory.publish(bob.inbox(), "{\"v\":1,\"type\":\"offer\"}", false,
                u -> u.add("SB-Sender", bob.id).add("sb-sender ", bob.id).add(" sb-sender", bob.id)
                        .add("sb\u2010sender", bob.id).add("x-anything", "y")).code());
        final Mqtt5Publish got = bob.next(bob.inbox());
        assertNotNull(got);
        // Only the broker's own stamp reaches the receiver: no property the protocol does not define.
        assertEquals(List.of("sb-sender=" + mallory.id), got.getUserProperties().asList().stream()
                .map(p -> p.getName() + "=" + p.getValue()).toList());
    }

    @Test
    void publish_forbiddenTopic_refusedWithErrorAndClientKeepsWorking() {
        final TestPeer a = connected();
        a.subscribe(a.inbox());
        for (final String topic : List.of("sb/v1/node/info", "other/topic", "sb/v1/inbox/short",
                "sb/v1/room/" + ROOM + "/chat")) {
            final TestPeer.Ack ack = a.publish(topic, "{\"v\":1,\"type\":\"offer\",\"id\":\"m1\"}");
            assertEquals(0x87, ack.code(), topic);
            assertFalse(ack.reason().isEmpty());
            final Mqtt5Publish error = a.next(a.inbox());
            assertNotNull(error, "no error for " + topic);
            final String json = TestPeer.payload(error);
            assertTrue(json.contains("\"type\":\"error\""), json);
            assertTrue(json.contains("\"code\":\"forbidden-topic\""), json);
            assertTrue(json.contains("\"topic\":\"" + topic + "\""), json);
            assertTrue(json.contains("\"id\":\"m1\""), json);
            assertEquals(List.of("node"), TestPeer.senders(error));
            assertTrue(a.isConnected());
        }
        assertTrue(inspected.isEmpty());
        // retained to an otherwise allowed topic
        assertEquals(0x87, a.publish(a.inbox(), "{}", true, u -> { }).code());
        assertNotNull(a.next(a.inbox()));
        assertTrue(a.isConnected());
        // still works
        assertEquals(0, a.publish(a.inbox(), "{\"v\":1,\"type\":\"self\"}").code());
        final Mqtt5Publish self = a.next(a.inbox());
        assertNotNull(self);
        assertEquals(List.of(a.id), TestPeer.senders(self));
    }

    // --- SPI verdicts ------------------------------------------------------------------------

    @Test
    void interceptor_forward_deliversUnchangedWithVerifiedMessage() throws Exception {
        final TestPeer a = connected();
        final TestPeer b = connected();
        b.subscribe(b.inbox());
        a.publish(b.inbox(), "{\"v\":1,\"type\":\"offer\"}");
        assertEquals("{\"v\":1,\"type\":\"offer\"}", TestPeer.payload(b.next(b.inbox())));
        final SignalingMessage m = inspected.poll(5, TimeUnit.SECONDS);
        assertNotNull(m);
        assertEquals(a.id, m.senderId());
        assertEquals(new Topic.Inbox(b.id), m.topic());
        assertEquals(b.inbox(), m.mqttTopic());
        // The key the sender proved at CONNECT comes with it (the node adds it to a join without one).
        assertArrayEquals(a.spki, m.senderKey());
    }

    @Test
    void interceptor_rewrite_deliversNewPayload() {
        behaviour = m -> Verdict.rewrite("{\"v\":1,\"type\":\"rewritten\"}"
                .getBytes(StandardCharsets.UTF_8));
        final TestPeer a = connected();
        final TestPeer b = connected();
        b.subscribe(b.inbox());
        assertEquals(0, a.publish(b.inbox(), "{\"v\":1,\"type\":\"offer\"}").code());
        final Mqtt5Publish got = b.next(b.inbox());
        assertEquals("{\"v\":1,\"type\":\"rewritten\"}", TestPeer.payload(got));
        assertEquals(List.of(a.id), TestPeer.senders(got));
    }

    @Test
    void interceptor_decidedVerdicts_inspectedOnTheClientsTaskThreadWithoutAnotherHop() {
        // A verdict decided at once applies where HiveMQ called the publish interceptor (its
        // extension task thread); only a pending one applies elsewhere, where its future completes.
        final List<String> threads = new CopyOnWriteArrayList<>();
        behaviour = m -> {
            threads.add(Thread.currentThread().getName());
            return m.payloadUtf8().contains("reject") ? Verdict.reject("bad-field", "no")
                    : Verdict.rewrite("{\"v\":1,\"type\":\"decided\"}".getBytes(StandardCharsets.UTF_8));
        };
        final TestPeer a = connected();
        a.subscribe(a.inbox());
        final TestPeer b = connected();
        b.subscribe(b.inbox());
        assertEquals(0, a.publish(b.inbox(), "{\"v\":1,\"type\":\"offer\"}").code());
        assertEquals("{\"v\":1,\"type\":\"decided\"}", TestPeer.payload(b.next(b.inbox())));
        assertEquals(0x83, a.publish(b.inbox(), "{\"v\":1,\"type\":\"reject\"}").code());
        assertTrue(TestPeer.payload(a.next(a.inbox())).contains("\"code\":\"bad-field\""));
        assertEquals(2, threads.size(), threads.toString());
        for (final String thread : threads) {
            assertTrue(thread.startsWith("extension-task-executor"), threads.toString());
        }
    }

    @Test
    void interceptor_drop_deliversNothingAndTellsNobody() {
        behaviour = m -> m.payloadUtf8().contains("drop") ? Verdict.drop() : Verdict.forward();
        final TestPeer a = connected();
        a.subscribe(a.inbox());
        final TestPeer b = connected();
        b.subscribe(b.inbox());
        assertEquals(0, a.publish(b.inbox(), "{\"v\":1,\"type\":\"drop\"}").code());
        a.publish(b.inbox(), "{\"v\":1,\"type\":\"after\"}");
        assertTrue(TestPeer.payload(b.next(b.inbox())).contains("after"));
        assertTrue(a.received.isEmpty(), "sender was told");
    }

    @Test
    void interceptor_reject_refusesAndSendsErrorToSenderInbox() {
        behaviour = m -> Verdict.reject("bad-sdp", "m-line 0 has no fingerprint");
        final TestPeer a = connected();
        a.subscribe(a.inbox());
        final TestPeer b = connected();
        b.subscribe(b.inbox());
        final TestPeer.Ack ack = a.publish(b.inbox(), "{\"v\":1,\"type\":\"offer\",\"id\":\"o-7\"}");
        assertEquals(0x83, ack.code());
        assertTrue(ack.reason().contains("bad-sdp"), ack.reason());
        final Mqtt5Publish error = a.next(a.inbox());
        assertNotNull(error);
        assertEquals("{\"v\":1,\"type\":\"error\",\"code\":\"bad-sdp\",\"message\":"
                + "\"m-line 0 has no fingerprint\",\"ref\":{\"topic\":\"" + b.inbox()
                + "\",\"type\":\"offer\",\"id\":\"o-7\"}}", TestPeer.payload(error));
        assertEquals(List.of("node"), TestPeer.senders(error));
        assertTrue(b.received.isEmpty());
        assertTrue(a.isConnected());
    }

    @Test
    void interceptor_throws_rejectsInternalAndKeepsServing() {
        behaviour = m -> {
            if (m.payloadUtf8().contains("boom")) {
                throw new IllegalStateException("test failure");
            }
            return Verdict.forward();
        };
        final TestPeer a = connected();
        a.subscribe(a.inbox());
        final TestPeer b = connected();
        b.subscribe(b.inbox());
        assertEquals(0x80, a.publish(b.inbox(), "not json boom").code());
        final String error = TestPeer.payload(a.next(a.inbox()));
        assertTrue(error.contains("\"code\":\"internal\""), error);
        assertEquals(0, a.publish(b.inbox(), "{\"v\":1,\"type\":\"fine\"}").code());
        assertTrue(TestPeer.payload(b.next(b.inbox())).contains("fine"));
    }

    @Test
    void interceptor_tooSlow_rejectsTimeout() {
        final CompletableFuture<Verdict> late = new CompletableFuture<>();
        asyncBehaviour = m -> late;
        final TestPeer a = connected();
        a.subscribe(a.inbox());
        final TestPeer b = connected();
        b.subscribe(b.inbox());
        try {
            assertEquals(0x83, a.publish(b.inbox(), "{\"v\":1,\"type\":\"slow\"}").code());
            final String error = TestPeer.payload(a.next(a.inbox()));
            assertTrue(error.contains("\"code\":\"timeout\""), error);
        } finally {
            late.complete(Verdict.forward());
        }
        asyncBehaviour = null;
        assertEquals(0, a.publish(b.inbox(), "{\"v\":1,\"type\":\"quick\"}").code());
        assertTrue(TestPeer.payload(b.next(b.inbox())).contains("quick"));
    }

    @Test
    void interceptor_verdictsCompletingOutOfOrder_inspectedAndDeliveredInPublishOrder() throws Exception {
        final List<String> seen = new CopyOnWriteArrayList<>();
        final AtomicReference<CompletableFuture<Verdict>> pending = new AtomicReference<>();
        asyncBehaviour = m -> {
            final String type = m.payloadUtf8().contains("first") ? "first" : "second";
            final CompletableFuture<Verdict> earlier = pending.get();
            seen.add(type + (earlier != null && !earlier.isDone() ? " while first pending" : ""));
            if (type.equals("first")) {
                final CompletableFuture<Verdict> slow = new CompletableFuture<Verdict>()
                        .completeOnTimeout(Verdict.forward(), 300, TimeUnit.MILLISECONDS);
                pending.set(slow);
                return slow;
            }
            return CompletableFuture.completedFuture(Verdict.forward());
        };
        final TestPeer a = connected();
        final TestPeer b = connected();
        b.subscribe(b.inbox());
        final var first = a.publishNoWait(b.inbox(), "{\"v\":1,\"type\":\"first\"}");
        final var second = a.publishNoWait(b.inbox(), "{\"v\":1,\"type\":\"second\"}");
        first.get(5, TimeUnit.SECONDS);
        second.get(5, TimeUnit.SECONDS);
        final List<Mqtt5Publish> arrived = b.takeUntil(p -> TestPeer.payload(p).contains("second"));
        assertEquals(List.of("{\"v\":1,\"type\":\"first\"}", "{\"v\":1,\"type\":\"second\"}"),
                arrived.stream().map(TestPeer::payload).toList());
        assertEquals(List.of("first", "second"), seen, "the second publish waited for the first verdict");
    }

    @Test
    void publish_trustedPeerToTopicOutsideGrammar_refusedForbiddenTopicAndDeliveredToNobody() {
        peers.add(ADMIN);
        ADMIN.connect(broker.tcpPort());
        ADMIN.received.clear();
        assertEquals(1, ADMIN.subscribe("sb/v1/#"));
        final String topic = "sb/v1/elsewhere";
        final TestPeer.Ack ack = ADMIN.publish(topic, "{\"v\":1,\"type\":\"x\",\"id\":\"u1\"}");
        assertEquals(0x87, ack.code());
        assertTrue(ack.reason().contains(topic), ack.reason());
        // Everything reaching the admin, whose sb/v1/# also matches the refused topic: the error only.
        final List<Mqtt5Publish> arrived = ADMIN.takeUntil(p -> p.getTopic().toString().equals(ADMIN.inbox()));
        assertEquals(1, arrived.size(), TestPeer.describe(arrived));
        final String error = TestPeer.payload(arrived.get(0));
        assertTrue(error.contains("\"code\":\"forbidden-topic\""), error);
        assertTrue(error.contains("\"topic\":\"" + topic + "\""), error);
        assertTrue(error.contains("\"id\":\"u1\""), error);
        assertEquals(List.of("node"), TestPeer.senders(arrived.get(0)));
        ADMIN.assertNothingArrives(QUIET);
        assertTrue(inspected.isEmpty(), "inspected: " + inspected);
        // a grammar topic still works for it, through the interceptor
        assertEquals(0, ADMIN.publish(ADMIN.inbox(), "{\"v\":1,\"type\":\"y\"}").code());
        assertEquals("{\"v\":1,\"type\":\"y\"}", TestPeer.payload(ADMIN.next(ADMIN.inbox())));
        assertEquals(1, inspected.size());
    }

    @Test
    void publish_topicTheNodeDoesNotHandle_refusedForbiddenTopicWithoutInspection() {
        handled = topic -> !(topic instanceof Topic.RoomPresence);
        final TestPeer a = connected();
        a.subscribe(a.inbox());
        final String presence = "sb/v1/room/" + ROOM + "/presence";
        final TestPeer.Ack ack = a.publish(presence, "{\"v\":1,\"type\":\"join\",\"id\":\"j1\"}");
        assertEquals(0x87, ack.code());
        assertTrue(ack.reason().contains("no handler"), ack.reason());
        final String error = TestPeer.payload(a.next(a.inbox()));
        assertTrue(error.contains("\"code\":\"forbidden-topic\""), error);
        assertTrue(error.contains("\"topic\":\"" + presence + "\""), error);
        assertTrue(inspected.isEmpty(), "inspected: " + inspected);
        assertTrue(a.isConnected());
    }

    // --- lifecycle ---------------------------------------------------------------------------

    @Test
    void takeover_sameKeyReconnects_replacedConnectionAnnouncesNoLeave() throws Exception {
        final String room = "T".repeat(43);
        final TestPeer watcher = connected();
        watcher.subscribe("sb/v1/room/" + room + "/presence");
        final TestPeer first = connected();
        first.subscribe("sb/v1/room/" + room + "/presence");
        // The same identity connects again (a phone that changed networks): HiveMQ takes the
        // session over and drops the first connection.
        final TestPeer second = peer();
        assertEquals(0, connectWith(second, first.id, KeyProof.METHOD, first.spki,
                (peer, id, ch) -> KeyProof.sign(first.keys.getPrivate(), KeyProof.signedBytes(id, ch)))
                .getReasonCode().getCode());
        await().atMost(Duration.ofSeconds(5)).until(() -> !first.isConnected());
        assertTrue(second.isConnected());
        second.subscribe("sb/v1/room/" + room + "/presence"); // the reconnected client rejoins

        // Now the identity really leaves. Exactly one leave notice and one disconnect report follow:
        // the replaced connection added none of its own (it would have come first).
        second.disconnect();
        await().atMost(Duration.ofSeconds(5)).until(() -> disconnected.contains(first.id));
        watcher.publish("sb/v1/room/" + room + "/presence", "{\"v\":1,\"type\":\"sentinel\"}");
        int leaves = 0;
        for (int i = 0; i < 5; i++) {
            final Mqtt5Publish p = watcher.next("sb/v1/room/" + room + "/presence");
            assertNotNull(p, "sentinel never arrived");
            if (TestPeer.payload(p).contains("sentinel")) {
                break;
            }
            assertEquals(List.of(first.id), TestPeer.senders(p));
            leaves++;
        }
        assertEquals(1, leaves, "leave notices for one departure");
        assertEquals(1, disconnected.stream().filter(first.id::equals).count(), "disconnect reports: " + disconnected);
    }

    @Test
    void disconnect_notifiesNodeAndLeavesSubscribedRooms() throws Exception {
        final String otherRoom = "O".repeat(43);
        final String unsubscribedRoom = "U".repeat(43);
        final TestPeer watcher = connected();
        watcher.subscribe("sb/v1/room/" + ROOM + "/presence");
        watcher.subscribe("sb/v1/room/" + otherRoom + "/presence");
        watcher.subscribe("sb/v1/room/" + unsubscribedRoom + "/presence");
        final TestPeer a = connected();
        a.subscribe("sb/v1/room/" + ROOM + "/presence");
        a.subscribe("sb/v1/room/" + unsubscribedRoom + "/presence");
        a.unsubscribe("sb/v1/room/" + unsubscribedRoom + "/presence");
        a.disconnect();
        // Peers closed by earlier tests may be reported late, so wait for this one in particular.
        await().atMost(Duration.ofSeconds(5)).until(() -> disconnected.contains(a.id));
        // Every message the watcher gets, none skipped: first the leave in the subscribed room ...
        final List<Mqtt5Publish> first = watcher.takeUntil(p ->
                p.getTopic().toString().equals("sb/v1/room/" + ROOM + "/presence"));
        assertEquals(1, first.size(), "before the leave: " + TestPeer.describe(first));
        final Mqtt5Publish leave = first.get(0);
        assertEquals("{\"v\":1,\"type\":\"leave\"}", TestPeer.payload(leave));
        assertEquals(List.of(a.id), TestPeer.senders(leave));
        // ... then nothing for the room it left by unsubscribing, nor the room it never joined:
        // only the watcher's own barrier, and nothing after it.
        watcher.publish("sb/v1/room/" + otherRoom + "/presence", "{\"v\":1,\"type\":\"sentinel\"}");
        final List<Mqtt5Publish> rest = watcher.takeUntil(p -> TestPeer.payload(p).contains("sentinel"));
        assertEquals(1, rest.size(), "after the leave: " + TestPeer.describe(rest));
        watcher.assertNothingArrives(QUIET);
        await().atMost(Duration.ofSeconds(5)).until(() -> !a.isConnected());
    }

    @Test
    void webSocket_honestClient_connects() {
        final TestPeer p = peer();
        final Mqtt5ConnAck ack = p.tryConnect(p.builder(broker.webSocketPort())
                .webSocketConfig().serverPath("mqtt").applyWebSocketConfig(),
                p.id, KeyProof.METHOD, p.spki, TestPeer.HONEST);
        assertFalse(ack.getReasonCode().isError());
        assertEquals(1, p.subscribe(p.inbox()));
    }
}
