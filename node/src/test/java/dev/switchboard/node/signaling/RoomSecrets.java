package dev.switchboard.node.signaling;

import org.jetbrains.annotations.NotNull;

import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.text.Normalizer;
import java.util.Arrays;
import java.util.Base64;

/**
 * The derivation of {@code docs/protocol.md} §1.1 with the JDK's own crypto, for tests that need to
 * know what a word gives (the documented vectors, and taps that look for key material in what the
 * node saw). The node itself never derives anything: it sees only room ids.
 *
 * @param master        PBKDF2-HMAC-SHA-256 of the word, 32 bytes.
 * @param roomId        the room id, 43 base64url characters.
 * @param roomKey       the AES-256-GCM room key, 32 bytes.
 * @param membershipKey the HMAC-SHA-256 membership key, 32 bytes.
 */
public record RoomSecrets(byte @NotNull [] master, @NotNull String roomId, byte @NotNull [] roomKey,
                          byte @NotNull [] membershipKey) {

    /** §1.1: PBKDF2 salt. */
    public static final String SALT = "switchboard/v1/room-kdf";
    /** §1.1: PBKDF2 iterations. */
    public static final int ITERATIONS = 200_000;

    /**
     * @param word the secret word as typed (trimmed).
     * @return what the word gives.
     */
    public static @NotNull RoomSecrets of(final @NotNull String word) {
        try {
            final byte[] master = master(word, SALT, ITERATIONS);
            return new RoomSecrets(master,
                    Base64.getUrlEncoder().withoutPadding().encodeToString(hkdf(master, "switchboard/v1/room-id")),
                    hkdf(master, "switchboard/v1/room-key"), hkdf(master, "switchboard/v1/membership-key"));
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** PBKDF2-HMAC-SHA-256 over the UTF-8 of the NFC word (SunJCE encodes the password as UTF-8), 32 bytes. */
    static byte[] master(final String word, final String salt, final int iterations) throws GeneralSecurityException {
        final char[] password = Normalizer.normalize(word, Normalizer.Form.NFC).toCharArray();
        final PBEKeySpec spec = new PBEKeySpec(password, salt.getBytes(StandardCharsets.UTF_8), iterations, 256);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } finally {
            spec.clearPassword();
            Arrays.fill(password, '\0');
        }
    }

    /** RFC 5869 HKDF-SHA-256 with no salt (HashLen zero bytes) and 32 bytes of output (one block). */
    static byte[] hkdf(final byte[] ikm, final String info) throws GeneralSecurityException {
        final Mac extract = Mac.getInstance("HmacSHA256");
        extract.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        final byte[] prk = extract.doFinal(ikm);
        final Mac expand = Mac.getInstance("HmacSHA256");
        expand.init(new SecretKeySpec(prk, "HmacSHA256"));
        expand.update(info.getBytes(StandardCharsets.UTF_8));
        expand.update((byte) 1);
        return expand.doFinal();
    }
}
