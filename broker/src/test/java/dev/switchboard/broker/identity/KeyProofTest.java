package dev.switchboard.broker.identity;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class KeyProofTest {

    @Test
    void peerId_isBase64UrlSha256_43Chars() {
        // SHA-256("") = e3b0c442...; base64url without padding
        assertEquals("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", PeerIds.fromSpki(new byte[0]));
    }

    @Test
    void signedBytes_layout_contextZeroIdZeroChallenge() {
        final byte[] challenge = KeyProof.challenge(new byte[32], "n");
        assertEquals(33, challenge.length);
        final byte[] signed = KeyProof.signedBytes("id", challenge);
        final byte[] expected = ("switchboard/v1/connect\0id\0").getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(expected, Arrays.copyOf(signed, expected.length));
        assertArrayEquals(challenge, Arrays.copyOfRange(signed, expected.length, signed.length));
    }

    @Test
    void verify_honestRawSignature_true() {
        final KeyPair pair = KeyProof.generateKeyPair();
        final KeyProof.ValidKey key = assertInstanceOf(KeyProof.ValidKey.class,
                KeyProof.parsePublicKey(pair.getPublic().getEncoded()));
        final byte[] signed = KeyProof.signedBytes(key.peerId(),
                KeyProof.challenge(KeyProof.newNonce(), "node"));
        final byte[] sig = KeyProof.sign(pair.getPrivate(), signed);
        assertEquals(64, sig.length);
        assertTrue(KeyProof.verify(key.key(), signed, sig));
        // any change breaks it
        final byte[] flipped = sig.clone();
        flipped[10] ^= 1;
        assertFalse(KeyProof.verify(key.key(), signed, flipped));
        final byte[] otherBytes = signed.clone();
        otherBytes[otherBytes.length - 1] ^= 1;
        assertFalse(KeyProof.verify(key.key(), otherBytes, sig));
        assertFalse(KeyProof.verify(key.key(), signed, Arrays.copyOf(sig, 63)));
        assertFalse(KeyProof.verify(key.key(), signed, new byte[0]));
        assertFalse(KeyProof.verify(key.key(), signed, new byte[64]));
    }

    @Test
    void parsePublicKey_webCryptoStyleSpki_valid() {
        // A P-256 SPKI as WebCrypto exports it: SEQUENCE{ SEQUENCE{ id-ecPublicKey, prime256v1 },
        // BIT STRING 04||X||Y } (91 bytes). Header bytes per RFC 5480 §2.
        final KeyPair pair = KeyProof.generateKeyPair();
        final byte[] spki = pair.getPublic().getEncoded();
        assertEquals(91, spki.length);
        assertEquals("3059301306072a8648ce3d020106082a8648ce3d030107034200",
                HexFormat.of().formatHex(spki, 0, 26));
        assertInstanceOf(KeyProof.ValidKey.class, KeyProof.parsePublicKey(spki));
    }

    @Test
    void parsePublicKey_otherCurveOrJunk_invalidWithoutThrowing() throws Exception {
        final KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp384r1"));
        final byte[] p384 = gen.generateKeyPair().getPublic().getEncoded();
        assertTrue(((KeyProof.InvalidKey) KeyProof.parsePublicKey(p384)).reason().contains("P-256"));
        final KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(1024);
        assertInstanceOf(KeyProof.InvalidKey.class,
                KeyProof.parsePublicKey(rsa.generateKeyPair().getPublic().getEncoded()));
        assertInstanceOf(KeyProof.InvalidKey.class, KeyProof.parsePublicKey(new byte[0]));
        assertInstanceOf(KeyProof.InvalidKey.class, KeyProof.parsePublicKey(new byte[] {0x30}));
        // valid header, point not on the curve
        final byte[] bad = KeyProof.generateKeyPair().getPublic().getEncoded();
        bad[bad.length - 1] ^= 1;
        assertInstanceOf(KeyProof.InvalidKey.class, KeyProof.parsePublicKey(bad));
    }

    @Test
    void newNonce_fresh() {
        assertNotEquals(HexFormat.of().formatHex(KeyProof.newNonce()),
                HexFormat.of().formatHex(KeyProof.newNonce()));
    }
}
