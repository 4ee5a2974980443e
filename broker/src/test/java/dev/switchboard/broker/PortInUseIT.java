package dev.switchboard.broker;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * HiveMQ only logs a listener it cannot bind and starts anyway; the broker must refuse to start
 * instead, so that clients never reach whatever else holds the port.
 */
class PortInUseIT {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    @Test
    void start_tcpPortTaken_refusesNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(LOOPBACK, 0));
            final int port = taken.getLocalPort();
            final EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.builder()
                    .tcpBindAddress(LOOPBACK).webSocketBindAddress(LOOPBACK)
                    .tcpPort(port).webSocketPort(0).build());
            final IllegalStateException e = assertThrows(IllegalStateException.class, broker::start);
            assertTrue(e.getMessage().contains("TCP listener cannot use port " + port), e.getMessage());
            assertFalse(broker.isRunning());
        }
    }

    @Test
    void start_webSocketPortTaken_refusesNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(LOOPBACK, 0));
            final int port = taken.getLocalPort();
            final EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.builder()
                    .tcpBindAddress(LOOPBACK).webSocketBindAddress(LOOPBACK)
                    .tcpPort(-1).webSocketPort(port).build());
            final IllegalStateException e = assertThrows(IllegalStateException.class, broker::start);
            assertTrue(e.getMessage().contains("WebSocket listener cannot use port " + port), e.getMessage());
            assertFalse(broker.isRunning());
        }
    }
}
