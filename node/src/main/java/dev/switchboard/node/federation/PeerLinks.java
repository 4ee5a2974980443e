package dev.switchboard.node.federation;

import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's links to other nodes (federation) as operators see them: each peer node by id with
 * its state and since when, and the traffic over it. The links call {@link #changed} on every
 * change, which logs one line and shows in metrics ({@code switchboard_peer_links}) and in
 * {@code switchboard status}; the bridge {@link #count counts} each message it received from a
 * peer by outcome ({@code delivered}, {@code duplicate}, {@code loop}, {@code hop-limit},
 * {@code refused-<reason>}, ...), shown as {@code switchboard_peer_messages_total{peer,outcome}}.
 *
 * <p>Thread-safe.
 */
public final class PeerLinks {

    private static final Logger LOG = LoggerFactory.getLogger(PeerLinks.class);

    /** A link's state. */
    public enum State {
        /** Connecting or reconnecting. */
        CONNECTING,
        /** Connected and authenticated; messages flow. */
        UP,
        /** Not connected; the bridge will retry. */
        DOWN;

        /** @return the lower-case label, e.g. {@code up} */
        public @NotNull String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One link.
     *
     * @param peer  the peer node's id
     * @param state its state
     * @param since when it entered that state
     */
    public record Link(@NotNull String peer, @NotNull State state, @NotNull Instant since) {
        public Link {
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(state, "state");
            Objects.requireNonNull(since, "since");
        }
    }

    /**
     * The traffic over one link since the node started.
     *
     * @param messagesIn  messages received from the peer node (everything its broker sent over the link)
     * @param bytesIn     their payload bytes
     * @param messagesOut messages this node's broker sent to the peer's link
     * @param bytesOut    their payload bytes
     */
    public record Traffic(long messagesIn, long bytesIn, long messagesOut, long bytesOut) {
        /** No traffic. */
        public static final Traffic NONE = new Traffic(0, 0, 0, 0);
    }

    /** Per peer: messages in, bytes in, messages out, bytes out. */
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder[]> flows = new ConcurrentHashMap<>();

    private final ConcurrentHashMap<String, Link> links = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder>> traffic =
            new ConcurrentHashMap<>();

    /**
     * Counts one message received from a peer node.
     *
     * @param peer    the peer node's id
     * @param outcome what became of it, e.g. {@code delivered} or {@code duplicate}
     * @return the count for this peer and outcome so far, this one included
     */
    public long count(final @NotNull String peer, final @NotNull String outcome) {
        final java.util.concurrent.atomic.LongAdder adder = traffic.computeIfAbsent(peer, p -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome, o -> new java.util.concurrent.atomic.LongAdder());
        adder.increment();
        return adder.sum();
    }

    private java.util.concurrent.atomic.LongAdder[] flow(final String peer) {
        return flows.computeIfAbsent(peer, p -> new java.util.concurrent.atomic.LongAdder[] {
            new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder(),
            new java.util.concurrent.atomic.LongAdder(), new java.util.concurrent.atomic.LongAdder()});
    }

    /**
     * Counts one message received over the link from {@code peer}. Thread-safe, non-blocking.
     *
     * @param peer         the peer node's id
     * @param payloadBytes its payload size in bytes
     */
    public void received(final @NotNull String peer, final int payloadBytes) {
        final java.util.concurrent.atomic.LongAdder[] f = flow(peer);
        f[0].increment();
        f[1].add(payloadBytes);
    }

    /**
     * Counts one message this node's broker sends to {@code peer}'s link. Thread-safe,
     * non-blocking (called on the broker's threads).
     *
     * @param peer         the peer node's id (the link's client id)
     * @param payloadBytes its payload size in bytes
     */
    public void sent(final @NotNull String peer, final int payloadBytes) {
        final java.util.concurrent.atomic.LongAdder[] f = flow(peer);
        f[2].increment();
        f[3].add(payloadBytes);
    }

    /**
     * @param peer a peer node's id
     * @return the traffic over the link with it so far ({@link Traffic#NONE} if there was none)
     */
    public @NotNull Traffic trafficOf(final @NotNull String peer) {
        final java.util.concurrent.atomic.LongAdder[] f = flows.get(peer);
        return f == null ? Traffic.NONE : new Traffic(f[0].sum(), f[1].sum(), f[2].sum(), f[3].sum());
    }

    /** @return the traffic per peer node so far, by peer id (a snapshot) */
    public @NotNull java.util.Map<String, Traffic> flows() {
        final java.util.Map<String, Traffic> out = new java.util.TreeMap<>();
        flows.keySet().forEach(peer -> out.put(peer, trafficOf(peer)));
        return out;
    }

    /** @return messages received per peer and outcome so far (a snapshot). */
    public @NotNull java.util.Map<String, java.util.Map<String, Long>> traffic() {
        final java.util.Map<String, java.util.Map<String, Long>> out = new java.util.TreeMap<>();
        traffic.forEach((peer, m) -> {
            final java.util.Map<String, Long> counts = new java.util.TreeMap<>();
            m.forEach((k, v) -> counts.put(k, v.sum()));
            out.put(peer, counts);
        });
        return out;
    }

    /**
     * @param peer    a peer node's id
     * @param outcome an outcome
     * @return how many messages from it had that outcome
     */
    public long counted(final @NotNull String peer, final @NotNull String outcome) {
        final var m = traffic.get(peer);
        final var a = m == null ? null : m.get(outcome);
        return a == null ? 0 : a.sum();
    }

    /**
     * Records a link's new state and logs one line when it differs from the previous one.
     *
     * @param peer  the peer node's id (not an address: addresses stay out of the log)
     * @param state the new state
     */
    public void changed(final @NotNull String peer, final @NotNull State state) {
        final Link previous = links.get(peer);
        if (previous != null && previous.state() == state) {
            return;
        }
        links.put(peer, new Link(peer, state, Instant.now()));
        LOG.info("peer link {}: {} (was {})", peer, state.label(), previous == null ? "none" : previous.state().label());
    }

    /**
     * Forgets a link (the peer was removed from the configuration) and logs one line.
     *
     * @param peer the peer node's id
     */
    public void removed(final @NotNull String peer) {
        if (links.remove(peer) != null) {
            LOG.info("peer link {}: removed", peer);
        }
    }

    /** @return every link, by peer id */
    public @NotNull List<Link> links() {
        final List<Link> all = new ArrayList<>(links.values());
        all.sort(Comparator.comparing(Link::peer));
        return List.copyOf(all);
    }
}
