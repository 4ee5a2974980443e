package dev.switchboard.node.relay;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.broker.extension.Buffers;
import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import dev.switchboard.broker.identity.KeyProof;
import dev.switchboard.broker.identity.PeerIds;
import dev.switchboard.node.Node;
import dev.switchboard.node.config.ConfigLoader;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.security.KeyPair;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Measures what opening relay sessions costs the key authentication of other clients, on one real
 * node: 200 MQTT clients authenticate concurrently (sb-key-v1 challenge-response, the broker
 * extension's executor verifies the signatures) (1) alone, (2) while 200 offers without ICE
 * credentials are published at the same moment (parsed, refused before any relay open: the cost
 * of the message path without the relay) and (3) while 200 offers, published through the node's
 * broker at the same moment, each open a relay session (the real path: the publish interceptor,
 * the signaling service, {@code Relay.open}, two UDP ports bound, the SDP rewritten). Prints the
 * authentication latency p50/p99 of each and the differences; the target is that p99 grows by
 * less than 50 ms with the relay opens. No timed assertion; asserts only what must hold
 * regardless of timing: every client got in, every offer was relayed or refused as expected,
 * each relayed offer has its own session.
 *
 * <p>A warm-up run pays for class loading and the JIT; the three runs then repeat in
 * {@value #ROUNDS} rounds in rotated order and their samples are pooled, since the machine is
 * shared. The relay has its own port range (44000-44599), apart from every other test's.
 */
class RelayOpenUnderAuthLoadIT {
    private static final int CLIENTS = 200;
    private static final int OFFERS = 200;
    private static final int WARM_UP = 50;
    /** PUBACK 0x10 No matching subscribers (MQTT 5 §3.4.2.1): relayed, nobody listening to that inbox. */
    private static final int NO_MATCHING_SUBSCRIBERS = 0x10;
    /** PUBACK 0x83: refused by the node (here bad-sdp: no ICE credentials). */
    private static final int IMPLEMENTATION_SPECIFIC_ERROR = 0x83;
    /** Rounds of the three runs, in rotated order, pooled: the machine is shared and noisy. */
    private static final int ROUNDS = 3;
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path dataDir;
    private static Node node;
    private static String offerSdp;
    private static String offerSdpWithoutIce;

    @BeforeAll
    static void startNode() throws Exception {
        node = Node.start(ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                web: { port: 0, tls: false }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                # every simulated browser comes from 127.0.0.1: lift the per-address caps
                relay: { portRange: 44000-44599, maxSessions: 300, idleTimeout: 300s, maxSessionsPerAddress: 1000,
                         halfOpenTimeout: 300s }
                limits: { connectionsPerAddress: 2000, publishBurst: 1000 }
                """.formatted(dataDir.toString().replace("\\", "/")), "RelayOpenUnderAuthLoadIT"),
                Node.Options.defaults());
        try (InputStream in = RelayOpenUnderAuthLoadIT.class.getResourceAsStream("/sdp/chromium/datachannel-offer-gathered.sdp")) {
            assertNotNull(in);
            offerSdp = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            offerSdpWithoutIce = offerSdp.replaceAll("a=ice-(ufrag|pwd):[^\r\n]*\r\n", "");
        }
    }

    @AfterAll
    static void stopNode() {
        if (node != null) {
            node.close();
        }
    }

    /** What runs beside the authentications. */
    private enum Load {
        /** Nothing: the baseline. */
        NONE,
        /** 200 offers without ICE credentials: parsed and refused before any relay open. */
        OFFERS_REFUSED_BEFORE_RELAY,
        /** 200 offers that each open a relay session (two UDP ports) and are rewritten. */
        OFFERS_OPENING_RELAY_SESSIONS
    }

    /** Latencies of one run, in nanoseconds, and the relay sessions open at its end. */
    private record Run(long[] authNanos, long[] offerNanos, int sessionsOpen) {
    }

    /** Nearest-rank percentile {@code p} (0-100] of {@code samples}, in milliseconds. */
    private static double millis(final long[] samples, final double p) {
        final long[] sorted = samples.clone();
        Arrays.sort(sorted);
        final int rank = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, rank)] / 1e6;
    }

    private static long[] concat(final List<long[]> parts) {
        return parts.stream().flatMapToLong(Arrays::stream).toArray();
    }

    @Test
    void authentication_whileRelaySessionsOpen_latencyPrinted() throws Exception {
        {
            run(WARM_UP, Load.OFFERS_OPENING_RELAY_SESSIONS, WARM_UP); // class loading, JIT
            final Map<Load, List<long[]>> auth = new EnumMap<>(Load.class);
            final Map<Load, List<long[]>> offer = new EnumMap<>(Load.class);
            final StringBuilder rounds = new StringBuilder();
            for (int round = 0; round < ROUNDS; round++) {
                rounds.append("  round ").append(round + 1).append(" auth p99:");
                for (int i = 0; i < Load.values().length; i++) {
                    final Load load = Load.values()[(i + round) % Load.values().length]; // rotate the order
                    final Run r = run(CLIENTS, load, load == Load.NONE ? 0 : OFFERS);
                    if (load == Load.OFFERS_OPENING_RELAY_SESSIONS) {
                        assertEquals(OFFERS, r.sessionsOpen(), "every offer opened its own relay session");
                    } else {
                        assertEquals(0, r.sessionsOpen());
                    }
                    auth.computeIfAbsent(load, k -> new ArrayList<>()).add(r.authNanos());
                    offer.computeIfAbsent(load, k -> new ArrayList<>()).add(r.offerNanos());
                    rounds.append(String.format(" %s %.1f ms;", load, millis(r.authNanos(), 99)));
                }
                rounds.append(System.lineSeparator());
            }
            final long[] alone = concat(auth.get(Load.NONE));
            final long[] refused = concat(auth.get(Load.OFFERS_REFUSED_BEFORE_RELAY));
            final long[] opening = concat(auth.get(Load.OFFERS_OPENING_RELAY_SESSIONS));
            final String report = String.format(
                    "RelayOpenUnderAuthLoadIT: %d concurrent key authentications (sb-key-v1), %d rounds, "
                            + "%d CPUs, pooled samples%n"
                            + "  auth, alone:                                   p50 %7.1f ms  p99 %7.1f ms%n"
                            + "  auth + %d offers refused before the relay:     p50 %7.1f ms  p99 %7.1f ms%n"
                            + "  auth + %d offers opening relay sessions:       p50 %7.1f ms  p99 %7.1f ms%n"
                            + "  difference, relay opens vs alone:              p50 %+7.1f ms  p99 %+7.1f ms"
                            + "  (target: p99 grows < 50 ms)%n"
                            + "  difference, relay opens vs refused offers:     p50 %+7.1f ms  p99 %+7.1f ms%n"
                            + "  offers refused before the relay, PUBACK:       p50 %7.1f ms  p99 %7.1f ms%n"
                            + "  offers opening relay sessions, PUBACK:         p50 %7.1f ms  p99 %7.1f ms%n"
                            + "%s",
                    CLIENTS, ROUNDS, Runtime.getRuntime().availableProcessors(),
                    millis(alone, 50), millis(alone, 99),
                    OFFERS, millis(refused, 50), millis(refused, 99),
                    OFFERS, millis(opening, 50), millis(opening, 99),
                    millis(opening, 50) - millis(alone, 50), millis(opening, 99) - millis(alone, 99),
                    millis(opening, 50) - millis(refused, 50), millis(opening, 99) - millis(refused, 99),
                    millis(concat(offer.get(Load.OFFERS_REFUSED_BEFORE_RELAY)), 50),
                    millis(concat(offer.get(Load.OFFERS_REFUSED_BEFORE_RELAY)), 99),
                    millis(concat(offer.get(Load.OFFERS_OPENING_RELAY_SESSIONS)), 50),
                    millis(concat(offer.get(Load.OFFERS_OPENING_RELAY_SESSIONS)), 99),
                    rounds);
            System.out.print(report);
        }
    }

    /**
     * Connects {@code clients} new clients and publishes {@code offers} offers of kind
     * {@code load}, one per offering client, all sent at the same instant; returns each one's
     * latency. The offering clients connect beforehand (not measured); everyone disconnects
     * afterwards, which closes their relay sessions.
     */
    private Run run(final int clients, final Load load, final int offers) throws Exception {
        final List<KeyClient> everyone = new ArrayList<>();
        try {
            final List<KeyClient> offerers = new ArrayList<>();
            final List<CompletableFuture<Mqtt5ConnAck>> offererConnects = new ArrayList<>();
            for (int i = 0; i < offers; i++) {
                final KeyClient c = new KeyClient();
                everyone.add(c);
                offerers.add(c);
                offererConnects.add(c.connect(node.broker().tcpPort()));
            }
            for (final CompletableFuture<Mqtt5ConnAck> f : offererConnects) {
                assertFalse(f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).getReasonCode().isError());
            }
            final List<KeyClient> newcomers = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                final KeyClient c = new KeyClient(); // key pair made here, outside the measurement
                everyone.add(c);
                newcomers.add(c);
            }
            final boolean opening = load == Load.OFFERS_OPENING_RELAY_SESSIONS;
            final List<String> payloads = new ArrayList<>();
            for (int i = 0; i < offers; i++) {
                payloads.add(offer(opening ? offerSdp : offerSdpWithoutIce).toString());
            }

            final long[] authStart = new long[clients];
            final long[] authEnd = new long[clients];
            final long[] offerStart = new long[offers];
            final long[] offerEnd = new long[offers];
            final List<CompletableFuture<?>> pending = new ArrayList<>();
            for (int i = 0; i < Math.max(clients, offers); i++) { // interleaved, so both start together
                if (i < clients) {
                    final int n = i;
                    authStart[n] = System.nanoTime();
                    pending.add(newcomers.get(n).connect(node.broker().tcpPort()).thenAccept(ack -> {
                        authEnd[n] = System.nanoTime();
                        assertFalse(ack.getReasonCode().isError(), ack.toString());
                    }));
                }
                if (i < offers) {
                    final int n = i;
                    offerStart[n] = System.nanoTime();
                    // to the next offerer: the node opens sessions only for recipients that are connected
                    final KeyClient recipient = offerers.get((n + 1) % offerers.size());
                    pending.add(offerers.get(n).publish("sb/v1/inbox/" + recipient.id, payloads.get(n)).thenAccept(code -> {
                        offerEnd[n] = System.nanoTime();
                        assertEquals(opening ? NO_MATCHING_SUBSCRIBERS : IMPLEMENTATION_SPECIFIC_ERROR, code);
                    }));
                }
            }
            CompletableFuture.allOf(pending.toArray(new CompletableFuture<?>[0])).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            final long[] authNanos = new long[clients];
            for (int i = 0; i < clients; i++) {
                authNanos[i] = authEnd[i] - authStart[i];
            }
            final long[] offerNanos = new long[offers];
            for (int i = 0; i < offers; i++) {
                offerNanos[i] = offerEnd[i] - offerStart[i];
            }
            return new Run(authNanos, offerNanos, node.relay().sessionCount()); // before the offerers leave
        } finally {
            everyone.forEach(KeyClient::close);
            await().atMost(WAIT).until(() -> node.relay().reservedSessions() == 0);
        }
    }

    /**
     * An asynchronous MQTT 5 client that proves its key with sb-key-v1 the way the browser client
     * and {@code TestPeer} do (AUTH reason 0x18, data = signature over the broker's challenge),
     * but returns futures with no short timeout of its own, so that 400 of them can be in flight
     * on a loaded machine without a thread each.
     */
    private static final class KeyClient implements AutoCloseable {
        private final KeyPair keys = KeyProof.generateKeyPair();
        private final byte[] spki = keys.getPublic().getEncoded();
        private final String id = PeerIds.fromSpki(spki);
        private Mqtt5AsyncClient client;

        CompletableFuture<Mqtt5ConnAck> connect(final int port) {
            client = MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1").serverPort(port)
                    .identifier(id).enhancedAuth(new Mechanism()).buildAsync();
            return client.connectWith().cleanStart(true).send();
        }

        /** @return the PUBACK reason code */
        CompletableFuture<Integer> publish(final String topic, final String payload) {
            return client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                    .payload(payload.getBytes(StandardCharsets.UTF_8)).send()
                    .handle((result, error) -> {
                        final Throwable e = error != null ? error : result.getError().orElse(null);
                        if (e instanceof Mqtt5PubAckException refused) {
                            return refused.getMqttMessage().getReasonCode().getCode();
                        }
                        if (e != null) {
                            throw new CompletionException(e);
                        }
                        return ((Mqtt5PublishResult.Mqtt5Qos1Result) result).getPubAck().getReasonCode().getCode();
                    });
        }

        @Override
        public void close() {
            if (client != null && client.getState().isConnected()) {
                try {
                    client.disconnect().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (final Exception ignored) {
                    // best effort: the node closes the connection's relay sessions either way
                }
            }
        }

        private final class Mechanism implements Mqtt5EnhancedAuthMechanism {
            @Override
            public MqttUtf8String getMethod() {
                return MqttUtf8String.of(KeyProof.METHOD);
            }

            @Override
            public int getTimeout() {
                return (int) WAIT.toSeconds();
            }

            @Override
            public CompletableFuture<Void> onAuth(final Mqtt5ClientConfig config, final Mqtt5Connect connect,
                                                  final Mqtt5EnhancedAuthBuilder auth) {
                auth.data(spki);
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<Void> onReAuth(final Mqtt5ClientConfig config, final Mqtt5AuthBuilder auth) {
                return CompletableFuture.completedFuture(null);
            }

            @Override
            public CompletableFuture<Boolean> onContinue(final Mqtt5ClientConfig config, final Mqtt5Auth auth,
                                                         final Mqtt5AuthBuilder reply) {
                final byte[] challenge = auth.getData().map(Buffers::copyOf).orElse(new byte[0]);
                reply.data(KeyProof.sign(keys.getPrivate(), KeyProof.signedBytes(id, challenge)));
                return CompletableFuture.completedFuture(true);
            }

            @Override
            public CompletableFuture<Boolean> onAuthSuccess(final Mqtt5ClientConfig config, final Mqtt5ConnAck connAck) {
                return CompletableFuture.completedFuture(true);
            }

            @Override
            public CompletableFuture<Boolean> onReAuthSuccess(final Mqtt5ClientConfig config, final Mqtt5Auth auth) {
                return CompletableFuture.completedFuture(true);
            }

            @Override
            public void onAuthRejected(final Mqtt5ClientConfig config, final Mqtt5ConnAck connAck) {
            }

            @Override
            public void onReAuthRejected(final Mqtt5ClientConfig config, final Mqtt5Disconnect disconnect) {
            }

            @Override
            public void onAuthError(final Mqtt5ClientConfig config, final Throwable cause) {
            }

            @Override
            public void onReAuthError(final Mqtt5ClientConfig config, final Throwable cause) {
            }
        }
    }

    private static ObjectNode offer(final String sdp) {
        final byte[] sig = new byte[64]; // the node relays signatures without checking them
        RANDOM.nextBytes(sig);
        final ObjectNode m = JSON.createObjectNode();
        m.put("v", 1).put("type", "offer").put("id", "m" + RANDOM.nextInt(1_000_000))
                .put("context", "call:" + randomId()).put("sdp", sdp).put("sig", b64(sig));
        return m;
    }

    private static String randomId() {
        final byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return b64(bytes);
    }

    private static String b64(final byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
