/**
 * SDP for the relay: a parser that keeps every line byte for byte ({@link
 * dev.switchboard.node.sdp.SdpParser}, {@link dev.switchboard.node.sdp.Sdp}), ICE candidate
 * parsing for SDP and trickled candidates ({@link dev.switchboard.node.sdp.IceCandidate}), and the
 * relayed-mode rewrite ({@link dev.switchboard.node.sdp.SdpRewriter}).
 *
 * <p>Pure code: values in, values out, no Netty or HiveMQ types, no I/O, no logging. Untrusted
 * input is refused only with the checked {@link dev.switchboard.node.sdp.SdpException}.
 */
package dev.switchboard.node.sdp;
