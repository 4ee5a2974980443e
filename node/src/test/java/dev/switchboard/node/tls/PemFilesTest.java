package dev.switchboard.node.tls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PemFilesTest {

    @TempDir
    Path dir;

    private static TlsIdentity fresh() throws Exception {
        return SelfSignedCertificates.generate(List.of("localhost"), List.of(InetAddress.getByName("127.0.0.1")),
                Duration.ofDays(1), Clock.systemUTC());
    }

    private Path write(final String name, final String content) throws Exception {
        final Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        return file;
    }

    @Test
    void load_ownPkcs8AndChain_roundTrips() throws Exception {
        final TlsIdentity leaf = fresh();
        final TlsIdentity other = fresh();
        final Path cert = write("chain.pem", PemFiles.certificatesToPem(
                List.of(leaf.certificate(), other.certificate())));
        final Path key = write("key.pem", PemFiles.privateKeyToPem(leaf.privateKey()));

        final TlsIdentity loaded = PemFiles.load(cert, key);

        assertEquals(leaf.sha256Fingerprint(), loaded.sha256Fingerprint());
        assertEquals(2, loaded.chain().size());
        assertEquals(leaf.privateKey(), loaded.privateKey());
    }

    @Test
    void load_mismatchedKey_failsNamingBothFiles() throws Exception {
        final Path cert = write("cert.pem", PemFiles.certificatesToPem(fresh().chain()));
        final Path key = write("key.pem", PemFiles.privateKeyToPem(fresh().privateKey()));
        final TlsException e = assertThrows(TlsException.class, () -> PemFiles.load(cert, key));
        assertTrue(e.getMessage().contains("does not match"), e.getMessage());
        assertTrue(e.getMessage().contains(cert.toString()) && e.getMessage().contains(key.toString()));
    }

    @Test
    void load_missingFile_failsSayingSo() throws Exception {
        final Path key = write("key.pem", PemFiles.privateKeyToPem(fresh().privateKey()));
        final Path missing = dir.resolve("nope.pem");
        final TlsException e = assertThrows(TlsException.class, () -> PemFiles.load(missing, key));
        assertEquals("certificate file " + missing + " does not exist", e.getMessage());
    }

    @Test
    void readCertificates_notPem_failsSayingSo() throws Exception {
        final Path file = dir.resolve("cert.der");
        Files.write(file, fresh().certificate().getEncoded());
        final TlsException e = assertThrows(TlsException.class, () -> PemFiles.readCertificates(file));
        assertTrue(e.getMessage().contains("no PEM certificate") || e.getMessage().contains("not a readable PEM"),
                e.getMessage());
    }

    @Test
    void readPrivateKey_onlyCertificateInFile_failsSayingSo() throws Exception {
        final Path file = write("cert.pem", PemFiles.certificatesToPem(fresh().chain()));
        final TlsException e = assertThrows(TlsException.class, () -> PemFiles.readPrivateKey(file));
        assertTrue(e.getMessage().contains("contains no PEM private key"), e.getMessage());
    }

    @Test
    void readPrivateKey_truncatedBlock_failsWithoutKeyMaterialInMessage() throws Exception {
        final Path file = write("key.pem", "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n");
        final TlsException e = assertThrows(TlsException.class, () -> PemFiles.readPrivateKey(file));
        assertTrue(e.getMessage().startsWith("private key file " + file), e.getMessage());
    }

    // ---- keys made by OpenSSL (skipped when the openssl binary is missing; no network needed)

    @Test
    void load_opensslSec1EcKey_loads() throws Exception {
        assumeTrue(openssl("version"));
        final Path key = dir.resolve("ec.pem");
        final Path cert = dir.resolve("ec-cert.pem");
        assertTrue(openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key.toString()));
        assertTrue(Files.readString(key).contains("BEGIN EC PRIVATE KEY"));
        assertTrue(selfSign(key, cert));
        final TlsIdentity identity = PemFiles.load(cert, key);
        assertEquals("EC", identity.privateKey().getAlgorithm());
        assertEquals(opensslFingerprint(cert), identity.sha256Fingerprint());
    }

    @Test
    void load_opensslRsaPkcs1AndPkcs8Keys_load() throws Exception {
        assumeTrue(openssl("version"));
        final Path pkcs1 = dir.resolve("rsa1.pem");
        final Path pkcs8 = dir.resolve("rsa8.pem");
        final Path cert = dir.resolve("rsa-cert.pem");
        assertTrue(openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", pkcs8.toString()));
        assertTrue(openssl("pkey", "-in", pkcs8.toString(), "-traditional", "-out", pkcs1.toString()));
        assertTrue(Files.readString(pkcs1).contains("BEGIN RSA PRIVATE KEY"));
        assertTrue(Files.readString(pkcs8).contains("BEGIN PRIVATE KEY"));
        assertTrue(selfSign(pkcs8, cert));
        assertEquals("RSA", PemFiles.load(cert, pkcs1).privateKey().getAlgorithm());
        assertEquals(PemFiles.load(cert, pkcs1).privateKey(), PemFiles.load(cert, pkcs8).privateKey());
        PemFiles.load(cert, pkcs8).newServerSslContext();
    }

    @Test
    void readPrivateKey_opensslEncryptedKey_failsSayingEncrypted() throws Exception {
        assumeTrue(openssl("version"));
        final Path plain = dir.resolve("ec.pem");
        final Path encrypted = dir.resolve("enc.pem");
        assertTrue(openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", plain.toString()));
        assertTrue(openssl("pkcs8", "-topk8", "-in", plain.toString(), "-out", encrypted.toString(),
                "-passout", "pass:secret"));
        final TlsException e = assertThrows(TlsException.class, () -> PemFiles.readPrivateKey(encrypted));
        assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    }

    private boolean selfSign(final Path key, final Path cert) throws Exception {
        return openssl("req", "-x509", "-new", "-key", key.toString(), "-subj", "/CN=localhost", "-days", "2",
                "-out", cert.toString());
    }

    private String opensslFingerprint(final Path cert) throws Exception {
        final Path out = dir.resolve("fp.txt");
        assertTrue(openssl("x509", "-in", cert.toString(), "-noout", "-fingerprint", "-sha256", "-out", out.toString()));
        final String line = Files.readString(out).trim();
        return line.substring(line.indexOf('=') + 1);
    }

    private boolean openssl(final String... args) {
        final List<String> command = new ArrayList<>();
        command.add("openssl");
        command.addAll(List.of(args));
        try {
            final Process process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("openssl.log").toFile())
                    .start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return false;
            }
            return process.exitValue() == 0;
        } catch (final Exception e) {
            return false;
        }
    }
}
