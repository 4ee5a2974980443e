package dev.switchboard.node.identity;

import dev.switchboard.broker.identity.KeyProof;
import dev.switchboard.broker.identity.PeerIds;
import dev.switchboard.node.storage.SecureFiles;
import org.jetbrains.annotations.NotNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Objects;

/**
 * The node's own identity: an ECDSA P-256 key pair, kept in the data directory as
 * {@code node-key.pem} (PKCS#8, owner-only permissions) and created on first start. The node id
 * is derived exactly like a browser's peer id: base64url without padding of SHA-256 over the
 * public key's SubjectPublicKeyInfo DER bytes. Browsers see it in the CONNECT challenge; other
 * nodes authenticate this node by it.
 *
 * <p>Immutable and thread-safe.
 */
public final class NodeKey {

    private static final String FILE = "node-key.pem";
    private static final String PEM_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String PEM_END = "-----END PRIVATE KEY-----";

    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final String id;

    private NodeKey(final PrivateKey privateKey, final PublicKey publicKey) {
        this.privateKey = privateKey;
        this.publicKey = publicKey;
        this.id = PeerIds.fromSpki(publicKey.getEncoded());
    }

    /**
     * Loads the node key from {@code dataDir/node-key.pem}, creating and storing a new one if the
     * file does not exist.
     *
     * @param dataDir the node's data directory; created if missing.
     * @return the key.
     * @throws IOException if the file cannot be read or written, or holds no valid P-256 key.
     */
    public static @NotNull NodeKey loadOrCreate(final @NotNull Path dataDir) throws IOException {
        Objects.requireNonNull(dataDir, "dataDir");
        final Path file = dataDir.resolve(FILE);
        try {
            return fromPem(Files.readString(file, StandardCharsets.US_ASCII), file);
        } catch (final NoSuchFileException e) {
            final NodeKey key = generate();
            SecureFiles.writeAtomically(file, key.toPem().getBytes(StandardCharsets.US_ASCII), true);
            return key;
        }
    }

    /** @return a fresh key that is not stored anywhere (for tests and tools). */
    public static @NotNull NodeKey generate() {
        final KeyPair pair = KeyProof.generateKeyPair();
        return new NodeKey(pair.getPrivate(), pair.getPublic());
    }

    /** @return the node id (43 characters of base64url). */
    public @NotNull String id() {
        return id;
    }

    /** @return the public key's SubjectPublicKeyInfo DER bytes (a fresh copy). */
    public byte @NotNull [] spki() {
        return publicKey.getEncoded();
    }

    /** @return the public key. */
    public @NotNull PublicKey publicKey() {
        return publicKey;
    }

    /**
     * Signs with ECDSA P-256 / SHA-256 and returns the raw r‖s form (64 bytes) that WebCrypto
     * produces and the broker's challenge-response expects.
     *
     * @param data the bytes to sign.
     * @return the 64-byte signature.
     */
    public byte @NotNull [] signRaw(final byte @NotNull [] data) {
        return KeyProof.sign(privateKey, data);
    }

