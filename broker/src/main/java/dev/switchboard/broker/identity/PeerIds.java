package dev.switchboard.broker.identity;

import org.jetbrains.annotations.NotNull;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Peer ids: base64url without padding (RFC 4648 §5) of SHA-256 over the peer's public key
 * SubjectPublicKeyInfo DER bytes, 43 characters. Pure, thread-safe.
 */
public final class PeerIds {

    private PeerIds() {
    }

    /**
     * @param spkiDer the SubjectPublicKeyInfo DER bytes exactly as exported by WebCrypto
     *                ({@code exportKey("spki", ...)}); not parsed here.
     * @return the 43-character peer id.
     */
    public static @NotNull String fromSpki(final byte @NotNull [] spkiDer) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(spkiDer));
    }

    static byte[] sha256(final byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
