/**
 * Public-key identity, pure: peer ids derived from SPKI bytes
 * ({@link dev.switchboard.broker.identity.PeerIds}) and the {@code sb-key-v1} challenge-response
 * proof ({@link dev.switchboard.broker.identity.KeyProof}): ECDSA P-256, raw r||s signatures,
 * domain-separated signed bytes. See {@code docs/protocol.md}, section 3.
 */
package dev.switchboard.broker.identity;
