/**
 * The relay's pure parts: {@link dev.switchboard.node.relay.RelaySession} (the API the signaling
 * service uses), configuration, port pool, session registry and limits, proven addresses,
 * counters. No sockets here; {@code dev.switchboard.node.relay.udp} carries the packets.
 *
 * <p>Proof rules (who the relay may send to), as implemented by the UDP relay:
 * <ul>
 *   <li>an address is proven for peer A's side once it sent, to port pB, a STUN Binding request
 *       with USERNAME {@code ufragB:...} and MESSAGE-INTEGRITY keyed with pwdB (RFC 8445 §7.2.2),
 *       or once our STUN service answered it within the {@link dev.switchboard.node.relay.ProvenAddresses}
 *       window;</li>
 *   <li>the default destination of a side is its latest proven source that sent something;
 *       ICE-proven sources take precedence over STUN-proven ones (a STUN answer is weaker proof:
 *       anyone can get one for their own address);</li>
 *   <li>STUN responses go to the source of the matching request (transaction id table per side);</li>
 *   <li>a packet from a proven source for which the other side has no proven address yet is
 *       dropped ("other"); ICE retransmits its checks, so the exchange completes.</li>
 * </ul>
 */
package dev.switchboard.node.relay;
