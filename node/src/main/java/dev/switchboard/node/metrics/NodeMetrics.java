package dev.switchboard.node.metrics;

import dev.switchboard.broker.EmbeddedBroker;
import dev.switchboard.node.federation.PeerLinks;
import dev.switchboard.node.relay.RelayTotals;
import dev.switchboard.node.relay.udp.UdpRelay;
import dev.switchboard.node.signaling.MessageCounters;
import dev.switchboard.node.stun.StunServer;
import dev.switchboard.node.stun.StunServerCounters;
import dev.switchboard.node.web.WebCounters;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryPoolAllocationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmNativeMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.jetbrains.annotations.NotNull;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;

/**
 * The node's Prometheus metrics. Every value is read when scraped from counters the parts keep
 * anyway (callbacks), so the forwarding and publish paths do no extra work for metrics. The
 * families (the README's "Monitoring" section and {@code docs/grafana-dashboard.json} use these
 * names):
 *
 * <ul>
 *   <li>{@code switchboard_start_time_seconds}: when the node started (Unix time);</li>
 *   <li>{@code switchboard_connections}, {@code switchboard_rooms}: authenticated client
 *       connections and rooms with members now;</li>
 *   <li>{@code switchboard_authentications_total{result="success|failure"}};</li>
 *   <li>{@code switchboard_refusals_total{reason}}: the broker's refusals by
 *       {@link dev.switchboard.broker.guard.RefusalReason#label()} (address-refused, too-many-connections,
 *       rate-limited, ...), exported from its own counts;</li>
 *   <li>{@code switchboard_messages_total{type,verdict}}: signaling messages by type
 *       ({@code join}, ..., {@code invalid}) and verdict ({@code forward}, {@code rewrite},
 *       {@code drop}, {@code reject});</li>
 *   <li>{@code switchboard_relay_sessions}, {@code switchboard_relay_packets_total},
 *       {@code switchboard_relay_bytes_total},
 *       {@code switchboard_relay_dropped_packets_total{reason="unproven|other"}};</li>
 *   <li>{@code switchboard_stun_answered_total},
 *       {@code switchboard_stun_dropped_total{reason="malformed|ignored"}};</li>
 *   <li>{@code switchboard_web_responses_total{status}};</li>
 *   <li>{@code switchboard_peer_links{state}}, {@code switchboard_peer_link_up{peer}} and
 *       {@code switchboard_peer_messages_total{peer,outcome}} (federation traffic and attempts);</li>
 *   <li>the JVM's ({@code jvm_memory_*}, {@code jvm_gc_*}, {@code jvm_threads_*},
 *       {@code process_*}) from the Prometheus client's JVM instrumentation.</li>
 * </ul>
 *
 * <p>Thread-safe: the registry is read by the monitoring server's thread.
 */
public final class NodeMetrics {

    private final PrometheusRegistry registry = new PrometheusRegistry();

    /**
     * Registers the JVM's metrics (those of the Prometheus client's {@code JvmMetrics}); the
     * node's own come with {@link #registerNode}. {@code jvm_native_memory_*} only when the JVM
     * tracks native memory ({@code -XX:NativeMemoryTracking}, off in the launcher): without it the
     * family is empty, and asking for it makes the JVM start its platform MBean server, a few
     * hundred JMX classes and objects kept for the whole run (docs/performance.md, "Footprint").
     */
    public NodeMetrics() {
        JvmThreadsMetrics.builder().register(registry);
        JvmBufferPoolMetrics.builder().register(registry);
        JvmClassLoadingMetrics.builder().register(registry);
        JvmCompilationMetrics.builder().register(registry);
        JvmGarbageCollectorMetrics.builder().register(registry);
        JvmMemoryPoolAllocationMetrics.builder().register(registry);
        JvmMemoryMetrics.builder().register(registry);
        if (tracksNativeMemory(ManagementFactory.getRuntimeMXBean().getInputArguments())) {
            JvmNativeMemoryMetrics.builder().register(registry);
        }
        JvmRuntimeInfoMetric.builder().register(registry);
        ProcessMetrics.builder().register(registry);
    }

    /**
     * @param jvmArguments the JVM's options, as {@code RuntimeMXBean.getInputArguments()} gives them
     * @return whether they switch native memory tracking on (the last such option counts)
     */
    static boolean tracksNativeMemory(final @NotNull List<String> jvmArguments) {
        boolean on = false;
        for (final String argument : jvmArguments) {
            if (argument.startsWith("-XX:NativeMemoryTracking=")) {
                on = !argument.equals("-XX:NativeMemoryTracking=off");
            }
        }
        return on;
    }

    /** @return the registry to expose */
    public @NotNull PrometheusRegistry registry() {
        return registry;
    }

