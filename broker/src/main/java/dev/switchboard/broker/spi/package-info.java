/**
 * The interface between broker and node: the broker hands every authorized signaling message to a
 * {@link dev.switchboard.broker.spi.SignalingInterceptor}, which answers with a
 * {@link dev.switchboard.broker.spi.Verdict} (forward, rewrite, drop, reject). The node implements
 * it, so the broker never depends on the node.
 */
package dev.switchboard.broker.spi;
