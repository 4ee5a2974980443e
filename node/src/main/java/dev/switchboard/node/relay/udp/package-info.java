/**
 * UDP forwarding for the relay, a thin adapter: {@link dev.switchboard.node.relay.udp.UdpRelay}
 * opens sessions of two non-blocking JDK datagram channels on one Netty NIO event loop, binding
 * them on that loop; per packet it receives into the loop's direct buffer, asks the pure
 * {@link dev.switchboard.node.relay.RelayRouting} where the datagram goes and sends the same
 * buffer, allocating nothing. Who may send and receive follows the proof rules of
 * {@link dev.switchboard.node.relay}: ICE proof (RFC 8445 §7.2.2) outranks, and once present on a
 * side excludes, a recent answer from our STUN service.
 */
package dev.switchboard.node.relay.udp;
