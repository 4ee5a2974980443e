package dev.switchboard.node.tls;

import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.security.interfaces.ECPublicKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SelfSignedCertificatesTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    @Test
    void generate_localhostNames_hasServerProfile() throws Exception {
        final TlsIdentity identity = SelfSignedCertificates.generate(List.of("localhost", "Node.Example"),
                List.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName("::1")),
                Duration.ofDays(365), CLOCK);
        final X509Certificate cert = identity.certificate();

        assertEquals("SHA256withECDSA", cert.getSigAlgName());
        assertEquals(256, ((ECPublicKey) cert.getPublicKey()).getParams().getOrder().bitLength());
        assertEquals(-1, cert.getBasicConstraints(), "CA=false");
        assertTrue(cert.getCriticalExtensionOIDs().contains("2.5.29.19"), "basicConstraints critical");
        final boolean[] keyUsage = cert.getKeyUsage();
        assertTrue(keyUsage[0], "digitalSignature");
        for (int i = 1; i < keyUsage.length; i++) {
            assertTrue(!keyUsage[i], "only digitalSignature, bit " + i);
        }
        assertEquals(List.of("1.3.6.1.5.5.7.3.1"), cert.getExtendedKeyUsage());
        final Set<String> sans = cert.getSubjectAlternativeNames().stream()
                .map(san -> san.get(0) + "=" + san.get(1)).collect(Collectors.toSet());
        assertEquals(Set.of("2=localhost", "2=node.example", "7=127.0.0.1", "7=0:0:0:0:0:0:0:1"), sans);
        assertEquals(NOW.minus(SelfSignedCertificates.BACKDATE), cert.getNotBefore().toInstant());
        assertEquals(NOW.plus(Duration.ofDays(365)), cert.getNotAfter().toInstant());
        assertArrayEquals(cert.getSubjectX500Principal().getEncoded(), cert.getIssuerX500Principal().getEncoded());
        cert.verify(cert.getPublicKey());
        assertEquals("EC", identity.privateKey().getAlgorithm());
    }

    @Test
    void generate_twice_differentKeysAndSerials() {
        final TlsIdentity a = SelfSignedCertificates.generate(List.of("localhost"), List.of(), Duration.ofDays(1), CLOCK);
        final TlsIdentity b = SelfSignedCertificates.generate(List.of("localhost"), List.of(), Duration.ofDays(1), CLOCK);
        assertTrue(!a.sha256Fingerprint().equals(b.sha256Fingerprint()));
        assertTrue(!a.certificate().getSerialNumber().equals(b.certificate().getSerialNumber()));
        assertTrue(a.certificate().getSerialNumber().signum() > 0);
    }

    @Test
    void generate_invalidDnsName_throwsNamingIt() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SelfSignedCertificates.generate(List.of("bad name"), List.of(), Duration.ofDays(1), CLOCK));
        assertTrue(e.getMessage().contains("'bad name'"), e.getMessage());
    }

    @Test
    void generate_noNames_throws() {
        assertThrows(IllegalArgumentException.class,
                () -> SelfSignedCertificates.generate(List.of(), List.of(), Duration.ofDays(1), CLOCK));
    }
}
