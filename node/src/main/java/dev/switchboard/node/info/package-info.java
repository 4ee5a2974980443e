/**
 * What the node tells clients about itself: the node-information document
 * ({@link dev.switchboard.node.info.NodeInfo}, {@code docs/protocol.md} §2).
 */
package dev.switchboard.node.info;
