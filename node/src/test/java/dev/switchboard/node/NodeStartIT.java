package dev.switchboard.node;

import dev.switchboard.node.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A node whose start fails part-way (loopback, a port held by the test): the broker starts on a
 * thread of its own while the node starts the monitoring endpoint and the STUN service, so a
 * failure on either side must still reach the caller with its own message and leave nothing
 * listening: the broker's WebSocket port, the monitoring port and the STUN port are free again.
 */
class NodeStartIT {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;

    private String config(final int wsPort, final int stunPort, final int metricsPort) {
        return """
                dataDir: %s
                publicHost: 127.0.0.1
                web: { bind: 127.0.0.1, port: 0, tls: false }
                broker: { bind: 127.0.0.1, webSocketPort: %d, tcpPort: -1 }
                stun: { bind: 127.0.0.1, port: %d }
                relay: { bind: 127.0.0.1, portRange: 50500-50509, maxSessions: 4 }
                metrics: { bind: 127.0.0.1, port: %d }
                """.formatted(dataDir.toString().replace("\\", "/"), wsPort, stunPort, metricsPort);
    }

    @Test
    void start_stunPortHeldWhileTheBrokerStarts_failsWithStunsMessageAndStopsTheBroker() throws Exception {
        final int wsPort = freeTcpPort();
        final int metricsPort = freeTcpPort();
        try (DatagramSocket held = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            final int stunPort = held.getLocalPort();
            final Exception e = assertThrows(Exception.class, () -> Node.start(
                    ConfigLoader.parse(config(wsPort, stunPort, metricsPort), "NodeStartIT"), Node.Options.defaults()));
            assertTrue(String.valueOf(e.getMessage()).contains(String.valueOf(stunPort)),
                    "the STUN service's own message, naming the port: " + e.getMessage());
        }
        // The broker's start was under way or done: it is stopped again, its port and the
        // monitoring port free, and its start thread gone.
        await().atMost(WAIT).until(() -> tcpPortFree(wsPort) && tcpPortFree(metricsPort) && !startThreadAlive());
    }

    @Test
    void start_brokerPortHeld_failsWithTheBrokersMessageAndStopsStunAndMonitoring() throws Exception {
        final int stunPort = freeUdpPort();
        final int metricsPort = freeTcpPort();
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(LOOPBACK, 0));
            final int wsPort = held.getLocalPort();
            final Exception e = assertThrows(Exception.class, () -> Node.start(
                    ConfigLoader.parse(config(wsPort, stunPort, metricsPort), "NodeStartIT"), Node.Options.defaults()));
            assertTrue(String.valueOf(e.getMessage()).contains("MQTT broker failed to start")
                            && e.getMessage().contains(String.valueOf(wsPort)),
                    "the broker's own message, naming the port: " + e.getMessage());
        }
        await().atMost(WAIT).until(() -> udpPortFree(stunPort) && tcpPortFree(metricsPort) && !startThreadAlive());
    }

    private static boolean startThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream()
                .anyMatch(t -> t.isAlive() && t.getName().equals("switchboard-broker-start"));
    }

    private static int freeTcpPort() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(LOOPBACK, 0));
            return s.getLocalPort();
        }
    }

    private static int freeUdpPort() throws Exception {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
            return s.getLocalPort();
        }
    }

    private static boolean tcpPortFree(final int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(LOOPBACK, port));
            return true;
        } catch (final Exception e) {
            return false;
        }
    }

    private static boolean udpPortFree(final int port) {
        try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, port))) {
            return true;
        } catch (final Exception e) {
            return false;
        }
    }
}
