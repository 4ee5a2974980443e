package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.Verdict;
import org.jetbrains.annotations.NotNull;

import java.util.Objects;

/**
 * The call vocabulary ({@code docs/protocol.md} §5.2): {@code call}, {@code accept},
 * {@code decline}, {@code capabilities-query} and {@code capabilities}, shared by every way of
 * calling (rooms, callee calls, the lobby). The validator already checked every field, the
 * {@code call:} context and that a {@code key} hashes to the sender; here:
 *
 * <ul>
 *   <li>a message to one's own inbox is refused ({@code bad-field});</li>
 *   <li>a {@code call} to a peer that is not connected is refused at once with
 *       {@code recipient-unavailable}, so the caller learns "offline" without waiting for a
 *       timeout;</li>
 *   <li>everything else is delivered unchanged.</li>
 * </ul>
 *
 * <p>Thread-safe: keeps only the broker's presence view, replaced atomically.
 */
final class CallHandler {

    private volatile Presence presence = Presence.UNKNOWN;

    /** Takes the broker's view of who is online (see {@link SignalingService#attach}). */
    void attach(final @NotNull Presence presence) {
        this.presence = Objects.requireNonNull(presence, "presence");
    }

    @NotNull Verdict call(final @NotNull Message.Envelope envelope, final @NotNull Message.Call call) {
        final Verdict self = notToSelf(envelope, call.recipientId(), call.type());
        if (self != null) {
            return self;
        }
        if (!presence.isConnected(call.recipientId())) {
            return Verdict.reject(SignalingError.RECIPIENT_UNAVAILABLE,
                    "peer " + call.recipientId() + " is not connected to this node: nobody to ring");
        }
        return Verdict.forward();
    }

    @NotNull Verdict accept(final @NotNull Message.Envelope envelope, final @NotNull Message.Accept accept) {
        final Verdict self = notToSelf(envelope, accept.recipientId(), accept.type());
        return self != null ? self : Verdict.forward();
    }

    @NotNull Verdict decline(final @NotNull Message.Envelope envelope, final @NotNull Message.Decline decline) {
        final Verdict self = notToSelf(envelope, decline.recipientId(), decline.type());
        return self != null ? self : Verdict.forward();
    }

    @NotNull Verdict query(final @NotNull Message.Envelope envelope, final @NotNull Message.CapabilitiesQuery query) {
        final Verdict self = notToSelf(envelope, query.recipientId(), query.type());
        return self != null ? self : Verdict.forward();
    }

    @NotNull Verdict capabilities(final @NotNull Message.Envelope envelope,
                                  final @NotNull Message.Capabilities capabilities) {
        final Verdict self = notToSelf(envelope, capabilities.recipientId(), capabilities.type());
        return self != null ? self : Verdict.forward();
    }

    private static Verdict notToSelf(final Message.Envelope envelope, final String recipient, final MessageType type) {
        return recipient.equals(envelope.senderId())
                ? Verdict.reject(SignalingError.BAD_FIELD, "a '" + type.wireName() + "' must be sent to another peer's inbox")
                : null;
    }
}
