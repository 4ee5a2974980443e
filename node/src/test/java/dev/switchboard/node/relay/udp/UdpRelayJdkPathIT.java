package dev.switchboard.node.relay.udp;

/**
 * Every {@link UdpRelayIT} test again on the relay's other I/O path: one system call per datagram
 * through the JDK's {@link java.nio.channels.DatagramChannel} methods, which the relay takes where
 * {@link dev.switchboard.node.udp.BatchedDatagramIo} cannot be loaded or its property is false.
 */
class UdpRelayJdkPathIT extends UdpRelayIT {
    @Override
    boolean batchedIo() {
        return false;
    }
}
