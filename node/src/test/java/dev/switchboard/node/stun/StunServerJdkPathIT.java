package dev.switchboard.node.stun;

/**
 * Every {@link StunServerIT} test again on the STUN service's other I/O path: one system call per
 * datagram through the JDK's {@link java.nio.channels.DatagramChannel} methods, which it takes where
 * {@link dev.switchboard.node.udp.BatchedDatagramIo} cannot be loaded or its property is false.
 */
class StunServerJdkPathIT extends StunServerIT {
    @Override
    boolean batched() {
        return false;
    }
}
