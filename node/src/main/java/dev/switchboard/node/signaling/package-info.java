/**
 * The signaling rules, implementing the broker's SPI: message validation against
 * {@code docs/protocol.md} ({@link dev.switchboard.node.signaling.MessageValidator}) and the
 * {@link dev.switchboard.node.signaling.SignalingService}, which puts the relay between the peers
 * by rewriting the candidates of every offer and answer.
 */
package dev.switchboard.node.signaling;
