package dev.switchboard.node.signaling;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.util.Base64;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The documented example values of {@code docs/protocol.md} §1.1, §5.1 and §6.1
 * ({@code docs/vectors/privacy.json}), recomputed with the JDK's own crypto (PBKDF2WithHmacSHA256,
 * HmacSHA256 for HKDF (RFC 5869) and the MACs, AES/GCM/NoPadding): a third party implementing the
 * protocol from the document gets the same bytes as the web client, whose node:test tests check
 * the same file with WebCrypto. The node itself never computes any of this: it sees only room ids.
 */
class PrivacyVectorsTest {

    private static JsonNode vectors;
    private static final HexFormat HEX = HexFormat.of();

    @BeforeAll
    static void read() throws Exception {
        vectors = JsonMapper.builder().build().readTree(Files.readString(Path.of("..", "docs", "vectors", "privacy.json")));
    }

    @Test
    void kdf_pbkdf2ThenHkdf_givesTheDocumentedValues() throws Exception {
        final JsonNode kdf = vectors.get("kdf");
        assertEquals(RoomSecrets.ITERATIONS, kdf.get("iterations").asInt());
        assertEquals(RoomSecrets.SALT, kdf.get("salt").asText());
        for (final JsonNode v : kdf.get("words")) {
            final String word = v.get("word").asText();
            final long started = System.nanoTime();
            final byte[] master = master(word, kdf);
            System.out.printf("PrivacyVectorsTest: PBKDF2 of \"%s\" (%d iterations) took %d ms in the JDK%n",
                    word, kdf.get("iterations").asInt(), (System.nanoTime() - started) / 1_000_000);
            assertEquals(v.get("master").asText(), HEX.formatHex(master));
            assertEquals(v.get("roomId").asText(), b64(hkdf(master, kdf.at("/info/roomId").asText())));
            assertEquals(v.get("roomKey").asText(), HEX.formatHex(hkdf(master, kdf.at("/info/roomKey").asText())));
            assertEquals(v.get("membershipKey").asText(),
                    HEX.formatHex(hkdf(master, kdf.at("/info/membershipKey").asText())));
            if (v.has("wordTyped")) {
                assertNotEquals(word, v.get("wordTyped").asText());
                assertArrayEquals(master, master(v.get("wordTyped").asText(), kdf), "NFC before PBKDF2");
            }
        }
    }

    @Test
    void box_aesGcmWithTheDocumentedNonceAndAad_givesTheDocumentedBox() throws Exception {
        final JsonNode v = vectors.get("box");
        final byte[] roomKey = hkdf(master(v.get("word").asText(), vectors.get("kdf")),
                vectors.at("/kdf/info/roomKey").asText());
        final byte[] aad = String.join("\n", "switchboard/v1/presence-box", v.get("roomId").asText(),
                v.get("senderId").asText()).getBytes(StandardCharsets.UTF_8);
        assertEquals(v.get("aad").asText(), new String(aad, StandardCharsets.UTF_8));
        final byte[] plaintext = HEX.parseHex(v.get("plaintext").asText());
        final byte[] nonce = HEX.parseHex(v.get("nonce").asText());
        assertEquals(12, nonce.length);

        final Cipher seal = Cipher.getInstance("AES/GCM/NoPadding");
        seal.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(roomKey, "AES"), new GCMParameterSpec(128, nonce));
        seal.updateAAD(aad);
        final byte[] sealed = seal.doFinal(plaintext);
        final byte[] box = new byte[nonce.length + sealed.length];
        System.arraycopy(nonce, 0, box, 0, nonce.length);
        System.arraycopy(sealed, 0, box, nonce.length, sealed.length);
        assertEquals(v.get("box").asText(), b64(box));

        final byte[] opened = open(roomKey, aad, Base64.getUrlDecoder().decode(v.get("box").asText()));
        assertArrayEquals(plaintext, opened);
        assertEquals(0, opened.length % 128, "padded to a multiple of 128 bytes");
        assertEquals("{\"name\":\"Ann\"}", new String(opened, StandardCharsets.UTF_8).strip());

        // Under another sender id (the AAD), the box does not open.
        final byte[] otherAad = String.join("\n", "switchboard/v1/presence-box", v.get("roomId").asText(),
                "bX2JqRk7QbYH3Wc1TnLq0o8xZkV2cNwE5sPa9fDgUhI").getBytes(StandardCharsets.UTF_8);
        assertThrows(GeneralSecurityException.class,
                () -> open(roomKey, otherAad, Base64.getUrlDecoder().decode(v.get("box").asText())));
    }

    @Test
    void mac_hmacSha256WithTheMembershipKey_givesTheDocumentedMacs() throws Exception {
        final JsonNode v = vectors.get("mac");
        final byte[] membershipKey = hkdf(master(v.get("word").asText(), vectors.get("kdf")),
                vectors.at("/kdf/info/membershipKey").asText());
        for (final JsonNode s : v.get("statements")) {
            final Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(membershipKey, "HmacSHA256"));
            final String statement = s.get("statement").asText();
            assertEquals(s.get("mac").asText(), b64(mac.doFinal(statement.getBytes(StandardCharsets.UTF_8))),
                    s.get("kind").asText());
            assertEquals(s.get("kind").asText().equals("hello") ? "switchboard/v1/hello"
                    : "switchboard/v1/session-description", statement.lines().findFirst().orElseThrow());
        }
    }

    private static byte[] master(final String word, final JsonNode kdf) throws GeneralSecurityException {
        return RoomSecrets.master(word, kdf.get("salt").asText(), kdf.get("iterations").asInt());
    }

    private static byte[] hkdf(final byte[] ikm, final String info) throws GeneralSecurityException {
        return RoomSecrets.hkdf(ikm, info);
    }

    private static byte[] open(final byte[] key, final byte[] aad, final byte[] box) throws GeneralSecurityException {
        final Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
        c.init(Cipher.DECRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, box, 0, 12));
        c.updateAAD(aad);
        return c.doFinal(box, 12, box.length - 12);
    }

    private static String b64(final byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
