/**
 * Batched UDP I/O shared by the relay ({@link dev.switchboard.node.relay.udp}) and the STUN
 * service ({@link dev.switchboard.node.stun}): {@link dev.switchboard.node.udp.BatchedDatagramIo}
 * receives and sends up to 64 datagrams per {@code recvmmsg(2)}/{@code sendmmsg(2)} call on the
 * sockets of ordinary JDK datagram channels, through a small JNI library the build compiles
 * ({@code node/src/main/c}); where it cannot load, both fall back to one system call per datagram.
 */
package dev.switchboard.node.udp;
