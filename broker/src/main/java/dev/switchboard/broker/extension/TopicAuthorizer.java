package dev.switchboard.broker.extension;

import com.hivemq.extension.sdk.api.auth.PublishAuthorizer;
import com.hivemq.extension.sdk.api.auth.SubscriptionAuthorizer;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.PublishAuthorizerOutput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerInput;
import com.hivemq.extension.sdk.api.auth.parameter.SubscriptionAuthorizerOutput;
import com.hivemq.extension.sdk.api.packets.subscribe.SubackReasonCode;
import com.hivemq.extension.sdk.api.packets.general.UserProperty;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.topic.FlatTopics;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.broker.topic.TopicPolicy;
import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.Map;

/**
 * Topic authorization, one shared stateless instance.
 *
 * <p>Subscriptions are decided here by {@link TopicPolicy#checkSubscribe}: a denied filter gets
 * SUBACK reason code 0x87 Not authorized with a reason string, the client stays connected and
 * receives nothing on it. An allowed room presence subscription is remembered for the leave
 * notice at disconnect. A topic the node's interceptor handles is then also put to
 * {@link SignalingInterceptor#checkSubscription} (a callee's ring topic needs the callee's secret).
 *
 * <p>Publishes are <em>not</em> refused here: HiveMQ disconnects an MQTT 5 client whose publish
 * fails authorization (SDK {@code PublishAuthorizerOutput#failAuthorization}). This authorizer
 * therefore authorizes every publish of an authenticated connection explicitly, and
 * {@link SignalingPublishInterceptor} enforces {@link TopicPolicy#checkPublish}, refusing with a
 * PUBACK reason code while keeping the client connected. Connections that are somehow not
 * authenticated are disconnected.
 */
final class TopicAuthorizer implements SubscriptionAuthorizer, PublishAuthorizer {

    private static final Logger log = LoggerFactory.getLogger(TopicAuthorizer.class);

    private final ConnectionRegistry registry;
    private final SignalingInterceptor interceptor;

    TopicAuthorizer(final @NotNull ConnectionRegistry registry, final @NotNull SignalingInterceptor interceptor) {
        this.registry = registry;
        this.interceptor = interceptor;
    }

    @Override
    public void authorizeSubscribe(final @NotNull SubscriptionAuthorizerInput input,
                                   final @NotNull SubscriptionAuthorizerOutput out) {
        final ConnectionState state = registry.get(input);
        final String filter = input.getSubscription().getTopicFilter();
        if (state == null) {
            out.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, "not authenticated");
            return;
        }
        if (state.compat()) {
            // docs/protocol.md §12: flat topic names only, so nothing under sb/, no wildcard, no $.
            final String why = FlatTopics.whyNotFlat(filter);
            if (why != null) {
                log.debug("Compatibility subscription of {} refused: {}", state.clientId(), why);
                out.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, why);
            } else {
                out.authorizeSuccessfully();
            }
            return;
        }
        final TopicPolicy.Decision decision =
                TopicPolicy.checkSubscribe(state.clientId(), state.role() != null, filter);
        if (!decision.allowed()) {
            log.debug("Subscription of {} to {} refused: {}", state.clientId(), filter,
                    decision.reason());
            out.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, String.valueOf(decision.reason()));
            return;
        }
        final Topic topic = decision.topic();
        if (topic != null && interceptor.handles(topic)) {
            final Map<String, String> properties = new HashMap<>();
            for (final UserProperty p : input.getUserProperties().asList()) {
                properties.put(p.getName(), p.getValue());
            }
            final String refused = interceptor.checkSubscription(state.clientId(), topic, properties);
            if (refused != null) {
                log.debug("Subscription of {} to {} refused by the node: {}", state.clientId(), filter, refused);
                out.failAuthorization(SubackReasonCode.NOT_AUTHORIZED, refused);
                return;
            }
        }
        if (decision.topic() instanceof Topic.RoomPresence presence) {
            state.rooms().add(presence.roomId());
        }
        out.authorizeSuccessfully();
    }

    @Override
    public void authorizePublish(final @NotNull PublishAuthorizerInput input,
                                 final @NotNull PublishAuthorizerOutput out) {
        if (registry.get(input) == null) {
            out.disconnectClient();
            return;
        }
        // Enforced in SignalingPublishInterceptor, which can refuse without disconnecting.
        out.authorizeSuccessfully();
    }
}
