package dev.switchboard.broker;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.datatypes.MqttUtf8String;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientConfig;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5Auth;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5AuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.auth.Mqtt5EnhancedAuthBuilder;
import com.hivemq.client.mqtt.mqtt5.message.connect.Mqtt5Connect;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAck;
import dev.switchboard.broker.extension.Buffers;
import dev.switchboard.broker.identity.KeyProof;
import dev.switchboard.broker.identity.PeerIds;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A test MQTT 5 client that holds a P-256 key and answers the broker's sb-key-v1 challenge the
 * way the browser client (MQTT.js) does: AUTH reason 0x18, the same method, data = raw r||s
 * signature. Its behaviour can be bent to test refusals. Public, and shipped in the broker's
 * test-jar, so the node's integration tests connect the same way.
 */
public final class TestPeer implements AutoCloseable {

    /** How long each blocking call waits at most. */
    public static final Duration WAIT = Duration.ofSeconds(5);

    /** Computes the AUTH answer from (clientId, challenge as received). */
    public interface Answer {
        byte[] answer(TestPeer peer, String clientId, byte[] challenge);
    }

    public static final Answer HONEST = (peer, id, challenge) ->
            KeyProof.sign(peer.keys.getPrivate(), KeyProof.signedBytes(id, challenge));

    public final KeyPair keys = KeyProof.generateKeyPair();
    /** The public key, SubjectPublicKeyInfo DER. */
    public final byte[] spki = keys.getPublic().getEncoded();
    /** The peer id (= MQTT client id) derived from {@link #spki}. */
    public final String id = PeerIds.fromSpki(spki);
    /** Every message delivered to this client, in arrival order. */
    public final BlockingQueue<Mqtt5Publish> received = new LinkedBlockingQueue<>();
    volatile byte[] lastChallenge;
    volatile byte[] lastAnswer;
    private Mqtt5AsyncClient client;

    public String inbox() {
        return "sb/v1/inbox/" + id;
    }

    /** Connects honestly over TCP; fails the test if refused. */
    public TestPeer connect(final int port) {
        final Mqtt5ConnAck ack = tryConnect(builder(port), id, KeyProof.METHOD, spki, HONEST);
        if (ack.getReasonCode().isError()) {
            throw new AssertionError("honest connect refused: " + ack);
        }
        return this;
    }

    public Mqtt5ClientBuilder builder(final int port) {
        return MqttClient.builder().useMqttVersion5().serverHost("127.0.0.1").serverPort(port);
    }

