package dev.switchboard.node.tls;

import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.ASN1Sequence;
import org.bouncycastle.asn1.pkcs.AuthenticatedSafe;
import org.bouncycastle.asn1.pkcs.ContentInfo;
import org.bouncycastle.asn1.pkcs.EncryptedPrivateKeyInfo;
import org.bouncycastle.asn1.pkcs.PBES2Parameters;
import org.bouncycastle.asn1.pkcs.PBKDF2Params;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.Pfx;
import org.bouncycastle.asn1.pkcs.SafeBag;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeystoreDefaultsTest {

    private final Map<String, String> saved = new HashMap<>();

    @BeforeEach
    void clearProperties() {
        for (final String name : KeystoreDefaults.LIGHT.keySet()) {
            saved.put(name, System.getProperty(name));
            System.clearProperty(name);
        }
    }

    @AfterEach
    void restoreProperties() {
        saved.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }

    private static TlsIdentity fresh() throws Exception {
        return SelfSignedCertificates.generate(List.of("localhost"), List.of(InetAddress.getByName("127.0.0.1")),
                Duration.ofDays(1), Clock.systemUTC());
    }

    /** What protects a PKCS#12 file: the MAC's iterations, whether certificates are encrypted, the key's iterations. */
    private record Protection(int macIterations, boolean certificatesEncrypted, List<Integer> keyIterations) {
    }

    private static Protection protectionOf(final Path file) throws IOException {
        final Pfx pfx = Pfx.getInstance(Files.readAllBytes(file));
        final AuthenticatedSafe safe = AuthenticatedSafe.getInstance(
                ASN1OctetString.getInstance(pfx.getAuthSafe().getContent()).getOctets());
        boolean encrypted = false;
        final List<Integer> keyIterations = new ArrayList<>();
        for (final ContentInfo info : safe.getContentInfo()) {
            if (info.getContentType().equals(PKCSObjectIdentifiers.encryptedData)) {
                encrypted = true; // RFC 7292 §4.1: only the certificate bags are written as encryptedData
                continue;
            }
            final ASN1Sequence bags = ASN1Sequence.getInstance(ASN1OctetString.getInstance(info.getContent()).getOctets());
            for (int i = 0; i < bags.size(); i++) {
                final SafeBag bag = SafeBag.getInstance(bags.getObjectAt(i));
                if (bag.getBagId().equals(PKCSObjectIdentifiers.pkcs8ShroudedKeyBag)) {
                    final EncryptedPrivateKeyInfo key = EncryptedPrivateKeyInfo.getInstance(bag.getBagValue());
                    final PBES2Parameters pbes2 = PBES2Parameters.getInstance(key.getEncryptionAlgorithm().getParameters());
                    keyIterations.add(PBKDF2Params.getInstance(pbes2.getKeyDerivationFunc().getParameters())
                            .getIterationCount().intValueExact());
                }
            }
        }
        return new Protection(pfx.getMacData().getIterationCount().intValueExact(), encrypted, keyIterations);
    }

    @Test
    void applyUnlessSet_noneSet_keystoresWrittenAfterAreLightlyProtected_andStillChecked(@TempDir final Path dir)
            throws Exception {
        final TlsIdentity identity = fresh();
        final Protection before = protectionOf(identity.writePkcs12(dir.resolve("before.p12")).path());
        assertEquals(new Protection(10_000, true, List.of(10_000)), before, "the JDK's defaults");

        assertEquals(List.copyOf(KeystoreDefaults.LIGHT.keySet()), KeystoreDefaults.applyUnlessSet());
        final Pkcs12Keystore light = identity.writePkcs12(dir.resolve("light.p12"));
        assertEquals(new Protection(1, false, List.of(1)), protectionOf(light.path()));

        // Still a keystore HiveMQ can read with its password, and one it refuses with another.
        final KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(light.path())) {
            store.load(in, light.password().toCharArray());
        }
        assertArrayEquals(identity.privateKey().getEncoded(),
                store.getKey(Pkcs12Keystore.ALIAS, light.privateKeyPassword().toCharArray()).getEncoded());
        assertEquals(identity.certificate(), store.getCertificate(Pkcs12Keystore.ALIAS));
        final KeyStore other = KeyStore.getInstance("PKCS12");
        assertThrows(IOException.class, () -> {
            try (InputStream in = Files.newInputStream(light.path())) {
                other.load(in, "not-the-password".toCharArray());
            }
        });
    }

    @Test
    void applyUnlessSet_operatorSetOne_keepsItAndSetsTheOthers(@TempDir final Path dir) throws Exception {
        System.setProperty("keystore.pkcs12.macIterationCount", "5000");

        final List<String> set = KeystoreDefaults.applyUnlessSet();

        assertEquals(List.of("keystore.pkcs12.keyPbeIterationCount", "keystore.pkcs12.certProtectionAlgorithm"), set);
        assertEquals("5000", System.getProperty("keystore.pkcs12.macIterationCount"));
        final Protection p = protectionOf(fresh().writePkcs12(dir.resolve("k.p12")).path());
        assertEquals(new Protection(5000, false, List.of(1)), p);
    }
}
