package dev.switchboard.node.signaling;

import dev.switchboard.broker.spi.Verdict;
import dev.switchboard.node.callee.CalleeRegistration;
import dev.switchboard.node.callee.CalleeRegistry;
import dev.switchboard.node.callee.FederatedCallees;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The personal callee service's rules ({@code docs/protocol.md} §5.3), on the ring topics
 * {@code sb/v1/callee/<calleeId>}:
 *
 * <ul>
 *   <li>{@code register}: stores a new pair (only the secret's hash); the verdict waits for the
 *       store, so a PUBACK 0x00 means the pair is on the device; then the message is consumed.</li>
 *   <li>subscribing needs the secret (MQTT 5 user property {@value #SECRET_PROPERTY}); a wrong
 *       secret and an unknown id get the same refusal. A subscribed page is a waiting tab.</li>
 *   <li>{@code call}: refused with {@code unknown-callee} for an unknown or expired pair, with
 *       {@code recipient-unavailable} when no tab waits; otherwise the pair counts as used and
 *       the call rings in every waiting tab. A callee whose home is a peer node (announced over
 *       its link, {@link FederatedCallees}) is not checked here: the {@code call} is delivered on
 *       this node's ring topic, whence the link carries it to the home node, which applies these
 *       rules; here it is refused only when that node announced the callee offline.</li>
 *   <li>{@code accept} and {@code decline} of a ringing call come only from a waiting tab of its
 *       callee ({@code not-callee}), or, for a callee at a peer node, only from a client of that
 *       node; the first {@code accept} wins, later ones get {@code call-taken}.</li>
 *   <li>{@code hangup} on the ring topic (the caller gives up, or the tab that answered tells the
 *       others to stop ringing) only from the call's caller or a waiting tab.</li>
 * </ul>
 *
 * <p>Thread-safe; never blocks.
 */
final class CalleeHandler {

    private static final Logger LOG = LoggerFactory.getLogger(CalleeHandler.class);
    /** The SUBSCRIBE user property that carries the callee secret. */
    static final String SECRET_PROPERTY = "sb-callee-secret";
    /** Most ringing calls remembered at once; older ones are forgotten first. */
    static final int MAX_RING_CALLS = 10_000;
    /** How long a ring call is remembered (answered or not). */
    static final Duration RING_CALL_LIFETIME = Duration.ofHours(1);

    private final CalleeRegistry registry;
    private final Clock clock;
    /** callee id -> peer ids of its waiting tabs. */
    private final Map<String, Set<String>> waiting = new ConcurrentHashMap<>();
    /** peer id -> callee ids it waits for (to clean up on disconnect). */
    private final Map<String, Set<String>> waitsFor = new ConcurrentHashMap<>();
    /** call context -> the call ringing on a callee's topic. */
    private final Map<String, RingCall> ringCalls = new ConcurrentHashMap<>();

    /** Callees of this node announced to peer nodes as having a waiting tab; guarded by itself. */
    private final Set<String> announcedOnline = new java.util.HashSet<>();
    private volatile FederatedCallees federated = FederatedCallees.NONE;

    /** A call published on a ring topic; {@code home}: the callee's peer node, null if it lives here. */
    private record RingCall(String calleeId, String callerId, Instant started, AtomicReference<String> answeredBy,
                            @Nullable String home) {
    }

    CalleeHandler(final @NotNull CalleeRegistry registry, final @NotNull Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Federation: remote callees and the announcement of this node's own (see
     * {@link FederatedCallees}). Announces every registered callee at once (offline unless a tab
     * waits), and from now on each new one and each discarded one.
     */
    void useFederated(final @NotNull FederatedCallees federated) {
        this.federated = Objects.requireNonNull(federated, "federated");
        registry.onDiscarded(this::discarded);
        for (final String calleeId : registry.ids()) {
            registered(calleeId);
        }
    }

    /** A pair is registered (new, or found when federation starts): announced offline unless a tab waits. */
    private void registered(final String calleeId) {
        if (federated == FederatedCallees.NONE) {
            return;
        }
        synchronized (announcedOnline) {
            if (!announcedOnline.contains(calleeId)) {
                federated.waiting(calleeId, "", false);
            }
        }
    }

    /** An expired pair was discarded: the peer nodes forget it. */
    private void discarded(final String calleeId) {
        if (federated == FederatedCallees.NONE) {
            return;
        }
        synchronized (announcedOnline) {
            announcedOnline.remove(calleeId);
            federated.gone(calleeId);
        }
    }

    /**
     * Tells the peer nodes when a callee of this node gains its first waiting tab or loses its
     * last one. The state is read and announced under one lock, so announcements of one callee
     * never overtake each other.
     */
    private void announce(final String calleeId) {
        if (federated == FederatedCallees.NONE) {
            return;
        }
        synchronized (announcedOnline) {
            final Set<String> tabs = waiting.get(calleeId);
            final boolean online = tabs != null && !tabs.isEmpty();
            if (online ? announcedOnline.add(calleeId) : announcedOnline.remove(calleeId)) {
                final CalleeRegistration r = registry.lookup(calleeId);
                federated.waiting(calleeId, r == null ? "" : r.label(), online);
            }
        }
    }

    @NotNull CompletableFuture<Verdict> register(final @NotNull Message.Register register) {
        return registry.register(register.calleeId(), register.secretHash(), register.label())
                .thenApply(result -> result == CalleeRegistry.Registered.CREATED
                        ? registeredNow(register.calleeId())
                        : Verdict.reject(SignalingError.CALLEE_EXISTS,
                                "callee id " + register.calleeId() + " is taken: choose another random id"))
                .exceptionally(failure -> {
                    LOG.error("callee registration not stored: {}", failure.toString());
                    return Verdict.reject("internal", "the node could not store the registration; try again");
                });
    }

    private Verdict registeredNow(final String calleeId) {
        registered(calleeId);
        return Verdict.drop();
    }

    /**
     * @return {@code null} to allow the subscription, else the refusal's reason.
     */
    @Nullable String checkSubscription(final @NotNull String clientId, final @NotNull String calleeId,
                                       final @NotNull Map<String, String> userProperties) {
        final String secret = userProperties.get(SECRET_PROPERTY);
        if (secret == null) {
            return "receiving a callee's calls needs its secret: subscribe with the MQTT 5 user property "
                    + SECRET_PROPERTY + " (docs/protocol.md §5.3)";
        }
        if (!registry.verify(calleeId, secret)) {
            return "wrong callee secret for sb/v1/callee/" + calleeId;
        }
        waiting.computeIfAbsent(calleeId, id -> ConcurrentHashMap.newKeySet()).add(clientId);
        waitsFor.computeIfAbsent(clientId, id -> ConcurrentHashMap.newKeySet()).add(calleeId);
        registry.touch(calleeId);
        announce(calleeId);
        return null;
    }

    void onDisconnected(final @NotNull String clientId) {
        final Set<String> ids = waitsFor.remove(clientId);
        if (ids != null) {
            for (final String calleeId : ids) {
                waiting.computeIfPresent(calleeId, (id, tabs) -> {
                    tabs.remove(clientId);
                    return tabs.isEmpty() ? null : tabs;
                });
                announce(calleeId);
            }
        }
    }

    /** @return whether {@code peerId} proved the secret of {@code calleeId} and is still connected. */
    boolean isWaitingTab(final @NotNull String calleeId, final @NotNull String peerId) {
        final Set<String> tabs = waiting.get(calleeId);
        return tabs != null && tabs.contains(peerId);
    }

    /** A {@code call} on a ring topic. */
    @NotNull Verdict call(final @NotNull Message.Envelope envelope, final @NotNull Message.Call call) {
        final String calleeId = call.recipientId();
        if (registry.lookup(calleeId) == null) {
            final FederatedCallees.Remote remote = federated.lookup(calleeId);
            if (remote == null) {
                return Verdict.reject(SignalingError.UNKNOWN_CALLEE,
                        "this caller URL does not exist or has expired (callee " + calleeId + ")");
            }
            if (!remote.online()) {
                return Verdict.reject(SignalingError.RECIPIENT_UNAVAILABLE,
                        "the callee is offline: no page is waiting for calls at callee " + calleeId
                                + " on its node " + remote.home());
            }
            return remember(envelope, call, calleeId, remote.home());
        }
        registry.touch(calleeId);
        final Set<String> tabs = waiting.get(calleeId);
        if (tabs == null || tabs.isEmpty()) {
            return Verdict.reject(SignalingError.RECIPIENT_UNAVAILABLE,
                    "the callee is offline: no page is waiting for calls at callee " + calleeId);
        }
        if (tabs.contains(envelope.senderId())) {
            return Verdict.reject(SignalingError.BAD_FIELD, "a callee's own page cannot call it");
        }
        return remember(envelope, call, calleeId, null);
    }

    /** Records a ringing call ({@code home}: the callee's peer node, or null) and lets it through. */
    private Verdict remember(final Message.Envelope envelope, final Message.Call call, final String calleeId,
                             final @Nullable String home) {
        final Instant now = clock.instant();
        if (ringCalls.size() >= MAX_RING_CALLS) {
            ringCalls.values().removeIf(c -> c.started().plus(RING_CALL_LIFETIME).isBefore(now));
            if (ringCalls.size() >= MAX_RING_CALLS) {
                return Verdict.reject("timeout", "too many calls are ringing on this node; try again later");
            }
        }
        final String context = call.context().toString();
        final RingCall previous = ringCalls.putIfAbsent(context,
                new RingCall(calleeId, envelope.senderId(), now, new AtomicReference<>(), home));
        if (previous != null && !previous.callerId().equals(envelope.senderId())) {
            return Verdict.reject(SignalingError.BAD_FIELD, "call id " + call.context().id()
                    + " is in use: choose a fresh random call id");
        }
        return Verdict.forward();
    }

    /** A {@code hangup} on a ring topic. */
    @NotNull Verdict hangup(final @NotNull Message.Envelope envelope, final @NotNull Message.Hangup hangup) {
        final RingCall call = ringCalls.get(hangup.context().toString());
        final String sender = envelope.senderId();
        if (call == null || !call.calleeId().equals(hangup.recipientId())) {
            return Verdict.reject(SignalingError.BAD_FIELD, "no call " + hangup.context() + " rings on this callee");
        }
        if (!sender.equals(call.callerId()) && !isWaitingTab(call.calleeId(), sender)) {
            return Verdict.reject(SignalingError.NOT_CALLEE,
                    "only the caller or a page that proved the callee's secret may end call " + hangup.context());
        }
        return Verdict.forward();
    }

    /**
     * An {@code accept} or {@code decline} in a caller's inbox: checked here if it answers a call
     * that rang on a callee's topic.
     *
     * @return the verdict, or {@code null} if the context is not such a call (the plain call rules
     *     apply).
     */
    @Nullable Verdict answer(final @NotNull Message.Envelope envelope, final @NotNull Context context,
                             final @NotNull String recipientId, final boolean accepting) {
        final RingCall call = ringCalls.get(context.toString());
        if (call == null || !call.callerId().equals(recipientId)) {
            return null;
        }
        final String sender = envelope.senderId();
        if (call.home() != null ? !federated.servedBy(sender, call.home()) : !isWaitingTab(call.calleeId(), sender)) {
            return Verdict.reject(SignalingError.NOT_CALLEE,
                    "only a page that proved the callee's secret may answer call " + context);
        }
        if (accepting && !call.answeredBy().compareAndSet(null, sender) && !sender.equals(call.answeredBy().get())) {
            return Verdict.reject(SignalingError.CALL_TAKEN, "call " + context + " was answered in another tab");
        }
        return Verdict.forward();
    }

    /** Forgets the ring calls of a caller that left. */
    void forgetCallsOf(final @NotNull String peerId) {
        ringCalls.values().removeIf(c -> c.callerId().equals(peerId));
    }
}
