package dev.switchboard.node.federation;

import org.eclipse.paho.mqttv5.client.IMqttToken;
import org.eclipse.paho.mqttv5.client.MqttActionListener;
import org.eclipse.paho.mqttv5.client.MqttAsyncClient;
import org.eclipse.paho.mqttv5.client.MqttCallback;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.MqttDisconnectResponse;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttException;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.eclipse.paho.mqttv5.common.packet.MqttProperties;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One federation link: this node's Eclipse Paho MQTT v5 client connected to a peer node's
 * federation listener over mutual TLS (this node's certificate as the client certificate, the
 * peer's certificate pinned by node id, {@link PeerTrust#pinned}). Once connected it subscribes to
 * the peer's bridged topics and its relay announcement ({@link #TOPICS}) with No Local (MQTT 5 §3.8.3.1) in one SUBSCRIBE
 * (the array form: Paho 1.2.5's single-topic listener form recurses forever) and hands every
 * message to the {@link Receiver}. It subscribes again after every reconnect.
 *
 * <p>Healing: when the connection fails or is lost, the next attempt comes after an exponential
 * backoff with jitter ({@link #delay}: 0.5..1 × min(max, initial × 2^failures)); a success resets
 * it. State changes go to {@link PeerLinks}, which logs one line per change, never one per try.
 *
 * <p>Threading: attempts run on the shared scheduler; Paho's callbacks on Paho's threads. All
 * mutable state is guarded by {@code this}.
 */
final class PeerLink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PeerLink.class);

    /**
     * The topic filters a link subscribes to at the peer: room presence, inboxes and callees' ring
     * topics, and the peer node's relay and callee announcements.
     */
    static final List<String> TOPICS = List.of("sb/v1/room/+/presence", "sb/v1/inbox/+", "sb/v1/callee/+",
            Bridge.RELAY_TOPIC, Bridge.CALLEE_PREFIX + "+");

    /** Receives what the peer's broker delivers. Called on Paho's thread; must not block. */
    interface Receiver {
        void received(@NotNull PeerLink link, @NotNull String topic, @NotNull MqttMessage message);

        /** The link is down (it will retry); called on the thread that noticed. */
        default void down(final @NotNull PeerLink link) {
        }
    }

    private final String selfId;
    private final String peerId;
    private final InetSocketAddress address;
    private final SSLContext tls;
    private final ScheduledExecutorService scheduler;
    private final PeerLinks links;
    private final Receiver receiver;
    private final Duration initialDelay;
    private final Duration maxDelay;
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong messagesIn = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();

    private @Nullable MqttAsyncClient client;
    private int failures;
    private boolean closed;

    PeerLink(final @NotNull String selfId, final @NotNull String peerId, final @NotNull InetSocketAddress address,
             final @NotNull SSLContext tls, final @NotNull ScheduledExecutorService scheduler,
             final @NotNull PeerLinks links, final @NotNull Receiver receiver,
             final @NotNull Duration initialDelay, final @NotNull Duration maxDelay) {
        this.selfId = selfId;
        this.peerId = peerId;
        this.address = address;
        this.tls = tls;
        this.scheduler = scheduler;
        this.links = links;
        this.receiver = receiver;
        this.initialDelay = initialDelay;
        this.maxDelay = maxDelay;
    }

    /** @return the peer node's id. */
    @NotNull String peerId() {
        return peerId;
    }

    /** @return the peer's federation listener address, as configured. */
    @NotNull InetSocketAddress address() {
        return address;
    }

    /** @return connection attempts so far. */
    long attempts() {
        return attempts.get();
    }

    /** @return messages received from the peer so far, and their payload bytes. */
    long messagesIn() {
        return messagesIn.get();
    }

    long bytesIn() {
        return bytesIn.get();
    }

    /** Starts connecting now. */
    void start() {
        links.changed(peerId, PeerLinks.State.CONNECTING);
        scheduler.execute(this::attempt);
    }

    /**
     * @param failures consecutive failures so far (0 = the first retry).
     * @return the wait before the next attempt: min(max, initial × 2^failures), times a random
     *     factor in [0.5, 1) so that links which failed together do not retry together.
     */
    static @NotNull Duration delay(final int failures, final @NotNull Duration initial, final @NotNull Duration max) {
        final long base = initial.toMillis() << Math.min(failures, 20);
        final long capped = Math.min(max.toMillis(), base < 0 ? max.toMillis() : base);
        final double jitter = 0.5 + ThreadLocalRandom.current().nextDouble() * 0.5;
        return Duration.ofMillis(Math.max(1, (long) (capped * jitter)));
    }

    private void attempt() {
        final MqttAsyncClient c;
        synchronized (this) {
            if (closed) {
                return;
            }
            attempts.incrementAndGet();
            links.count(peerId, "attempt");
            try {
                c = new MqttAsyncClient("ssl://" + hostLiteral() + ":" + address.getPort(), selfId,
                        new MemoryPersistence());
            } catch (final MqttException | IllegalArgumentException e) {
                LOG.warn("federation: cannot make a client for peer {} at {}: {}", peerId, address, e.toString());
                scheduleRetry(null);
                return;
            }
            client = c;
        }
        c.setCallback(new Callback(c));
        final MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        options.setSessionExpiryInterval(0L);
        options.setAutomaticReconnect(false);
        options.setConnectionTimeout(10);
        options.setKeepAliveInterval(20);
        options.setSocketFactory(tls.getSocketFactory());
        // Identity is the pinned key, not a host name: the peer's certificate names its node id.
        options.setHttpsHostnameVerificationEnabled(false);
        try {
            c.connect(options, null, new MqttActionListener() {
                @Override
                public void onSuccess(final IMqttToken token) {
                    subscribe(c);
                }

                @Override
                public void onFailure(final IMqttToken token, final Throwable error) {
                    LOG.debug("federation: connecting to {} failed: {}", peerId, String.valueOf(error));
                    scheduleRetry(c);
                }
            });
        } catch (final MqttException | RuntimeException e) {
            LOG.debug("federation: connecting to {} failed: {}", peerId, e.toString());
            scheduleRetry(c);
        }
    }

    private String hostLiteral() {
        final String host = address.getHostString();
        return host.contains(":") ? "[" + host + "]" : host;
    }

    private void subscribe(final MqttAsyncClient c) {
        final MqttSubscription[] subscriptions = new MqttSubscription[TOPICS.size()];
        for (int i = 0; i < subscriptions.length; i++) {
            subscriptions[i] = new MqttSubscription(TOPICS.get(i), 1);
            subscriptions[i].setNoLocal(true);
        }
        try {
            c.subscribe(subscriptions, null, new MqttActionListener() {
                @Override
                public void onSuccess(final IMqttToken token) {
                    synchronized (PeerLink.this) {
                        if (closed || client != c) {
                            return;
                        }
                        failures = 0;
                    }
                    links.changed(peerId, PeerLinks.State.UP);
                }

                @Override
                public void onFailure(final IMqttToken token, final Throwable error) {
                    LOG.warn("federation: peer {} refused the link's subscriptions: {}", peerId, String.valueOf(error));
                    scheduleRetry(c);
                }
            }, new MqttProperties());
        } catch (final MqttException | RuntimeException e) {
            scheduleRetry(c);
        }
    }

    /** Drops {@code failed} (if it is still the current client) and schedules the next attempt. */
    private void scheduleRetry(final @Nullable MqttAsyncClient failed) {
        final Duration wait;
        synchronized (this) {
            if (closed || (failed != null && client != failed)) {
                return;
            }
            client = null;
            wait = delay(failures, initialDelay, maxDelay);
            failures++;
        }
        links.changed(peerId, PeerLinks.State.DOWN);
        receiver.down(this);
        if (failed != null) {
            closeQuietly(failed);
        }
        try {
            scheduler.schedule(this::attempt, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (final java.util.concurrent.RejectedExecutionException e) {
            // shutting down
        }
    }

    private static void closeQuietly(final MqttAsyncClient c) {
        try {
            if (c.isConnected()) {
                c.disconnectForcibly(0, 1000, false);
            }
        } catch (final MqttException | RuntimeException ignored) {
            // already gone
        }
        try {
            c.close(true);
        } catch (final MqttException | RuntimeException ignored) {
            // already closed
        }
    }

    /** Disconnects and stops retrying. Idempotent. */
    @Override
    public void close() {
        final MqttAsyncClient c;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            c = client;
            client = null;
        }
        if (c != null) {
            closeQuietly(c);
        }
    }

    private final class Callback implements MqttCallback {
        private final MqttAsyncClient owner;

        Callback(final MqttAsyncClient owner) {
            this.owner = owner;
        }

        @Override
        public void disconnected(final MqttDisconnectResponse response) {
            LOG.debug("federation: link to {} lost: {}", peerId, response);
            scheduleRetry(owner);
        }

        @Override
        public void mqttErrorOccurred(final MqttException exception) {
            LOG.debug("federation: link to {}: {}", peerId, exception.toString());
        }

        @Override
        public void messageArrived(final String topic, final MqttMessage message) {
            messagesIn.incrementAndGet();
            bytesIn.addAndGet(message.getPayload().length);
            links.received(peerId, message.getPayload().length);
            try {
                receiver.received(PeerLink.this, topic, message);
            } catch (final RuntimeException e) {
                LOG.warn("federation: a message from peer {} failed: {}", peerId, e.toString());
            }
        }

        @Override
        public void deliveryComplete(final IMqttToken token) {
        }

        @Override
        public void connectComplete(final boolean reconnect, final String serverUri) {
        }

        @Override
        public void authPacketArrived(final int reasonCode, final MqttProperties properties) {
        }
    }
}
