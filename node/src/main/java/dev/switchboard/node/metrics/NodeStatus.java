package dev.switchboard.node.metrics;

import dev.switchboard.node.relay.RelayHolders;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.jetbrains.annotations.NotNull;

import java.util.List;
import java.util.Objects;

/**
 * What {@code switchboard status} shows, as served at {@code /status.json} on the monitoring
 * address: a snapshot of a running node.
 *
 * <pre>{@code
 * {"node":"<node id>","version":"0.1.0","uptimeSeconds":93,"connections":4,"rooms":2,
 *  "relay":{"sessions":1,"packets":5120,"bytes":4194304,"droppedUnproven":3,"droppedOther":0,
 *           "topPeers":[{"who":"<peer id>","sessions":1}],"topAddresses":[{"who":"127.0.0.1","sessions":1}]},
 *  "stun":{"answered":12,"dropped":1},"peerLinks":[{"peer":"<id>","state":"up","sinceSeconds":60}]}
 * }</pre>
 *
 * @param node          the node's id
 * @param version       the software version
 * @param uptimeSeconds seconds since the node started, at least 0
 * @param connections   authenticated client connections now
 * @param rooms         rooms with at least one member now
 * @param relay         the relay's sessions and traffic
 * @param stun          the STUN service's counters
 * @param peerLinks     links to other nodes (none until federation exists)
 */
public record NodeStatus(@NotNull String node, @NotNull String version, long uptimeSeconds, int connections,
                         int rooms, @NotNull Relay relay, @NotNull Stun stun, @NotNull List<PeerLink> peerLinks) {

    private static final JsonMapper JSON = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    public NodeStatus {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(relay, "relay");
        Objects.requireNonNull(stun, "stun");
        peerLinks = List.copyOf(peerLinks);
    }

    /**
     * @param sessions        relay sessions open now
     * @param packets         datagrams forwarded since start
     * @param bytes           payload bytes forwarded since start
     * @param droppedUnproven datagrams dropped from unproven sources since start
     * @param droppedOther    other drops since start
     * @param topPeers        the peer ids holding the most sessions now, at most {@link #TOP}, largest first
     * @param topAddresses    the source addresses holding the most sessions now, at most {@link #TOP}
     */
    public record Relay(int sessions, long packets, long bytes, long droppedUnproven, long droppedOther,
                        @NotNull List<RelayHolders.Holder> topPeers, @NotNull List<RelayHolders.Holder> topAddresses) {
        /** How many holders each list shows. */
        public static final int TOP = 10;

        public Relay {
            topPeers = List.copyOf(topPeers.subList(0, Math.min(TOP, topPeers.size())));
            topAddresses = List.copyOf(topAddresses.subList(0, Math.min(TOP, topAddresses.size())));
        }
    }

    /**
     * @param answered Binding requests answered since start
     * @param dropped  messages dropped (malformed or not a Binding request) since start
     */
    public record Stun(long answered, long dropped) {
    }

    /**
     * @param peer         the peer node's id
     * @param state        {@code connecting}, {@code up} or {@code down}
     * @param sinceSeconds seconds in that state
     * @param messagesIn   messages received over the link since the node started
     * @param bytesIn      their payload bytes
     * @param messagesOut  messages sent over the link since the node started
     * @param bytesOut     their payload bytes
     */
    public record PeerLink(@NotNull String peer, @NotNull String state, long sinceSeconds, long messagesIn,
                           long bytesIn, long messagesOut, long bytesOut) {
        public PeerLink {
            Objects.requireNonNull(peer, "peer");
            Objects.requireNonNull(state, "state");
        }
    }

    /** @return this status as UTF-8 JSON */
    public byte @NotNull [] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException("status is always serializable", e);
        }
    }

    /**
     * @param json what a node's {@code /status.json} answered
     * @return the status
     * @throws IllegalArgumentException if it is not a status document; the message says what is wrong
     */
    public static @NotNull NodeStatus fromJson(final byte @NotNull [] json) {
        try {
            final NodeStatus status = JSON.readValue(json, NodeStatus.class);
            if (status == null) {
                throw new IllegalArgumentException("empty document");
            }
            return status;
        } catch (final java.io.IOException | NullPointerException e) {
            throw new IllegalArgumentException("not a Switchboard status document: " + firstLine(e.getMessage()), e);
        }
    }

    private static String firstLine(final String s) {
        if (s == null) {
            return "";
        }
        final int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
