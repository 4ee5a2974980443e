package dev.switchboard.node.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CertificateStoreTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @TempDir
    Path dataDir;

    private static List<InetAddress> loopback() throws Exception {
        return List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1"));
    }

    private TlsIdentity loadOrCreate(final List<String> dnsNames, final Instant now) throws Exception {
        return CertificateStore.loadOrCreateSelfSigned(dataDir, dnsNames, loopback(), Duration.ofDays(365),
                Clock.fixed(now, ZoneOffset.UTC));
    }

    @Test
    void loadOrCreate_firstStart_writesPemFilesKeyOwnerOnly() throws Exception {
        final TlsIdentity identity = loadOrCreate(List.of("localhost"), NOW);

        final Path cert = dataDir.resolve("tls").resolve(CertificateStore.CERT_FILE);
        final Path key = dataDir.resolve("tls").resolve(CertificateStore.KEY_FILE);
        assertTrue(Files.readString(cert, StandardCharsets.US_ASCII).startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertTrue(Files.readString(key, StandardCharsets.US_ASCII).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        if (Files.getFileStore(key).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        }
        try (var files = Files.list(dataDir.resolve("tls"))) {
            assertEquals(2, files.count(), "no temp files left behind");
        }
        assertEquals(identity.sha256Fingerprint(), PemFiles.load(cert, key).sha256Fingerprint());
    }

    @Test
    void loadOrCreate_secondStart_reusesSameFingerprint() throws Exception {
        final TlsIdentity first = loadOrCreate(List.of("localhost"), NOW);
        final TlsIdentity second = loadOrCreate(List.of("LOCALHOST"), NOW.plus(Duration.ofDays(100)));
        assertEquals(first.sha256Fingerprint(), second.sha256Fingerprint());
        assertEquals(first.privateKey(), second.privateKey());
    }

    @Test
    void loadOrCreate_newHostName_replacesCertificate() throws Exception {
        final TlsIdentity first = loadOrCreate(List.of("localhost"), NOW);
        final TlsIdentity second = loadOrCreate(List.of("localhost", "node.example"), NOW);
        assertNotEquals(first.sha256Fingerprint(), second.sha256Fingerprint());
        assertEquals(second.sha256Fingerprint(), loadOrCreate(List.of("node.example"), NOW).sha256Fingerprint());
    }

    @Test
    void loadOrCreate_nearExpiry_replacesCertificate() throws Exception {
        final TlsIdentity first = loadOrCreate(List.of("localhost"), NOW);
        final TlsIdentity renewed = loadOrCreate(List.of("localhost"), NOW.plus(Duration.ofDays(340)));
        assertNotEquals(first.sha256Fingerprint(), renewed.sha256Fingerprint());
    }

    @Test
    void loadOrCreate_corruptStoredCertificate_failsNamingFile() throws Exception {
        loadOrCreate(List.of("localhost"), NOW);
        final Path cert = dataDir.resolve("tls").resolve(CertificateStore.CERT_FILE);
        Files.writeString(cert, "garbage\n");
        final TlsException e = assertThrows(TlsException.class, () -> loadOrCreate(List.of("localhost"), NOW));
        assertTrue(e.getMessage().contains(cert.toString()), e.getMessage());
    }

    @Test
    void writeBrokerKeystore_roundTrip_loadsWithKeyStore() throws Exception {
        final TlsIdentity identity = loadOrCreate(List.of("localhost"), NOW);
        final Pkcs12Keystore keystore = CertificateStore.writeBrokerKeystore(dataDir, identity);

        assertTrue(keystore.path().isAbsolute());
        assertTrue(keystore.password().length() >= 32);
        assertTrue(!keystore.toString().contains(keystore.password()));
        if (Files.getFileStore(keystore.path()).supportsFileAttributeView("posix")) {
            assertEquals("rw-------",
                    PosixFilePermissions.toString(Files.getPosixFilePermissions(keystore.path())));
        }
        // HiveMQ loads it with the JDK default type ("pkcs12" since JDK 9)
        for (final String type : List.of("PKCS12", KeyStore.getDefaultType())) {
            final KeyStore store = KeyStore.getInstance(type);
            try (var in = Files.newInputStream(keystore.path())) {
                store.load(in, keystore.password().toCharArray());
            }
            assertEquals(identity.privateKey(),
                    store.getKey(Pkcs12Keystore.ALIAS, keystore.privateKeyPassword().toCharArray()));
            assertEquals(identity.certificate(), store.getCertificate(Pkcs12Keystore.ALIAS));
        }

        final Pkcs12Keystore again = CertificateStore.writeBrokerKeystore(dataDir, identity);
        assertNotEquals(keystore.password(), again.password(), "fresh password each start");
    }
}