    /**
     * The node's TLS identity for federation: a self-signed X.509 certificate over this key
     * (ECDSA P-256, SHA256withECDSA; subject {@code CN=<node id>}; extendedKeyUsage serverAuth and
     * clientAuth, RFC 5280 §4.2.1.12; valid from an hour ago for ten years), so that a node's id is
     * the hash of the key in its certificate ({@link PeerIds#fromSpki}). Made fresh on each call
     * (the signature is randomised); other nodes trust the key, not the certificate.
     *
     * @return the certificate and this key's private half.
     */
    public @NotNull dev.switchboard.node.tls.TlsIdentity tlsIdentity() {
        final java.time.Instant now = java.time.Instant.now();
        try {
            final org.bouncycastle.asn1.x500.X500Name subject = new org.bouncycastle.asn1.x500.X500NameBuilder(
                    org.bouncycastle.asn1.x500.style.BCStyle.INSTANCE)
                    .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.O, "Switchboard node")
                    .addRDN(org.bouncycastle.asn1.x500.style.BCStyle.CN, id)
                    .build();
            final java.math.BigInteger serial = new java.math.BigInteger(127, new java.security.SecureRandom())
                    .add(java.math.BigInteger.ONE);
            final org.bouncycastle.cert.X509v3CertificateBuilder builder =
                    new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(subject, serial,
                            java.util.Date.from(now.minus(java.time.Duration.ofHours(1))),
                            java.util.Date.from(now.plus(java.time.Duration.ofDays(3650))), subject, publicKey)
                    .addExtension(org.bouncycastle.asn1.x509.Extension.basicConstraints, true,
                            new org.bouncycastle.asn1.x509.BasicConstraints(false))
                    .addExtension(org.bouncycastle.asn1.x509.Extension.keyUsage, true,
                            new org.bouncycastle.asn1.x509.KeyUsage(org.bouncycastle.asn1.x509.KeyUsage.digitalSignature))
                    .addExtension(org.bouncycastle.asn1.x509.Extension.extendedKeyUsage, false,
                            new org.bouncycastle.asn1.x509.ExtendedKeyUsage(new org.bouncycastle.asn1.x509.KeyPurposeId[] {
                                org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_serverAuth,
                                org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth}));
            final java.security.cert.X509Certificate certificate =
                    new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(builder.build(
                            new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withECDSA").build(privateKey)));
            return new dev.switchboard.node.tls.TlsIdentity(java.util.List.of(certificate), privateKey);
        } catch (final GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException
                       | org.bouncycastle.cert.CertIOException e) {
            throw new IllegalStateException("cannot make the node certificate", e); // every JDK 17 has P-256
        }
    }

    private String toPem() {
        return PEM_BEGIN + "\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(privateKey.getEncoded())
                + "\n" + PEM_END + "\n";
    }

    private static NodeKey fromPem(final String pem, final Path file) throws IOException {
        final int b = pem.indexOf(PEM_BEGIN);
        final int e = pem.indexOf(PEM_END);
        if (b < 0 || e < b) {
            throw new IOException(file + ": not a PEM 'PRIVATE KEY'");
        }
        try {
            final byte[] der = Base64.getMimeDecoder().decode(pem.substring(b + PEM_BEGIN.length(), e));
            final KeyFactory kf = KeyFactory.getInstance("EC");
            final PrivateKey priv = kf.generatePrivate(new PKCS8EncodedKeySpec(der));
            if (!(priv instanceof ECPrivateKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
                throw new IOException(file + ": the node key must be an EC P-256 key");
            }
            return new NodeKey(priv, publicFrom(ec, kf));
        } catch (final IllegalArgumentException | GeneralSecurityException ex) {
            throw new IOException(file + ": cannot read the node key: " + ex.getMessage(), ex);
        }
    }

    /**
     * Recomputes the public point Q = d·G (SEC 1 §3.2.1) with BouncyCastle's arithmetic for P-256
     * (secp256r1, SEC 2 §2.4.2) and the generator of the key's own parameters. Its class for that one
     * curve, not its table of every named curve: that table's classes (about 70 more, loaded at
     * every restart and kept for the run) cost about 0.7 MB of resident memory (docs/performance.md,
     * "Footprint, sixth round").
     *
     * @throws GeneralSecurityException if the key's curve is not P-256
     */
    private static PublicKey publicFrom(final ECPrivateKey priv, final KeyFactory kf) throws GeneralSecurityException {
        final java.security.spec.ECParameterSpec params = priv.getParams();
        final org.bouncycastle.math.ec.custom.sec.SecP256R1Curve curve =
                new org.bouncycastle.math.ec.custom.sec.SecP256R1Curve();
        if (!(params.getCurve().getField() instanceof java.security.spec.ECFieldFp field)
                || !field.getP().equals(curve.getQ()) || !params.getOrder().equals(curve.getOrder())
                || !params.getCurve().getA().equals(curve.getA().toBigInteger())
                || !params.getCurve().getB().equals(curve.getB().toBigInteger())) {
            throw new GeneralSecurityException("the key's curve is not P-256");
        }
        final org.bouncycastle.math.ec.ECPoint g = curve.validatePoint(
                params.getGenerator().getAffineX(), params.getGenerator().getAffineY());
        final org.bouncycastle.math.ec.ECPoint q = g.multiply(priv.getS()).normalize();
        final java.security.spec.ECPoint w = new java.security.spec.ECPoint(
                q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
        return kf.generatePublic(new java.security.spec.ECPublicKeySpec(w, priv.getParams()));
    }

    @Override
    public @NotNull String toString() {
        return "NodeKey[" + id + "]";
    }
}