    /**
     * @return the CONNACK (success or refusal).
     */
    public Mqtt5ConnAck tryConnect(final Mqtt5ClientBuilder builder, final String clientId,
                            final String method, final byte[] connectData, final Answer answer) {
        builder.identifier(clientId);
        if (method != null) {
            builder.enhancedAuth(new Mechanism(method, connectData, clientId, answer));
        }
        client = builder.buildAsync();
        client.publishes(MqttGlobalPublishFilter.ALL, received::add);
        try {
            return client.connectWith().cleanStart(true).send()
                    .get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof Mqtt5ConnAckException refused) {
                return refused.getMqttMessage();
            }
            throw new AssertionError("connect failed without CONNACK", e);
        } catch (final Exception e) {
            throw new AssertionError("connect failed", e);
        }
    }

    public boolean isConnected() {
        return client != null && client.getState().isConnected();
    }

    /** @return the SUBACK reason code for {@code filter}: 0x01 granted QoS 1, 0x87 refused. */
    public int subscribe(final String filter) {
        try {
            final Mqtt5SubAck ack = client.subscribeWith().topicFilter(filter)
                    .qos(MqttQos.AT_LEAST_ONCE).send().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return ack.getReasonCodes().get(0).getCode();
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof Mqtt5SubAckException refused) {
                return refused.getMqttMessage().getReasonCodes().get(0).getCode();
            }
            throw new AssertionError("subscribe failed", e);
        } catch (final Exception e) {
            throw new AssertionError("subscribe failed", e);
        }
    }

    /**
     * Subscribes with MQTT 5 user properties on the SUBSCRIBE packet.
     *
     * @return the SUBACK reason code (0x01 granted QoS 1, 0x87 refused) and reason string.
     */
    public Ack subscribe(final String filter, final java.util.Map<String, String> userProperties) {
        final var props = com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties.builder();
        userProperties.forEach(props::add);
        try {
            final Mqtt5SubAck ack = client.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE)
                    .userProperties(props.build()).send().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return new Ack(ack.getReasonCodes().get(0).getCode(),
                    ack.getReasonString().map(Object::toString).orElse(""));
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof Mqtt5SubAckException refused) {
                return new Ack(refused.getMqttMessage().getReasonCodes().get(0).getCode(),
                        refused.getMqttMessage().getReasonString().map(Object::toString).orElse(""));
            }
            throw new AssertionError("subscribe failed", e);
        } catch (final Exception e) {
            throw new AssertionError("subscribe failed", e);
        }
    }

    public void unsubscribe(final String filter) {
        join(client.unsubscribeWith().topicFilter(filter).send());
    }

    /**
     * Publishes with QoS 1 without waiting for the PUBACK (the client sends its publishes in
     * order).
     */
    public CompletableFuture<Mqtt5PublishResult> publishNoWait(final String topic, final String payload) {
        return client.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
    }

    /** Publishes with QoS 0 (fire and forget: nothing is acknowledged, nothing queues for an ack). */
    public CompletableFuture<Mqtt5PublishResult> publishQos0(final String topic, final String payload) {
        return client.publishWith().topic(topic).qos(MqttQos.AT_MOST_ONCE)
                .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
    }

    /** @return the PUBACK reason code (0 = success) and reason string. */
    public Ack publish(final String topic, final String payload) {
        return publish(topic, payload, false, b -> { });
    }

    public Ack publish(final String topic, final String payload, final boolean retain,
                final Consumer<com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserPropertiesBuilder> props) {
        final var userProps = com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties.builder();
        props.accept(userProps);
        final CompletableFuture<Mqtt5PublishResult> f = client.publishWith().topic(topic)
                .qos(MqttQos.AT_LEAST_ONCE).retain(retain)
                .payload(payload.getBytes(StandardCharsets.UTF_8))
                .userProperties(userProps.build()).send();
        try {
            final Mqtt5PublishResult result = f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            final Optional<Throwable> error = result.getError();
            if (error.isPresent() && error.get() instanceof Mqtt5PubAckException pe) {
                return new Ack(pe.getMqttMessage().getReasonCode().getCode(),
                        pe.getMqttMessage().getReasonString().map(Object::toString).orElse(""));
            }
            if (result instanceof Mqtt5PublishResult.Mqtt5Qos1Result q1) {
                return new Ack(q1.getPubAck().getReasonCode().getCode(),
                        q1.getPubAck().getReasonString().map(Object::toString).orElse(""));
            }
            return new Ack(0, "");
        } catch (final ExecutionException e) {
            if (e.getCause() instanceof Mqtt5PubAckException pe) {
                return new Ack(pe.getMqttMessage().getReasonCode().getCode(),
                        pe.getMqttMessage().getReasonString().map(Object::toString).orElse(""));
            }
            throw new AssertionError("publish failed", e);
        } catch (final Exception e) {
            throw new AssertionError("publish failed", e);
        }
    }

    public record Ack(int code, String reason) {
    }

    /** @return the next message on {@code topic} within {@link #WAIT}, skipping others; or null. */
    public Mqtt5Publish next(final String topic) {
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                final Mqtt5Publish p = received.poll(deadline - System.nanoTime(),
                        TimeUnit.NANOSECONDS);
                if (p != null && p.getTopic().toString().equals(topic)) {
                    return p;
                }
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /**
     * Takes every message that arrived, on any topic and without skipping any, up to and
     * including the first one {@code barrier} matches. For "nothing else arrived" checks: publish
     * a barrier message after the one that must not arrive, then look at everything before it.
     *
     * @return the messages in arrival order, the barrier last.
     * @throws AssertionError if no matching message arrives within {@link #WAIT}.
     */
    public List<Mqtt5Publish> takeUntil(final Predicate<Mqtt5Publish> barrier) {
        final List<Mqtt5Publish> taken = new ArrayList<>();
        final long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            final Mqtt5Publish p;
            try {
                p = received.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            } catch (final InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
            if (p != null) {
                taken.add(p);
                if (barrier.test(p)) {
                    return taken;
                }
            }
        }
        throw new AssertionError("the barrier message did not arrive within " + WAIT
                + "; arrived meanwhile: " + describe(taken));
    }

    /**
     * Asserts that no message at all, on any topic, is waiting or arrives within {@code window}.
     *
     * @throws AssertionError naming the first message that arrived.
     */
    public void assertNothingArrives(final Duration window) {
        try {
            final Mqtt5Publish p = received.poll(window.toNanos(), TimeUnit.NANOSECONDS);
            if (p != null) {
                throw new AssertionError("expected nothing, got " + describe(List.of(p)));
            }
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** @return "topic payload" of each message, for failure messages. */
    public static String describe(final List<Mqtt5Publish> messages) {
        return messages.stream().map(p -> p.getTopic() + " " + payload(p)).toList().toString();
    }

    public static String payload(final Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
    }

    public static List<String> senders(final Mqtt5Publish p) {
        return p.getUserProperties().asList().stream()
                .filter(u -> u.getName().toString().equals("sb-sender"))
                .map(u -> u.getValue().toString()).toList();
    }

    public void disconnect() {
        if (client != null && client.getState().isConnected()) {
            join(client.disconnect());
        }
    }

    @Override
    public void close() {
        try {
            disconnect();
        } catch (final RuntimeException | AssertionError ignored) {
            // best effort
        }
    }

    private static <T> T join(final CompletableFuture<T> f) {
        try {
            return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final Exception e) {
            throw new AssertionError(e);
        }
    }

    private final class Mechanism implements Mqtt5EnhancedAuthMechanism {
        private final String method;
        private final byte[] connectData;
        private final String clientId;
        private final Answer answer;

        Mechanism(final String method, final byte[] connectData, final String clientId,
                  final Answer answer) {
            this.method = method;
            this.connectData = connectData;
            this.clientId = clientId;
            this.answer = answer;
        }

        @Override
        public MqttUtf8String getMethod() {
            return MqttUtf8String.of(method);
        }

        @Override
        public int getTimeout() {
            return 10;
        }

        @Override
        public CompletableFuture<Void> onAuth(final Mqtt5ClientConfig config,
                                              final Mqtt5Connect connect,
                                              final Mqtt5EnhancedAuthBuilder auth) {
            if (connectData != null) {
                auth.data(connectData);
            }
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Void> onReAuth(final Mqtt5ClientConfig config,
                                                final Mqtt5AuthBuilder auth) {
            return CompletableFuture.completedFuture(null);
        }

        @Override
        public CompletableFuture<Boolean> onContinue(final Mqtt5ClientConfig config,
                                                     final Mqtt5Auth auth,
                                                     final Mqtt5AuthBuilder reply) {
            final byte[] challenge = auth.getData().map(Buffers::copyOf).orElse(new byte[0]);
            lastChallenge = challenge;
            final byte[] a = answer.answer(TestPeer.this, clientId, challenge);
            lastAnswer = a;
            reply.data(a);
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onAuthSuccess(final Mqtt5ClientConfig config,
                                                        final Mqtt5ConnAck connAck) {
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public CompletableFuture<Boolean> onReAuthSuccess(final Mqtt5ClientConfig config,
                                                          final Mqtt5Auth auth) {
            return CompletableFuture.completedFuture(true);
        }

        @Override
        public void onAuthRejected(final Mqtt5ClientConfig config, final Mqtt5ConnAck connAck) {
        }

        @Override
        public void onReAuthRejected(final Mqtt5ClientConfig config,
                                     final Mqtt5Disconnect disconnect) {
        }

        @Override
        public void onAuthError(final Mqtt5ClientConfig config, final Throwable cause) {
        }

        @Override
        public void onReAuthError(final Mqtt5ClientConfig config, final Throwable cause) {
        }
    }
}
