/**
 * The relay's pure parts: {@link dev.switchboard.node.relay.Relay} and
 * {@link dev.switchboard.node.relay.RelaySession} (the API the signaling service uses), the
 * forwarding decisions ({@link dev.switchboard.node.relay.RelayRouting} with one
 * {@link dev.switchboard.node.relay.RelayLeg} per side), configuration, port pool, session
 * registry and limits, proven addresses, counters. No sockets here;
 * {@code dev.switchboard.node.relay.udp} carries the packets and asks {@code RelayRouting} where
 * each one goes.
 *
 * <p>Proof rules (who the relay may send to), as {@link dev.switchboard.node.relay.RelayLeg}
 * implements them:
 * <ul>
 *   <li>an address is ICE-proven for peer A's side once it sent, to port pB, a STUN Binding
 *       request with USERNAME {@code ufragB:...} and MESSAGE-INTEGRITY keyed with pwdB (RFC 8445
 *       §7.2.2); it is STUN-proven once our STUN service answered it within the
 *       {@link dev.switchboard.node.relay.ProvenAddresses} window. A STUN answer is weak proof:
 *       anyone can get one for their own address;</li>
 *   <li>as long as a side has no ICE-proven address, STUN-proven addresses are accepted; once it
 *       has one, only ICE-proven addresses are, and everything else on that side (STUN-proven
 *       addresses included) is dropped as unproven. The peer keeps its addresses proven with its
 *       ICE consent checks (RFC 7675);</li>
 *   <li>each side remembers a few proven addresses (several candidates); a STUN-proven address
 *       never displaces an ICE-proven one, a new ICE-proven address displaces a STUN-proven one
 *       first, else the least recently seen;</li>
 *   <li>the default destination of a side is its latest proven source that sent something;
 *       ICE-proven sources take precedence over STUN-proven ones, so once the side has ICE proof
 *       its destination is ICE-proven;</li>
 *   <li>STUN responses go to the source of the matching request (transaction id table per side),
 *       unless that source is no longer accepted;</li>
 *   <li>a packet from a proven source for which the other side has no proven address yet is
 *       dropped ("other"); ICE retransmits its checks, so the exchange completes;</li>
 *   <li>federation: a side whose far end is a linked peer node's relay (the neighbour that passed
 *       the description on, relaying for its client or for a node further away) gets that relay's
 *       announced address permitted ({@link dev.switchboard.node.relay.RelaySession#permitPeerRelay}): it
 *       counts as ICE proof and is that side's pinned destination. These are the only
 *       non-client destinations.</li>
 * </ul>
 */
package dev.switchboard.node.relay;
