package dev.switchboard.broker;

import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import dev.switchboard.broker.identity.KeyProof;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.TrustManagerFactory;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** WSS and MQTT over TLS with a PKCS12 keystore, as the node hands it over. */
class TlsWebSocketIT {

    @TempDir
    Path dir;

    @Test
    void tlsListeners_honestClient_connectsOverWssAndTls() throws Exception {
        final char[] password = "changeit".toCharArray();
        final KeyPair keys = KeyProof.generateKeyPair();
        final X500Name name = new X500Name("CN=localhost");
        final X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                new JcaX509v3CertificateBuilder(name, BigInteger.ONE,
                        Date.from(Instant.now().minus(1, ChronoUnit.DAYS)),
                        Date.from(Instant.now().plus(1, ChronoUnit.DAYS)), name, keys.getPublic())
                        .build(new JcaContentSignerBuilder("SHA256withECDSA")
                                .build(keys.getPrivate())));
        final KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("server", keys.getPrivate(), password, new Certificate[] {cert});
        final Path p12 = dir.resolve("server.p12");
        try (OutputStream out = Files.newOutputStream(p12)) {
            store.store(out, password);
        }
        final KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", cert);
        final TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);

        final BrokerSettings.Tls tls = new BrokerSettings.Tls(p12, "changeit");
        try (EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.builder()
                .tcpBindAddress(InetAddress.getLoopbackAddress()).tcpPort(0).tcpTls(tls)
                .webSocketBindAddress(InetAddress.getLoopbackAddress()).webSocketPort(0).webSocketTls(tls)
                .workFolder(dir.resolve("work")).build())) {
            broker.start();
            // TLS is the JDK's: Netty made no BouncyCastle provider of its own (NettyBouncyCastle)
            assertFalse(io.netty.handler.ssl.util.BouncyCastleUtil.isBcProvAvailable());
            try (TestPeer wss = new TestPeer(); TestPeer mqtts = new TestPeer()) {
                final Mqtt5ConnAck viaWss = wss.tryConnect(wss.builder(broker.webSocketPort())
                                .sslConfig().trustManagerFactory(tmf)
                                .hostnameVerifier((host, session) -> true).applySslConfig()
                                .webSocketConfig().serverPath("mqtt").applyWebSocketConfig(),
                        wss.id, KeyProof.METHOD, wss.spki, TestPeer.HONEST);
                assertFalse(viaWss.getReasonCode().isError());
                assertEquals(1, wss.subscribe(wss.inbox()));
                final Mqtt5ConnAck viaTls = mqtts.tryConnect(mqtts.builder(broker.tcpPort())
                                .sslConfig().trustManagerFactory(tmf)
                                .hostnameVerifier((host, session) -> true).applySslConfig(),
                        mqtts.id, KeyProof.METHOD, mqtts.spki, TestPeer.HONEST);
                assertFalse(viaTls.getReasonCode().isError());
                assertEquals(0, mqtts.publish(wss.inbox(), "{\"v\":1,\"type\":\"hi\"}").code());
                assertEquals(java.util.List.of(mqtts.id),
                        TestPeer.senders(wss.next(wss.inbox())));
            }
        }
    }
}
