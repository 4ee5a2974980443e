package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.Verdict;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * P2P only by mutual consent ({@code docs/protocol.md} §5.2, §8): which calls may run directly
 * between the two browsers, so that the node forwards their offers, answers and candidates
 * unchanged and opens no relay session for them.
 *
 * <ol>
 *   <li>A {@code call} with {@code "p2p":true} that the node forwards is remembered as an
 *       <em>ask</em>: its context, the caller, and whom it rings (a peer's inbox, or a callee's ring
 *       topic).</li>
 *   <li>The called side's authenticated {@code accept} records its final choice for that call:
 *       {@code mode} {@code p2p} is the consent, {@code relay} (or no {@code mode}) the refusal. An
 *       {@code accept} with {@code p2p} for a call that did not ask (or that this node did not
 *       carry), from another peer than the called one, or that changes a choice already made, is
 *       refused with {@code bad-field}; the choice is final.</li>
 *   <li>An {@code offer} or {@code answer} with {@code "mode":"p2p"}, and a trickled
 *       {@code candidate}, travel unchanged only between the caller and the peer that consented,
 *       in that call's context ({@link #isDirect}); a P2P description anywhere else is refused
 *       with {@code p2p-not-agreed} and nothing is forwarded.</li>
 * </ol>
 *
 * <p>Memory is bounded: at most {@value #MAX_CALLS} calls at once and {@value #MAX_PER_CALLER}
 * per caller; an ask nobody answered is forgotten after {@link #UNANSWERED_LIFETIME}; a call is
 * forgotten when either side hangs up in its inbox or disconnects.
 *
 * <p>Thread-safe (a concurrent map and one atomic choice per call); never blocks. {@link #isDirect}
 * allocates nothing.
 */
final class DirectLinks {

    /** Most calls remembered at once (asked, or with a choice). */
    static final int MAX_CALLS = 10_000;
    /** Most calls remembered for one caller. */
    static final int MAX_PER_CALLER = 16;
    /** How long an ask without a choice is kept. */
    static final Duration UNANSWERED_LIFETIME = Duration.ofHours(1);

    private final Clock clock;
    private final Map<Context, Ask> calls = new ConcurrentHashMap<>();

    /**
     * A call that asked for a direct link.
     *
     * @param callerId the peer that sent the {@code call}.
     * @param calledId whom it rang: the recipient peer id, or the callee id of a ring topic.
     * @param ring     whether it rang on a callee's ring topic (then any waiting tab may answer).
     * @param started  when the node forwarded it.
     * @param choice   the called side's final choice, {@code null} until its {@code accept}.
     */
    private record Ask(String callerId, String calledId, boolean ring, Instant started,
                       AtomicReference<Choice> choice) {
    }

    /** The called side's choice: the peer that accepted, and the mode it chose. */
    private record Choice(String peerId, CallMode mode) {
    }

    DirectLinks(final @NotNull Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * A {@code call} the call rules are about to forward. Remembers it if it asks for a direct link.
     *
     * @param envelope its sender.
     * @param call     the call; {@link Message.Call#recipientId()} is a peer id, or a callee id when
     *                 {@code ring}.
     * @param ring     whether it was published on a callee's ring topic.
     * @return {@code null} to go on with the call rules' verdict, or a refusal when the node cannot
     *     remember one more asking call.
     */
    @Nullable Verdict called(final @NotNull Message.Envelope envelope, final @NotNull Message.Call call,
                             final boolean ring) {
        if (!call.p2p()) {
            return null;
        }
        final String caller = envelope.senderId();
        final Instant now = clock.instant();
        final Ask known = calls.get(call.context());
        if (known != null) {
            // the same caller calling again with the same id keeps its ask; another caller's id
            // is refused by the callee rules, or (inbox calls) does not displace it
            return null;
        }
        if (calls.size() >= MAX_CALLS || countOf(caller) >= MAX_PER_CALLER) {
            calls.values().removeIf(a -> a.choice().get() == null && expired(a, now));
            if (calls.size() >= MAX_CALLS) {
                return Verdict.reject("timeout", "too many calls ask for a direct link on this node; "
                        + "call without \"p2p\" or try again later");
            }
            if (countOf(caller) >= MAX_PER_CALLER) {
                return Verdict.reject(SignalingError.BAD_FIELD, "you have " + MAX_PER_CALLER
                        + " calls asking for a direct link already: hang up some first");
            }
        }
        calls.putIfAbsent(call.context(),
                new Ask(caller, call.recipientId(), ring, now, new AtomicReference<>()));
        return null;
    }

    /**
     * Checks an {@code accept} before the call rules see it (nothing is recorded yet).
     *
     * @return {@code null} if it may go on, else the refusal ({@code bad-field}).
     */
    @Nullable Verdict checkAccept(final @NotNull Message.Envelope envelope, final @NotNull Message.Accept accept) {
        final Ask ask = calls.get(accept.context());
        final boolean ours = ask != null && ask.callerId().equals(accept.recipientId());
        if (accept.mode() == CallMode.P2P && !ours) {
            return Verdict.reject(SignalingError.BAD_FIELD, "field 'mode' is \"p2p\" but call " + accept.context()
                    + " did not ask for a direct link through this node: accept it with \"mode\":\"relay\"");
        }
        if (!ours) {
            return null;
        }
        if (!ask.ring() && !ask.calledId().equals(envelope.senderId())) {
            return Verdict.reject(SignalingError.BAD_FIELD, "only the called peer " + ask.calledId()
                    + " may accept call " + accept.context());
        }
        final Choice made = ask.choice().get();
        if (made != null && made.mode() != accept.mode()) {
            return Verdict.reject(SignalingError.BAD_FIELD, "call " + accept.context() + " was accepted with mode "
                    + made.mode().wireName() + " already: the called side's choice is final");
        }
        return null;
    }

    /**
     * Records the choice of an {@code accept} the call rules forward (after {@link #checkAccept}).
     *
     * @return {@code null} if recorded (or nothing to record), else a refusal when another choice
     *     won meanwhile.
     */
    @Nullable Verdict accepted(final @NotNull Message.Envelope envelope, final @NotNull Message.Accept accept) {
        final Ask ask = calls.get(accept.context());
        if (ask == null || !ask.callerId().equals(accept.recipientId())) {
            return null;
        }
        final Choice choice = new Choice(envelope.senderId(), accept.mode());
        if (ask.choice().compareAndSet(null, choice)) {
            return null;
        }
        final Choice made = ask.choice().get();
        return made.equals(choice) ? null : Verdict.reject(SignalingError.BAD_FIELD, "call " + accept.context()
                + " was accepted with mode " + made.mode().wireName() + " already: the called side's choice is final");
    }

    /**
     * Whether a description or candidate from {@code senderId} to {@code recipientId} in
     * {@code context} may travel unchanged: the call asked for a direct link, the called side
     * consented, and the two are its caller and the peer that consented (either way round).
     * Allocates nothing.
     */
    boolean isDirect(final @NotNull Context context, final @NotNull String senderId, final @NotNull String recipientId) {
        if (context.kind() != Context.Kind.CALL) {
            return false;
        }
        final Ask ask = calls.get(context);
        final Choice choice = ask == null ? null : ask.choice().get();
        if (choice == null || choice.mode() != CallMode.P2P) {
            return false;
        }
        final String caller = ask.callerId();
        final String called = choice.peerId();
        return caller.equals(senderId) && called.equals(recipientId)
                || called.equals(senderId) && caller.equals(recipientId);
    }

    /** A {@code hangup} between the two sides of a call ends it: forgotten. */
    void hungUp(final @NotNull Context context, final @NotNull String senderId, final @NotNull String recipientId) {
        final Ask ask = calls.get(context);
        if (ask == null) {
            return;
        }
        final Choice choice = ask.choice().get();
        final String called = choice != null ? choice.peerId() : ask.ring() ? null : ask.calledId();
        final boolean between = ask.callerId().equals(senderId) && (called == null || called.equals(recipientId))
                || called != null && called.equals(senderId) && ask.callerId().equals(recipientId);
        if (between) {
            calls.remove(context, ask);
        }
    }

    /** Forgets the calls {@code peerId} made or accepted (it disconnected). */
    void forget(final @NotNull String peerId) {
        calls.values().removeIf(a -> a.callerId().equals(peerId)
                || peerId.equals(a.ring() ? null : a.calledId())
                || a.choice().get() != null && a.choice().get().peerId().equals(peerId));
    }

    /** @return how many calls are remembered (for tests). */
    int size() {
        return calls.size();
    }

    private int countOf(final String caller) {
        int n = 0;
        for (final Ask a : calls.values()) {
            if (a.callerId().equals(caller)) {
                n++;
            }
        }
        return n;
    }

    private static boolean expired(final Ask ask, final Instant now) {
        return ask.started().plus(UNANSWERED_LIFETIME).isBefore(now);
    }
}
