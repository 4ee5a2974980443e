/**
 * UDP forwarding for the relay, a thin adapter: {@link dev.switchboard.node.relay.udp.UdpRelay}
 * opens sessions of two non-blocking JDK datagram channels on one Netty NIO event loop, binding
 * them on that loop; it receives up to 64 datagrams per system call into the loop's batch
 * ({@link dev.switchboard.node.udp.BatchedDatagramIo}), asks the pure
 * {@link dev.switchboard.node.relay.RelayRouting} where each goes and sends them all with one more
 * call from the slots they arrived in, allocating nothing. Who may send and receive follows the proof rules of
 * {@link dev.switchboard.node.relay}: ICE proof (RFC 8445 §7.2.2) outranks, and once present on a
 * side excludes, a recent answer from our STUN service.
 */
package dev.switchboard.node.relay.udp;
