/**
 * Netty forwarding for the relay: {@link dev.switchboard.node.relay.udp.UdpRelay} opens sessions
 * of two UDP ports on one event loop; per packet it allocates only the addressed-write envelope
 * Netty requires and passes the pooled payload through with {@code retain()}.
 */
package dev.switchboard.node.relay.udp;
