/**
 * The node's persistent state on disk: atomic, owner-only writes into the data directory.
 */
package dev.switchboard.node.storage;
