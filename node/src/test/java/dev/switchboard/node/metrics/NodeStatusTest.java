package dev.switchboard.node.metrics;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeStatusTest {

    @Test
    void json_roundTrip_sameStatus() {
        final NodeStatus status = new NodeStatus("n", "0.1.0", 7, 3, 1, new NodeStatus.Relay(2, 10, 1000, 1, 0, List.of(), List.of()),
                new NodeStatus.Stun(5, 0), List.of(new NodeStatus.PeerLink("p", "up", 4, 3, 300, 2, 200)));
        assertEquals(status, NodeStatus.fromJson(status.toJson()));
        assertTrue(new String(status.toJson(), StandardCharsets.UTF_8).contains("\"uptimeSeconds\":7"));
    }

    @Test
    void fromJson_notAStatus_illegalArgumentSaysSo() {
        for (final String bad : new String[] {"", "[]", "{\"node\":\"n\"}", "<html>", "null"}) {
            final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NodeStatus.fromJson(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertTrue(e.getMessage().startsWith("not a Switchboard status document") || e.getMessage().equals(
                    "empty document"), e.getMessage());
        }
    }
}
