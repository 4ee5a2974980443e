package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.Verdict;
import org.jetbrains.annotations.NotNull;

import java.util.Objects;

/**
 * The rooms feature: presence ({@code join}, {@code leave}) and the {@code hello} that answers a
 * join. The validator already checked every field and that {@code key} hashes to the sender, so
 * these messages are delivered as they are, except that a {@code join} or {@code hello} whose
 * sender left out its {@code key} (it proved that key at CONNECT, docs/protocol.md §5) is
 * delivered with the key added, so every receiver gets the full form; a {@code leave} also
 * closes the sender's relay sessions in that room, which carry nothing any more.
 *
 * <p>Thread-safe: no state of its own.
 */
final class RoomHandler {

    private final SessionHandler sessions;

    RoomHandler(final @NotNull SessionHandler sessions) {
        this.sessions = Objects.requireNonNull(sessions, "sessions");
    }

    @NotNull Verdict join(final @NotNull Message.Envelope envelope, final @NotNull Message.Join join) {
        return withKey(envelope, join.key());
    }

    @NotNull Verdict hello(final @NotNull Message.Envelope envelope, final @NotNull Message.Hello hello) {
        return withKey(envelope, hello.key());
    }

    /** Forwards as it is, or with {@code key} added when the sender left it out. */
    private static Verdict withKey(final Message.Envelope envelope, final String key) {
        return envelope.json().has("key") ? Verdict.forward() : Verdict.rewrite(envelope.json().withString("key", key));
    }

    @NotNull Verdict leave(final @NotNull Message.Envelope envelope, final @NotNull Message.Leave leave) {
        sessions.closeIn(envelope.senderId(), Context.room(leave.roomId()));
        return Verdict.forward();
    }
}
