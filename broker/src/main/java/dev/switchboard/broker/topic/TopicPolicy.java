package dev.switchboard.broker.topic;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.util.Objects;

/**
 * Who may subscribe and publish where. Pure code, thread-safe.
 *
 * <p>An ordinary peer may subscribe to exactly: its own inbox, any room presence topic (exact
 * topic, no wildcards) and {@code sb/v1/node/info}; it may publish to room presence topics and to
 * any inbox, never retained. A trusted peer (a federation link or an admin tool, configured by id
 * in the broker settings) may also use wildcards and any topic under {@code sb/v1/}, but never
 * {@code $SYS}, {@code $share} or anything outside {@code sb/v1/}, and never retained. Only the
 * node itself publishes {@code sb/v1/node/info} and retained messages (it does so through the
 * broker's publish service, not through this policy).
 */
public final class TopicPolicy {

    private TopicPolicy() {
    }

    /**
     * A decision.
     *
     * @param allowed whether the operation may proceed.
     * @param topic   for an allowed operation on a grammar topic, the parsed topic; otherwise
     *                {@code null} (denied, or a trusted peer's wildcard or extra topic).
     * @param reason  for a denial, a human-readable reason naming the offending value; otherwise
     *                {@code null}.
     */
    public record Decision(boolean allowed, @Nullable Topic topic, @Nullable String reason) {
        static Decision allow(final @Nullable Topic topic) {
            return new Decision(true, topic, null);
        }

        static Decision deny(final @NotNull String reason) {
            return new Decision(false, null, Objects.requireNonNull(reason));
        }
    }

    /**
     * @param clientId the verified client id (a peer id).
     * @param trusted  whether the client is a configured trusted peer (federation or admin).
     * @param filter   the untrusted topic filter of one subscription.
     * @return the decision; never throws for any filter.
     */
    public static @NotNull Decision checkSubscribe(
            final @NotNull String clientId, final boolean trusted, final @Nullable String filter) {
        if (filter == null || filter.isEmpty()) {
            return Decision.deny("empty topic filter");
        }
        // MQTT 5 §4.8.2: shared subscriptions are $share/<group>/<filter>; §4.7.2: $-topics
        if (filter.startsWith("$")) {
            return Decision.deny("topics starting with '$' ($SYS, $share) are not available: "
                    + Topics.shorten(filter));
        }
        if (trusted) {
            return underRoot(filter)
                    ? Decision.allow(parsedOrNull(filter))
                    : Decision.deny("trusted peers may subscribe under " + Topics.ROOT
                            + "/ only: " + Topics.shorten(filter));
        }
        // MQTT 5 §4.7.1: '#' and '+' are the wildcard characters
        if (filter.indexOf('#') >= 0 || filter.indexOf('+') >= 0) {
            return Decision.deny("wildcard subscriptions are not allowed: "
                    + Topics.shorten(filter));
        }
        final Topic.ParseResult parsed = Topics.parse(filter);
        if (parsed instanceof Topic.Invalid invalid) {
            return Decision.deny(invalid.reason());
        }
        final Topic topic = ((Topic.Valid) parsed).topic();
        if (topic instanceof Topic.Inbox inbox && !inbox.peerId().equals(clientId)) {
            return Decision.deny("only the owner may subscribe to an inbox: " + filter);
        }
        return Decision.allow(topic);
    }

    /**
     * @param clientId the verified client id.
     * @param trusted  whether the client is a configured trusted peer.
     * @param topic    the untrusted topic name of the PUBLISH.
     * @param retained the PUBLISH's retain flag.
     * @return the decision; never throws for any topic.
     */
    public static @NotNull Decision checkPublish(
            final @NotNull String clientId, final boolean trusted,
            final @Nullable String topic, final boolean retained) {
        if (retained) {
            return Decision.deny("retained messages are reserved for the node: "
                    + Topics.shorten(String.valueOf(topic)));
        }
        if (topic == null || topic.isEmpty()) {
            return Decision.deny("empty topic");
        }
        if (topic.startsWith("$")) {
            return Decision.deny("topics starting with '$' are not available: "
                    + Topics.shorten(topic));
        }
        final Topic.ParseResult parsed = Topics.parse(topic);
        if (parsed instanceof Topic.Valid valid) {
            if (valid.topic() instanceof Topic.NodeInfo) {
                return Decision.deny("only the node publishes " + Topics.NODE_INFO);
            }
            return Decision.allow(valid.topic());
        }
        if (trusted && underRoot(topic)) {
            return Decision.allow(null);
        }
        return Decision.deny(((Topic.Invalid) parsed).reason());
    }

    private static boolean underRoot(final String filter) {
        return filter.startsWith(Topics.ROOT + "/") || filter.equals(Topics.ROOT);
    }

    private static @Nullable Topic parsedOrNull(final String filter) {
        return Topics.parse(filter) instanceof Topic.Valid valid ? valid.topic() : null;
    }
}
