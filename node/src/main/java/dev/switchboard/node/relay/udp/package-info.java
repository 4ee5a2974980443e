/**
 * Netty forwarding for the relay, a thin adapter: {@link dev.switchboard.node.relay.udp.UdpRelay}
 * opens sessions of two UDP ports on one event loop, binding them asynchronously; per packet it
 * asks the pure {@link dev.switchboard.node.relay.RelayRouting} where the datagram goes, allocates
 * only the addressed-write envelope Netty requires and passes the pooled payload through with
 * {@code retain()}. Who may send and receive follows the proof rules of
 * {@link dev.switchboard.node.relay}: ICE proof (RFC 8445 §7.2.2) outranks, and once present on a
 * side excludes, a recent answer from our STUN service.
 */
package dev.switchboard.node.relay.udp;