    /**
     * Registers the node's metrics, read from its parts at each scrape. Call once.
     *
     * @param startMillis when the node started (Unix milliseconds)
     * @param broker      the broker (connections, rooms, authentications)
     * @param messages    the signaling service's counters
     * @param relay       the relay
     * @param stun        the STUN service
     * @param web         the web server's counters
     * @param peerLinks   the links to other nodes
     */
    public void registerNode(final long startMillis, final @NotNull EmbeddedBroker broker,
                             final @NotNull MessageCounters messages, final @NotNull UdpRelay relay,
                             final @NotNull StunServer stun, final @NotNull WebCounters web,
                             final @NotNull PeerLinks peerLinks) {
        GaugeWithCallback.builder().name("switchboard_start_time_seconds")
                .help("When the node started, in seconds since the Unix epoch")
                .callback(cb -> cb.call(startMillis / 1000.0))
                .register(registry);
        GaugeWithCallback.builder().name("switchboard_connections")
                .help("Authenticated client connections to the broker now")
                .callback(cb -> cb.call(broker.connectedClients()))
                .register(registry);
        GaugeWithCallback.builder().name("switchboard_rooms")
                .help("Rooms with at least one connected member now")
                .callback(cb -> cb.call(broker.rooms()))
                .register(registry);
        CounterWithCallback.builder().name("switchboard_authentications")
                .help("Key authentications by result")
                .labelNames("result")
                .callback(cb -> {
                    cb.call(broker.authentications().succeeded(), "success");
                    cb.call(broker.authentications().failed(), "failure");
                })
                .register(registry);

        CounterWithCallback.builder().name("switchboard_refusals")
                .help("What the broker's limits refused, by reason (counted by the broker's Refusals)")
                .labelNames("reason")
                .callback(cb -> broker.refusals().counts().forEach((reason, n) -> cb.call(n, reason.label())))
                .register(registry);

        final String[] types = MessageCounters.typeLabels();
        CounterWithCallback.builder().name("switchboard_messages")
                .help("Signaling messages inspected by the node, by type and verdict")
                .labelNames("type", "verdict")
                .callback(cb -> {
                    for (int t = 0; t < types.length; t++) {
                        for (final MessageCounters.VerdictKind kind : MessageCounters.VerdictKind.values()) {
                            cb.call(messages.count(t, kind), types[t], kind.label());
                        }
                    }
                })
                .register(registry);

        GaugeWithCallback.builder().name("switchboard_relay_sessions")
                .help("Relay sessions open now")
                .callback(cb -> cb.call(relay.totals().openSessions()))
                .register(registry);
        CounterWithCallback.builder().name("switchboard_relay_packets")
                .help("Datagrams forwarded by the relay, both directions, closed sessions included")
                .callback(cb -> cb.call(relay.totals().packets()))
                .register(registry);
        CounterWithCallback.builder().name("switchboard_relay_bytes")
                .help("UDP payload bytes forwarded by the relay, both directions, closed sessions included")
                .callback(cb -> cb.call(relay.totals().bytes()))
                .register(registry);
        CounterWithCallback.builder().name("switchboard_relay_dropped_packets")
                .help("Datagrams the relay dropped: from unproven sources, or not forwardable (other)")
                .labelNames("reason")
                .callback(cb -> {
                    final RelayTotals totals = relay.totals();
                    cb.call(totals.droppedUnproven(), "unproven");
                    cb.call(totals.droppedOther(), "other");
                })
                .register(registry);

        CounterWithCallback.builder().name("switchboard_stun_answered")
                .help("STUN Binding requests answered")
                .callback(cb -> cb.call(stun.counters().answered()))
                .register(registry);
        CounterWithCallback.builder().name("switchboard_stun_dropped")
                .help("STUN datagrams dropped without answer: malformed, or ignored (not a Binding request)")
                .labelNames("reason")
                .callback(cb -> {
                    final StunServerCounters c = stun.counters();
                    cb.call(c.droppedMalformed(), "malformed");
                    cb.call(c.ignored(), "ignored");
                })
                .register(registry);

        CounterWithCallback.builder().name("switchboard_web_responses")
                .help("Responses of the web server by HTTP status code")
                .labelNames("status")
                .callback(cb -> {
                    for (final Map.Entry<Integer, Long> e : web.byStatus().entrySet()) {
                        cb.call(e.getValue(), String.valueOf(e.getKey()));
                    }
                })
                .register(registry);

        GaugeWithCallback.builder().name("switchboard_peer_links")
                .help("Links to other nodes by state")
                .labelNames("state")
                .callback(cb -> {
                    for (final PeerLinks.State state : PeerLinks.State.values()) {
                        cb.call(peerLinks.links().stream().filter(l -> l.state() == state).count(), state.label());
                    }
                })
                .register(registry);

        GaugeWithCallback.builder().name("switchboard_peer_link_up")
                .help("Whether the link to a peer node is up (1) or not (0)")
                .labelNames("peer")
                .callback(cb -> {
                    for (final PeerLinks.Link l : peerLinks.links()) {
                        cb.call(l.state() == PeerLinks.State.UP ? 1 : 0, l.peer());
                    }
                })
                .register(registry);

        CounterWithCallback.builder().name("switchboard_peer_messages")
                .help("Messages received from each peer node, by what became of them (delivered, duplicate, loop, "
                        + "hop-limit, refused-<reason>, ...), and the link's connection attempts (outcome attempt)")
                .labelNames("peer", "outcome")
                .callback(cb -> peerLinks.traffic().forEach((peer, counts) ->
                        counts.forEach((outcome, n) -> cb.call(n, peer, outcome))))
                .register(registry);

        CounterWithCallback.builder().name("switchboard_peer_link_messages")
                .help("Messages over each link to a peer node: direction in (received from it) or out (sent to it)")
                .labelNames("peer", "direction")
                .callback(cb -> peerLinks.flows().forEach((peer, t) -> {
                    cb.call(t.messagesIn(), peer, "in");
                    cb.call(t.messagesOut(), peer, "out");
                }))
                .register(registry);

        CounterWithCallback.builder().name("switchboard_peer_link_bytes")
                .help("Payload bytes over each link to a peer node: direction in (received from it) or out (sent to it)")
                .labelNames("peer", "direction")
                .callback(cb -> peerLinks.flows().forEach((peer, t) -> {
                    cb.call(t.bytesIn(), peer, "in");
                    cb.call(t.bytesOut(), peer, "out");
                }))
                .register(registry);
    }
}
