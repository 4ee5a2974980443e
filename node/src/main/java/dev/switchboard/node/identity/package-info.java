/**
 * The node's own key pair and id ({@link dev.switchboard.node.identity.NodeKey}), kept in the data
 * directory; browsers see the id in the CONNECT challenge.
 */
package dev.switchboard.node.identity;
