/**
 * The node application: {@link dev.switchboard.node.Main} (command line) and
 * {@link dev.switchboard.node.Node}, which starts STUN, relay, signaling, broker and web server
 * from one {@link dev.switchboard.node.config.NodeConfig} and stops them again.
 */
package dev.switchboard.node;
