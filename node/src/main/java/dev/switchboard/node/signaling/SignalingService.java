package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.spi.Presence;
import dev.switchboard.broker.spi.SignalingMessage;
import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.broker.topic.Topic;
import dev.switchboard.node.relay.Relay;
import dev.switchboard.node.sdp.SdpParser;
import dev.switchboard.node.callee.CalleeRegistry;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * The node's signaling rules, plugged into the broker through its SPI: parses every message once
 * into a typed {@link Message} ({@link MessageValidator}) and routes it to the handler of its
 * feature through {@link Message.Visitor}, so the compiler checks that every type is handled:
 *
 * <ul>
 *   <li>{@code join}, {@code leave}, {@code hello}: the rooms feature ({@link RoomHandler});</li>
 *   <li>{@code offer}, {@code answer}, {@code candidate}, {@code hangup}: peer sessions and the
 *       relay ({@link SessionHandler});</li>
 *   <li>{@code call}, {@code accept}, {@code decline}, {@code capabilities-query},
 *       {@code capabilities}: the call vocabulary ({@link CallHandler}); a call's ask for a direct
 *       link and the called side's consent ({@link DirectLinks});</li>
 *   <li>{@code register}, and {@code call}/{@code hangup} on a callee's ring topic, the
 *       subscription to it, and the answers to such calls: the callee service
 *       ({@link CalleeHandler});</li>
 *   <li>{@code error} from a peer: delivered as it is;</li>
 *   <li>{@code lobby-request}, {@code lobby-cancel}: the lobby ({@link LobbyDesk}).</li>
 * </ul>
 *
 * Federation gets a handler of its own beside these. The topics it handles
 * are the room presence topics and inboxes ({@link MessageType.Placement#of}); the broker refuses
 * every other topic.
 *
 * <p>Thread-safe: called by the broker extension's executor threads; never blocks (a relay session
 * that is still opening completes the verdict later).
 */
public final class SignalingService implements SignalingInterceptor {

    private static final Logger LOG = LoggerFactory.getLogger(SignalingService.class);
    /** How a verdict future that failed is counted (the broker refuses such a message). */
    private static final Verdict REJECTED = Verdict.reject("internal", "failed");

    private final MessageValidator validator;
    private final SessionHandler sessions;
    private final RoomHandler rooms;
    private final CallHandler calls = new CallHandler();
    private final @Nullable CalleeHandler callees;
    private final LobbyDesk lobby;
    private final DirectLinks direct;
    private final Message.Visitor<CompletableFuture<Verdict>> dispatch = new Dispatch();
    private final MessageCounters counters = new MessageCounters();

    /**
     * @param validator parses payloads; its limit on SDP size applies.
     * @param sdpParser parses SDP with the node's limits.
     * @param relay     the relay that carries every call's packets.
     */
    public SignalingService(final @NotNull MessageValidator validator, final @NotNull SdpParser sdpParser,
                            final @NotNull Relay relay) {
        this(validator, sdpParser, relay, null, Clock.systemUTC(), LobbyDesk.NONE);
    }

    /**
     * @param validator parses payloads; its limit on SDP size applies.
     * @param sdpParser parses SDP with the node's limits.
     * @param relay     the relay that carries every call's packets.
     * @param callees   the callee pairs, or {@code null} for a node without the callee service
     *                  (then the ring topics {@code sb/v1/callee/...} are not handled, and the
     *                  broker refuses them).
     * @param clock     the time source of the callee rules.
     */
    public SignalingService(final @NotNull MessageValidator validator, final @NotNull SdpParser sdpParser,
                            final @NotNull Relay relay, final @Nullable CalleeRegistry callees,
                            final @NotNull Clock clock) {
        this(validator, sdpParser, relay, callees, clock, LobbyDesk.NONE);
    }

    /**
     * @param lobby the lobby's desk: takes {@code lobby-request} and {@code lobby-cancel}, hears
     *              about disconnects; the other parameters as above.
     */
    public SignalingService(final @NotNull MessageValidator validator, final @NotNull SdpParser sdpParser,
                            final @NotNull Relay relay, final @Nullable CalleeRegistry callees,
                            final @NotNull Clock clock, final @NotNull LobbyDesk lobby) {
        this.lobby = Objects.requireNonNull(lobby, "lobby");
        this.validator = Objects.requireNonNull(validator, "validator");
        this.direct = new DirectLinks(clock);
        this.sessions = new SessionHandler(sdpParser, relay, direct);
        this.rooms = new RoomHandler(sessions);
        this.callees = callees == null ? null : new CalleeHandler(callees, clock);
    }

    @Override
    public boolean handles(final @NotNull Topic topic) {
        final MessageType.Placement placement = MessageType.Placement.of(topic);
        return placement != null && (placement != MessageType.Placement.CALLEE || callees != null);
    }

    @Override
    public @Nullable String checkSubscription(final @NotNull String clientId, final @NotNull Topic topic,
                                              final @NotNull Map<String, String> userProperties) {
        if (topic instanceof Topic.CalleeRing ring) {
            return callees == null ? "this node offers no callee service"
                    : callees.checkSubscription(clientId, ring.calleeId(), userProperties);
        }
        return null;
    }

    @Override
    public @NotNull CompletableFuture<Verdict> inspect(final @NotNull SignalingMessage message) {
        final MessageValidator.Result result = validator.validate(message);
        if (result instanceof MessageValidator.Result.Invalid invalid) {
            final CompletableFuture<Verdict> rejected =
                    SessionHandler.rejected(invalid.error().code(), invalid.error().message());
            counted(null, rejected);
            return rejected;
        }
        final MessageValidator.Result.Valid valid = (MessageValidator.Result.Valid) result;
        final CompletableFuture<Verdict> verdict = valid.dispatch(dispatch);
        counted(valid.message().type(), verdict);
        return verdict;
    }

    /** @return the messages inspected since start, by type and verdict; readable from any thread */
    public @NotNull MessageCounters counters() {
        return counters;
    }

    /**
     * Counts a verdict: at once when it is decided (the usual case, no allocation), else when the
     * future completes (offers and answers waiting for a relay session). A future that fails is
     * counted as a rejection, as the broker treats it.
     */
    private void counted(final MessageType type, final CompletableFuture<Verdict> verdict) {
        final Verdict now = verdict.isDone() && !verdict.isCompletedExceptionally() ? verdict.getNow(null) : null;
        if (now != null) {
            counters.count(type, now);
        } else {
            verdict.whenComplete((v, failure) -> counters.count(type, v != null ? v : REJECTED));
        }
    }

    /**
     * Federation: tells the session rules which senders are other nodes' clients and whose relay
     * stands for them (see {@link PeerRelays}); {@link PeerRelays#NONE} until called.
     *
     * @param relays the decision; thread-safe.
     */
    public void usePeerRelays(final @NotNull dev.switchboard.node.relay.PeerRelays relays) {
        sessions.usePeerRelays(relays);
    }

    /**
     * Federation: callees whose home is a peer node, and the announcement of this node's own (see
     * {@link dev.switchboard.node.callee.FederatedCallees}); none until called. Ignored by a node
     * without the callee service.
     *
     * @param federated thread-safe, never blocking.
     */
    public void useFederatedCallees(final dev.switchboard.node.callee.@NotNull FederatedCallees federated) {
        if (callees != null) {
            callees.useFederated(federated);
        }
    }

    @Override
    public void attach(final @NotNull Presence presence) {
        sessions.attach(presence);
        calls.attach(presence);
        lobby.attach(presence);
    }

    @Override
    public void onClientDisconnected(final @NotNull String clientId) {
        if (callees != null) {
            callees.onDisconnected(clientId);
            callees.forgetCallsOf(clientId);
        }
        lobby.left(clientId);
        direct.forget(clientId);
        final int closed = sessions.closeAllOf(clientId);
        if (closed > 0) {
            LOG.debug("closed {} relay session(s) of {} after disconnect", closed, clientId);
        }
    }

    /** Every message type to the handler of its feature; no default. */
    private final class Dispatch implements Message.Visitor<CompletableFuture<Verdict>> {
        @Override
        public CompletableFuture<Verdict> join(final @NotNull Message.Envelope e, final @NotNull Message.Join m) {
            return done(rooms.join(e, m));
        }

        @Override
        public CompletableFuture<Verdict> leave(final @NotNull Message.Envelope e, final @NotNull Message.Leave m) {
            return done(rooms.leave(e, m));
        }

        @Override
        public CompletableFuture<Verdict> hello(final @NotNull Message.Envelope e, final @NotNull Message.Hello m) {
            return done(rooms.hello(e, m));
        }

        @Override
        public CompletableFuture<Verdict> offer(final @NotNull Message.Envelope e, final @NotNull Message.Offer m) {
            return sessions.describe(e, m);
        }

        @Override
        public CompletableFuture<Verdict> answer(final @NotNull Message.Envelope e, final @NotNull Message.Answer m) {
            return sessions.describe(e, m);
        }

        @Override
        public CompletableFuture<Verdict> candidate(final @NotNull Message.Envelope e,
                                                    final @NotNull Message.Candidate m) {
            return done(sessions.candidate(e, m));
        }

        @Override
        public CompletableFuture<Verdict> hangup(final @NotNull Message.Envelope e, final @NotNull Message.Hangup m) {
            return done(ring(e) ? callees.hangup(e, m) : sessions.hangup(e, m));
        }

        @Override
        public CompletableFuture<Verdict> error(final @NotNull Message.Envelope e,
                                                final @NotNull Message.ErrorReport m) {
            return done(Verdict.forward()); // a peer's problem report for another peer: checked, delivered
        }

        @Override
        public CompletableFuture<Verdict> call(final @NotNull Message.Envelope e, final @NotNull Message.Call m) {
            final Verdict verdict = ring(e) ? callees.call(e, m) : calls.call(e, m);
            if (!(verdict instanceof Verdict.Forward)) {
                return done(verdict);
            }
            final Verdict refused = direct.called(e, m, ring(e));
            return done(refused != null ? refused : verdict);
        }

        @Override
        public CompletableFuture<Verdict> accept(final @NotNull Message.Envelope e, final @NotNull Message.Accept m) {
            final Verdict mode = direct.checkAccept(e, m);
            if (mode != null) {
                return done(mode);
            }
            final Verdict ringing = callees == null ? null : callees.answer(e, m.context(), m.recipientId(), true);
            final Verdict verdict = ringing != null ? ringing : calls.accept(e, m);
            if (!(verdict instanceof Verdict.Forward)) {
                return done(verdict);
            }
            final Verdict lost = direct.accepted(e, m);
            return done(lost != null ? lost : verdict);
        }

        @Override
        public CompletableFuture<Verdict> decline(final @NotNull Message.Envelope e, final @NotNull Message.Decline m) {
            final Verdict ringing = callees == null ? null : callees.answer(e, m.context(), m.recipientId(), false);
            return done(ringing != null ? ringing : calls.decline(e, m));
        }

        @Override
        public CompletableFuture<Verdict> capabilitiesQuery(final @NotNull Message.Envelope e,
                                                            final @NotNull Message.CapabilitiesQuery m) {
            return done(calls.query(e, m));
        }

        @Override
        public CompletableFuture<Verdict> capabilities(final @NotNull Message.Envelope e,
                                                       final @NotNull Message.Capabilities m) {
            return done(calls.capabilities(e, m));
        }

        @Override
        public CompletableFuture<Verdict> lobbyRequest(final @NotNull Message.Envelope e,
                                                       final @NotNull Message.LobbyRequest m) {
            return done(lobby.request(e, m));
        }

        @Override
        public CompletableFuture<Verdict> lobbyCancel(final @NotNull Message.Envelope e,
                                                      final @NotNull Message.LobbyCancel m) {
            return done(lobby.cancel(e, m));
        }

        @Override
        public CompletableFuture<Verdict> register(final @NotNull Message.Envelope e, final @NotNull Message.Register m) {
            // handles() maps callee topics only when there is a registry
            return Objects.requireNonNull(callees, "callee service").register(m);
        }

        /** @return whether the message came on a callee's ring topic (handled only with a registry). */
        private boolean ring(final Message.Envelope e) {
            return e.placement() == MessageType.Placement.CALLEE && callees != null;
        }

        private CompletableFuture<Verdict> done(final Verdict verdict) {
            return CompletableFuture.completedFuture(verdict);
        }
    }
}
