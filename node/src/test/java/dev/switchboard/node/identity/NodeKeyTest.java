package dev.switchboard.node.identity;

import dev.switchboard.broker.identity.KeyProof;
import dev.switchboard.broker.identity.PeerIds;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeKeyTest {

    @Test
    void loadOrCreate_firstAndSecondStart_sameOwnerOnlyKey(@TempDir final Path dir) throws Exception {
        final Path dataDir = dir.resolve("data");
        final NodeKey first = NodeKey.loadOrCreate(dataDir);
        final Path file = dataDir.resolve("node-key.pem");
        assertTrue(Files.readString(file).startsWith("-----BEGIN PRIVATE KEY-----"));
        if (Files.getFileStore(file).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        }
        final NodeKey again = NodeKey.loadOrCreate(dataDir);
        assertEquals(first.id(), again.id());
        assertEquals(PeerIds.fromSpki(first.spki()), first.id());
    }

    @Test
    void signRaw_rawSignature_verifiesLikeABrowserSignInAtTheBroker() {
        final NodeKey key = NodeKey.generate();
        final byte[] challenge = KeyProof.challenge(KeyProof.newNonce(), "some-node");
        final byte[] signed = KeyProof.signedBytes(key.id(), challenge);
        final byte[] signature = key.signRaw(signed);
        assertEquals(64, signature.length);
        assertTrue(KeyProof.verify(key.publicKey(), signed, signature));
    }

    @Test
    void loadOrCreate_keyOnAnotherCurve_refusedByName(@TempDir final Path dir) throws Exception {
        final java.security.KeyPairGenerator generator = java.security.KeyPairGenerator.getInstance("EC");
        generator.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
        final byte[] pkcs8 = generator.generateKeyPair().getPrivate().getEncoded();
        Files.writeString(dir.resolve("node-key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(pkcs8)
                + "\n-----END PRIVATE KEY-----\n", StandardCharsets.US_ASCII);
        final IOException e = assertThrows(IOException.class, () -> NodeKey.loadOrCreate(dir));
        assertTrue(e.getMessage().contains("node-key.pem") && e.getMessage().contains("P-256"), e.getMessage());
    }

    @Test
    void loadOrCreate_corruptFile_namesTheFile(@TempDir final Path dir) throws Exception {
        Files.writeString(dir.resolve("node-key.pem"), "not a key", StandardCharsets.US_ASCII);
        final IOException e = assertThrows(IOException.class, () -> NodeKey.loadOrCreate(dir));
        assertTrue(e.getMessage().contains("node-key.pem"), e.getMessage());
    }
}
