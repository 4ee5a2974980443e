package dev.switchboard.node.callee;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The documented example of the caller's sealed name ({@code docs/protocol.md} §5.1 "Callee
 * calls", {@code docs/vectors/callbox.json}) recomputed with the JDK's own crypto (ECDH P-256,
 * HKDF-SHA-256 per RFC 5869, AES-256-GCM): the same bytes the web client's WebCrypto test checks,
 * so a client written from the document alone interoperates.
 */
class CallBoxVectorsTest {

    private static final HexFormat HEX = HexFormat.of();

    private static JsonNode vectors() throws Exception {
        Path p = Path.of("docs/vectors/callbox.json");
        if (!Files.exists(p)) {
            p = Path.of("../docs/vectors/callbox.json");
        }
        return JsonMapper.builder().build().readTree(Files.readString(p));
    }

    private static byte[] b64(final String s) {
        return Base64.getUrlDecoder().decode(s);
    }

    /** RFC 5869 §2.2-2.3 with salt = none (HashLen zero bytes) and L = 32 (one block). */
    private static byte[] hkdf(final byte[] ikm, final byte[] info) throws Exception {
        final Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
        final byte[] prk = mac.doFinal(ikm);
        mac.init(new SecretKeySpec(prk, "HmacSHA256"));
        mac.update(info);
        mac.update((byte) 1);
        return mac.doFinal();
    }

    @Test
    void callBox_documentedExample_jdkGivesTheSameSharedSecretKeyAndBox() throws Exception {
        final JsonNode v = vectors();
        final KeyFactory ec = KeyFactory.getInstance("EC");
        final PrivateKey eph = ec.generatePrivate(new PKCS8EncodedKeySpec(b64(v.get("ephemeralPrivatePkcs8").asText())));
        final PrivateKey callee = ec.generatePrivate(new PKCS8EncodedKeySpec(b64(v.get("calleePrivatePkcs8").asText())));
        final PublicKey epk = ec.generatePublic(new X509EncodedKeySpec(b64(v.get("epk").asText())));
        // the caller's view: the callee's public point from the caller URL, as an SPKI
        final byte[] raw = b64(v.get("calleePublicRaw").asText());
        assertEquals(65, raw.length, "uncompressed P-256 point");
        final byte[] spkiPrefix = Arrays.copyOf(b64(v.get("epk").asText()), 26); // same curve, same 26-byte header
        final byte[] calleeSpki = new byte[91];
        System.arraycopy(spkiPrefix, 0, calleeSpki, 0, 26);
        System.arraycopy(raw, 0, calleeSpki, 26, 65);
        final PublicKey calleePublic = ec.generatePublic(new X509EncodedKeySpec(calleeSpki));

        final KeyAgreement caller = KeyAgreement.getInstance("ECDH");
        caller.init(eph);
        caller.doPhase(calleePublic, true);
        final byte[] shared = caller.generateSecret();
        final KeyAgreement receiver = KeyAgreement.getInstance("ECDH");
        receiver.init(callee);
        receiver.doPhase(epk, true);
        assertArrayEquals(shared, receiver.generateSecret(), "both sides agree");
        assertEquals(v.get("shared").asText(), HEX.formatHex(shared));

        final String info = v.get("callId").asText().isEmpty() ? "" : "switchboard/v1/call-box\n" + v.get("callId").asText()
                + "\n" + v.get("callerId").asText() + "\n" + v.get("calleeId").asText();
        assertEquals(v.get("info").asText(), info);
        final byte[] key = hkdf(shared, info.getBytes(StandardCharsets.UTF_8));
        assertEquals(v.get("key").asText(), HEX.formatHex(key));

        final byte[] nonce = HEX.parseHex(v.get("nonce").asText());
        final byte[] content = "{\"name\":\"Ann\"}".getBytes(StandardCharsets.UTF_8);
        final byte[] plaintext = new byte[128];
        Arrays.fill(plaintext, (byte) ' ');
        System.arraycopy(content, 0, plaintext, 0, content.length);
        final Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
        gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
        gcm.updateAAD(info.getBytes(StandardCharsets.UTF_8));
        final byte[] sealed = gcm.doFinal(plaintext);
        final byte[] box = new byte[nonce.length + sealed.length];
        System.arraycopy(nonce, 0, box, 0, nonce.length);
        System.arraycopy(sealed, 0, box, nonce.length, sealed.length);
        assertEquals(v.get("box").asText(), Base64.getUrlEncoder().withoutPadding().encodeToString(box));
        assertTrue(v.get("box").asText().length() <= 1024, "fits the node's box shape");
    }
}
