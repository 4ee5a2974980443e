package dev.switchboard.broker.identity;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Peer ids: base64url without padding (RFC 4648 §5) of SHA-256 over the peer's public key
 * SubjectPublicKeyInfo DER bytes, 43 characters. Pure, thread-safe.
 */
public final class PeerIds {

    /** Length of a peer id: base64url without padding of the 32 bytes of a SHA-256. */
    public static final int LENGTH = 43;

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

    /**
     * The peer-id rule, the one place it is written: exactly {@value #LENGTH} characters of the
     * base64url alphabet (RFC 4648 §5), what {@link #fromSpki} gives. Room ids have the same shape
     * (they are base64url SHA-256 hashes too).
     *
     * @param id any string, possibly {@code null}.
     * @return whether it has the shape of a peer id.
     */
    public static boolean isValid(final @Nullable String id) {
        if (id == null || id.length() != LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            final char c = id.charAt(i);
            // RFC 4648 §5: the URL- and filename-safe alphabet
            final boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
                    || (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static byte[] sha256(final byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every Java platform", e);
        }
    }
}
