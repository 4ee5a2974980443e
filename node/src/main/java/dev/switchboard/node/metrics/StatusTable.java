package dev.switchboard.node.metrics;

import org.jetbrains.annotations.NotNull;

import java.util.Locale;

/**
 * Formats a {@link NodeStatus} as the table {@code switchboard status} prints: one row per fact,
 * then the peer links with one row each. Pure; thread-safe.
 *
 * <pre>
 * node             4gWq...Zk (Switchboard 0.1.0)
 * uptime           1d 02:03:04
 * connections      4
 * rooms            2
 * relay sessions   1
 * relay traffic    5,120 packets, 4.0 MiB
 * relay drops      3 unproven, 0 other
 * STUN             12 answered, 1 dropped
 * peer links       1
 *   PEER                                          STATE      SINCE        IN                   OUT
 *   Rix5...wPU                                    up         00:12:09     1,204 (310.2 KiB)    980 (250.0 KiB)
 * </pre>
 * IN and OUT: messages received from and sent to the peer node over the link, with their payload
 * bytes (the same counts as {@code switchboard_peer_link_messages_total} and
 * {@code switchboard_peer_link_bytes_total}).
 *
 */
public final class StatusTable {

    private static final String ROW = "%-16s %s%n";

    private StatusTable() {
    }

    /**
     * @param status a node's status
     * @return the table, lines ending in the platform's line separator
     */
    public static @NotNull String format(final @NotNull NodeStatus status) {
        final StringBuilder out = new StringBuilder();
        row(out, "node", status.node() + " (Switchboard " + status.version() + ")");
        row(out, "uptime", duration(status.uptimeSeconds()));
        row(out, "connections", count(status.connections()));
        row(out, "rooms", count(status.rooms()));
        final NodeStatus.Relay relay = status.relay();
        row(out, "relay sessions", count(relay.sessions()));
        row(out, "relay traffic", count(relay.packets()) + " packets, " + bytes(relay.bytes()));
        row(out, "relay drops", count(relay.droppedUnproven()) + " unproven, " + count(relay.droppedOther()) + " other");
        holders(out, "relay by peer", relay.topPeers());
        holders(out, "relay by address", relay.topAddresses());
        row(out, "STUN", count(status.stun().answered()) + " answered, " + count(status.stun().dropped()) + " dropped");
        if (status.peerLinks().isEmpty()) {
            row(out, "peer links", "none");
        } else {
            row(out, "peer links", String.valueOf(status.peerLinks().size()));
            out.append(String.format(Locale.ROOT, "  %-45s %-10s %-12s %-20s %s%n", "PEER", "STATE", "SINCE", "IN", "OUT"));
            for (final NodeStatus.PeerLink link : status.peerLinks()) {
                out.append(String.format(Locale.ROOT, "  %-45s %-10s %-12s %-20s %s%n", link.peer(), link.state(),
                        duration(link.sinceSeconds()), count(link.messagesIn()) + " (" + bytes(link.bytesIn()) + ")",
                        count(link.messagesOut()) + " (" + bytes(link.bytesOut()) + ")"));
            }
        }
        return out.toString();
    }

    /** The holders of relay sessions, one per line under a row naming them. */
    private static void holders(final StringBuilder out, final String label,
                                final java.util.List<dev.switchboard.node.relay.RelayHolders.Holder> holders) {
        if (holders.isEmpty()) {
            return;
        }
        row(out, label, holders.size() + (holders.size() == NodeStatus.Relay.TOP ? "+" : ""));
        for (final dev.switchboard.node.relay.RelayHolders.Holder h : holders) {
            out.append(String.format(Locale.ROOT, "  %-45s %s%n", h.who(), count(h.sessions())));
        }
    }

    /**
     * @param seconds a duration in seconds, negative treated as 0
     * @return {@code 02:03:04}, with days in front when there are any: {@code 1d 02:03:04}
     */
    static @NotNull String duration(final long seconds) {
        final long s = Math.max(0, seconds);
        final long days = s / 86_400;
        final String clock = String.format(Locale.ROOT, "%02d:%02d:%02d", s % 86_400 / 3600, s % 3600 / 60, s % 60);
        return days > 0 ? days + "d " + clock : clock;
    }

    /**
     * @param bytes a byte count, negative treated as 0
     * @return binary units with one decimal: {@code 512 B}, {@code 1.5 KiB}, {@code 4.0 MiB}, ...
     */
    static @NotNull String bytes(final long bytes) {
        final long b = Math.max(0, bytes);
        if (b < 1024) {
            return b + " B";
        }
        final String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double value = b / 1024.0;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** @return {@code n} with thousands separators: {@code 5,120} */
    static @NotNull String count(final long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static void row(final StringBuilder out, final String name, final String value) {
        out.append(String.format(Locale.ROOT, ROW, name, value));
    }
}
