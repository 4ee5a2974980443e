/**
 * The personal callee service ({@code docs/protocol.md} §5.3): registrations of callee pairs
 * (a public id in the caller URL, a secret in the callee URL of which the node keeps only a hash),
 * their expiry, and their persistence in the data directory.
 */
package dev.switchboard.node.callee;
