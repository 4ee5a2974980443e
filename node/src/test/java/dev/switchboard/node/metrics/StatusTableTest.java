package dev.switchboard.node.metrics;

import dev.switchboard.node.relay.RelayHolders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StatusTableTest {

    private static final String NL = System.lineSeparator();

    @Test
    void format_noPeerLinks_oneRowPerFact() {
        final NodeStatus status = new NodeStatus("node-id", "0.1.0", 93_784, 4, 2,
                new NodeStatus.Relay(1, 5120, 4 * 1024 * 1024, 3, 0, List.of(), List.of()), new NodeStatus.Stun(12, 1), List.of());
        assertEquals(String.join(NL,
                "node             node-id (Switchboard 0.1.0)",
                "uptime           1d 02:03:04",
                "connections      4",
                "rooms            2",
                "relay sessions   1",
                "relay traffic    5,120 packets, 4.0 MiB",
                "relay drops      3 unproven, 0 other",
                "STUN             12 answered, 1 dropped",
                "peer links       none",
                ""), StatusTable.format(status));
    }

    @Test
    void format_relayHolders_listedUnderTheirRows() {
        final NodeStatus status = new NodeStatus("n", "0.1.0", 5, 0, 0, new NodeStatus.Relay(3, 0, 0, 0, 0,
                List.of(new RelayHolders.Holder("peer-a", 2), new RelayHolders.Holder("peer-b", 1)),
                List.of(new RelayHolders.Holder("127.0.0.2", 3))), new NodeStatus.Stun(0, 0), List.of());
        final String table = StatusTable.format(status);
        assertTrue(table.contains("relay by peer    2" + NL), table);
        assertTrue(table.contains("  peer-a" + " ".repeat(39) + " 2" + NL), table);
        assertTrue(table.contains("relay by address 1" + NL + "  127.0.0.2"), table);
    }

    @Test
    void format_peerLinks_aRowEach() {
        final NodeStatus status = new NodeStatus("n", "0.1.0", 5, 0, 0, new NodeStatus.Relay(0, 0, 0, 0, 0, List.of(), List.of()),
                new NodeStatus.Stun(0, 0), List.of(new NodeStatus.PeerLink("peer-1", "up", 61, 1204, 317_644, 980, 256_000),
                new NodeStatus.PeerLink("peer-2", "down", 3600, 0, 0, 0, 0)));
        final String table = StatusTable.format(status);
        final String[] lines = table.split(NL);
        assertEquals("peer links       2", lines[8]);
        assertEquals(String.format("  %-45s %-10s %-12s %-20s %s", "PEER", "STATE", "SINCE", "IN", "OUT"), lines[9]);
        assertEquals(String.format("  %-45s %-10s %-12s %-20s %s", "peer-1", "up", "00:01:01", "1,204 (310.2 KiB)",
                "980 (250.0 KiB)"), lines[10]);
        assertEquals(String.format("  %-45s %-10s %-12s %-20s %s", "peer-2", "down", "01:00:00", "0 (0 B)", "0 (0 B)"),
                lines[11]);
        assertEquals(12, lines.length);
    }

    @ParameterizedTest
    @CsvSource({"0, 00:00:00", "59, 00:00:59", "3600, 01:00:00", "86399, 23:59:59", "86400, 1d 00:00:00",
            "-5, 00:00:00"})
    void duration_seconds_clockWithDays(final long seconds, final String expected) {
        assertEquals(expected, StatusTable.duration(seconds));
    }

    @ParameterizedTest
    @CsvSource({"0, 0 B", "1023, 1023 B", "1024, 1.0 KiB", "1536, 1.5 KiB", "1048576, 1.0 MiB",
            "1073741824, 1.0 GiB", "-1, 0 B", "9223372036854775807, 8.0 EiB"})
    void bytes_count_binaryUnits(final long bytes, final String expected) {
        assertEquals(expected, StatusTable.bytes(bytes));
    }
}
