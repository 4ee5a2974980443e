/**
 * STUN (RFC 8489): a pure codec ({@link dev.switchboard.node.stun.StunDecoder},
 * {@link dev.switchboard.node.stun.StunMessageBuilder}, {@link dev.switchboard.node.stun.Stun}
 * helpers), the allocation-free {@link dev.switchboard.node.stun.IceCheckVerifier} used by the
 * relay, and the Netty Binding service {@link dev.switchboard.node.stun.StunServer}. Only
 * {@code StunServer} and its handler touch Netty.
 *
 * <p>Decisions: malformed datagrams are dropped and counted, never answered (no amplification);
 * well-formed requests with an unknown comprehension-required attribute are ignored instead of
 * answered with 420; SOFTWARE is off by default to keep responses small (40 bytes for IPv4).
 */
package dev.switchboard.node.stun;
