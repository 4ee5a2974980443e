package dev.switchboard.node.tls;

import io.netty.handler.ssl.SslContext;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlsIdentityTest {

    private static TlsIdentity fresh() throws Exception {
        return SelfSignedCertificates.generate(List.of("localhost"), List.of(InetAddress.getByName("127.0.0.1")),
                Duration.ofDays(1), Clock.systemUTC());
    }

    @Test
    void sha256Fingerprint_any_isColonSeparatedUppercaseHexOfDer() throws Exception {
        final TlsIdentity identity = fresh();
        final String fingerprint = identity.sha256Fingerprint();
        assertTrue(fingerprint.matches("[0-9A-F]{2}(:[0-9A-F]{2}){31}"), fingerprint);
        final byte[] digest = MessageDigest.getInstance("SHA-256").digest(identity.certificate().getEncoded());
        assertEquals(HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest), fingerprint);
    }

    @Test
    void toString_any_showsFingerprintNotKey() throws Exception {
        final TlsIdentity identity = fresh();
        assertTrue(identity.toString().contains(identity.sha256Fingerprint()));
        assertFalse(identity.toString().toLowerCase().contains("private"));
    }

    @Test
    void newServerSslContext_ecIdentity_isServerContext() throws Exception {
        final SslContext context = fresh().newServerSslContext();
        assertTrue(context.isServer());
        // the JDK's TLS: Netty made no BouncyCastle provider of its own (NettyBouncyCastle)
        assertFalse(io.netty.handler.ssl.util.BouncyCastleUtil.isBcProvAvailable());
    }
}
