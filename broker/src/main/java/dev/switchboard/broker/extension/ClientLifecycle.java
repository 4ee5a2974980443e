package dev.switchboard.broker.extension;

import com.hivemq.extension.sdk.api.events.client.ClientLifecycleEventListener;
import com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationFailedInput;
import com.hivemq.extension.sdk.api.events.client.parameters.AuthenticationSuccessfulInput;
import com.hivemq.extension.sdk.api.events.client.parameters.ConnectionStartInput;
import com.hivemq.extension.sdk.api.events.client.parameters.DisconnectEventInput;
import com.hivemq.extension.sdk.api.interceptor.unsubscribe.UnsubscribeInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.unsubscribe.parameter.UnsubscribeInboundInput;
import com.hivemq.extension.sdk.api.interceptor.unsubscribe.parameter.UnsubscribeInboundOutput;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.broker.topic.Topics;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Client lifecycle: one listener per connection (HiveMQ asks the provider at connection start).
 *
 * <p>When an authenticated connection ends, for any reason (clean disconnect, connection loss,
 * server disconnect, takeover), this calls {@link SignalingInterceptor#onClientDisconnected} and
 * publishes {@code {"v":1,"type":"leave"}} with {@code sb-sender=<clientId>} to every room
 * presence topic the connection was subscribed to. A connection that never authenticated (for
 * example a refused client-id thief) has no token and triggers nothing, so it can never make a
 * connected victim "leave". A connection replaced by a newer one of the same identity (session
 * takeover after a reconnect) triggers nothing either: the identity has not left.
 */
final class ClientLifecycle implements ClientLifecycleEventListener {

    private static final Logger log = LoggerFactory.getLogger(ClientLifecycle.class);

    private final ConnectionRegistry registry;
    private final NodePublisher publisher;
    private final SignalingInterceptor interceptor;
    private final Executor executor;
    private final @Nullable CompatAddresses compatAddresses;
    private volatile String token;

    ClientLifecycle(final @NotNull ConnectionRegistry registry,
                    final @NotNull NodePublisher publisher,
                    final @NotNull SignalingInterceptor interceptor,
                    final @NotNull Executor executor) {
        this(registry, publisher, interceptor, executor, null);
    }

    /**
     * @param compatAddresses the per-address budgets of the compatibility listener, or null when
     *                        it is off.
     */
    ClientLifecycle(final @NotNull ConnectionRegistry registry,
                    final @NotNull NodePublisher publisher,
                    final @NotNull SignalingInterceptor interceptor,
                    final @NotNull Executor executor,
                    final @Nullable CompatAddresses compatAddresses) {
        this.registry = registry;
        this.publisher = publisher;
        this.interceptor = interceptor;
        this.executor = executor;
        this.compatAddresses = compatAddresses;
    }

    @Override
    public void onMqttConnectionStart(final @NotNull ConnectionStartInput input) {
    }

    @Override
    public void onAuthenticationSuccessful(final @NotNull AuthenticationSuccessfulInput input) {
        ConnectionRegistry.token(input).ifPresent(t -> token = t);
    }

    @Override
    public void onAuthenticationFailedDisconnect(final @NotNull AuthenticationFailedInput input) {
        // never authenticated: nothing to release, and the client id may belong to someone else
    }

    @Override
    public void onDisconnect(final @NotNull DisconnectEventInput input) {
        final String t = Optional.ofNullable(token).or(() -> ConnectionRegistry.token(input))
                .orElse(null);
        if (t == null) {
            return;
        }
        final ConnectionState state = registry.remove(t);
        if (state == null) {
            return;
        }
        if (state.compat()) {
            // An anonymous flat-topic client: no rooms, no relay sessions, nothing to announce.
            if (compatAddresses != null) {
                compatAddresses.release(state.address());
            }
            return;
        }
        final Runnable release = () -> release(state);
        try {
            executor.execute(release);
        } catch (final RejectedExecutionException e) {
            log.debug("Shutting down: no leave notices for {}", state.clientId());
        }
    }

    private void release(final ConnectionState state) {
        final String clientId = state.clientId();
        if (registry.isConnected(clientId)) {
            // A session takeover by the same key (a reconnect while the old connection was still
            // half-open): the identity is still here, so it did not leave and keeps its sessions.
            log.debug("{} replaced its connection; no leave notices", clientId);
            return;
        }
        log.debug("{} disconnected; leaving {} room(s)", clientId, state.rooms().size());
        for (final String roomId : state.rooms()) {
            publisher.publish(Topics.presence(roomId), ErrorMessages.leave(), false, clientId);
        }
        try {
            interceptor.onClientDisconnected(clientId);
        } catch (final RuntimeException e) {
            log.warn("Signaling interceptor failed on disconnect of {}", clientId, e);
        }
    }

    /** Forgets a room presence subscription on UNSUBSCRIBE; one shared instance. */
    static final class UnsubscribeTracker implements UnsubscribeInboundInterceptor {
        private final ConnectionRegistry registry;

        UnsubscribeTracker(final @NotNull ConnectionRegistry registry) {
            this.registry = registry;
        }

        @Override
        public void onInboundUnsubscribe(final @NotNull UnsubscribeInboundInput input,
                                         final @NotNull UnsubscribeInboundOutput out) {
            final ConnectionState state = registry.get(input);
            if (state == null) {
                return;
            }
            for (final String filter : input.getUnsubscribePacket().getTopicFilters()) {
                if (Topics.parse(filter) instanceof Topic.Valid valid
                        && valid.topic() instanceof Topic.RoomPresence presence) {
                    state.rooms().remove(presence.roomId());
                }
            }
        }
    }
}
