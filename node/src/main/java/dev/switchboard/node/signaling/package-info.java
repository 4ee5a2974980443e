/**
 * The signaling rules, implementing the broker's SPI. Data flows: the
 * {@link dev.switchboard.node.signaling.MessageValidator} parses each payload once into a typed
 * {@link dev.switchboard.node.signaling.Message} (the protocol of {@code docs/protocol.md});
 * the {@link dev.switchboard.node.signaling.SignalingService} dispatches it, through a visitor
 * the compiler checks for completeness, to one handler per feature: rooms (presence) and peer
 * sessions (offer, answer, candidate, hangup through the relay). Calls, the lobby and federation
 * add their handlers beside them. {@link dev.switchboard.node.signaling.Context} is the one place
 * the session context grammar ({@code room:<id>}, {@code call:<id>}) is written.
 */
package dev.switchboard.node.signaling;
