package dev.switchboard.broker.identity;

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.jetbrains.annotations.NotNull;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.EllipticCurve;
import java.security.spec.X509EncodedKeySpec;
import java.util.Objects;

/**
 * The {@code sb-key-v1} proof of key possession used at MQTT CONNECT. Pure code (no MQTT
 * types), thread-safe.
 *
 * <h2>Exchange (MQTT 5 enhanced authentication, MQTT 5 §4.12)</h2>
 * <ol>
 *   <li>CONNECT: authentication method {@value #METHOD}, authentication data = the client's
 *       ECDSA P-256 public key as SubjectPublicKeyInfo DER; client id =
 *       {@link PeerIds#fromSpki(byte[])} of those bytes.</li>
 *   <li>AUTH from the broker, reason 0x18 (continue): authentication data = the challenge =
 *       {@value #NONCE_LENGTH} random bytes followed by the UTF-8 bytes of the node id.</li>
 *   <li>AUTH from the client, reason 0x18, method {@value #METHOD}: authentication data = ECDSA
 *       P-256 / SHA-256 signature in raw {@code r||s} form (64 bytes, the WebCrypto format) over
 *       {@link #signedBytes(String, byte[])} = UTF8({@value #CONTEXT}) || 0x00 || UTF8(clientId)
 *       || 0x00 || challenge.</li>
 * </ol>
 */
public final class KeyProof {

    /** The MQTT 5 authentication method name. */
    public static final @NotNull String METHOD = "sb-key-v1";
    /** The domain-separation string that starts the signed bytes. */
    public static final @NotNull String CONTEXT = "switchboard/v1/connect";
    /** Length in bytes of the random nonce at the start of the challenge. */
    public static final int NONCE_LENGTH = 32;
    /** Length in bytes of a raw P-256 signature {@code r||s}. */
    public static final int SIGNATURE_LENGTH = 64;

    /**
     * ECDSA with SHA-256 and the signature as raw {@code r||s} (IEEE P1363), from the JDK's SunEC
     * provider. BouncyCastle serves only as an ASN.1 library here: instantiating its JCA provider
     * loads about 700 classes and 4,000 algorithm entries (docs/performance.md, footprint).
     */
    private static final String SIGNATURE_ALGORITHM = "SHA256withECDSAinP1363Format";
    private static final SecureRandom RANDOM = new SecureRandom();

    private KeyProof() {
    }

    /** The outcome of parsing a client's key: never an exception. */
    public sealed interface KeyResult permits ValidKey, InvalidKey {
    }

    /**
     * @param key    the parsed public key.
     * @param peerId the peer id derived from the SPKI bytes as received.
     */
    public record ValidKey(@NotNull PublicKey key, @NotNull String peerId) implements KeyResult {
    }

    /** @param reason why the bytes are not an ECDSA P-256 SubjectPublicKeyInfo. */
    public record InvalidKey(@NotNull String reason) implements KeyResult {
    }

    /**
     * Parses an untrusted SubjectPublicKeyInfo and accepts only id-ecPublicKey on the named curve
     * secp256r1 (RFC 5480 §2.1.1) with a point on the curve.
     *
     * @param spkiDer untrusted bytes.
     * @return {@link ValidKey} or {@link InvalidKey}; never throws.
     */
    public static @NotNull KeyResult parsePublicKey(final byte @NotNull [] spkiDer) {
        if (spkiDer.length == 0 || spkiDer.length > 1024) {
            return new InvalidKey("public key must be 1..1024 bytes of SPKI DER, got "
                    + spkiDer.length);
        }
        try {
            final SubjectPublicKeyInfo spki = SubjectPublicKeyInfo.getInstance(spkiDer);
            final AlgorithmIdentifier alg = spki.getAlgorithm();
            // RFC 5480 §2.1.1: id-ecPublicKey with namedCurve parameters
            if (!X9ObjectIdentifiers.id_ecPublicKey.equals(alg.getAlgorithm())) {
                return new InvalidKey("public key algorithm must be id-ecPublicKey, got "
                        + alg.getAlgorithm());
            }
            if (!(alg.getParameters() instanceof ASN1ObjectIdentifier curve)
                    || !SECObjectIdentifiers.secp256r1.equals(curve)) {
                return new InvalidKey("public key curve must be P-256 (secp256r1), got "
                        + alg.getParameters());
            }
            final PublicKey key = KeyFactory.getInstance("EC")
                    .generatePublic(new X509EncodedKeySpec(spkiDer));
            if (!(key instanceof ECPublicKey ec) || !onCurve(ec)) {
                return new InvalidKey("public key point is not on the P-256 curve");
            }
            return new ValidKey(key, PeerIds.fromSpki(spkiDer));
        } catch (final GeneralSecurityException | RuntimeException e) {
            return new InvalidKey("public key is not a valid P-256 SubjectPublicKeyInfo: "
                    + e.getMessage());
        }
    }

    /**
     * SEC 1 v2 §3.2.2.1 (public key validation), steps 2 and 3: both coordinates in [0, p) and
     * y^2 = x^3 + ax + b (mod p). The JDK's key factory checks neither (it accepts any 64 bytes);
     * the point at infinity cannot be encoded in an uncompressed SPKI, and P-256 has cofactor 1, so
     * nothing else is left to check.
     */
    private static boolean onCurve(final @NotNull ECPublicKey key) {
        final ECPoint w = key.getW();
        final EllipticCurve curve = key.getParams().getCurve();
        if (w.equals(ECPoint.POINT_INFINITY) || !(curve.getField() instanceof ECFieldFp field)) {
            return false;
        }
        final BigInteger p = field.getP();
        final BigInteger x = w.getAffineX();
        final BigInteger y = w.getAffineY();
        if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
            return false;
        }
        final BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
        return y.multiply(y).mod(p).equals(right);
    }

    /** @return {@value #NONCE_LENGTH} fresh random bytes. */
    public static byte @NotNull [] newNonce() {
        final byte[] nonce = new byte[NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    /**
     * @param nonce  {@value #NONCE_LENGTH} random bytes.
     * @param nodeId the node's id (any string).
     * @return nonce || UTF8(nodeId).
     */
    public static byte @NotNull [] challenge(final byte @NotNull [] nonce,
                                             final @NotNull String nodeId) {
        if (nonce.length != NONCE_LENGTH) {
            throw new IllegalArgumentException("nonce must be " + NONCE_LENGTH + " bytes");
        }
        final byte[] node = nodeId.getBytes(StandardCharsets.UTF_8);
        final byte[] out = new byte[nonce.length + node.length];
        System.arraycopy(nonce, 0, out, 0, nonce.length);
        System.arraycopy(node, 0, out, nonce.length, node.length);
        return out;
    }

    /**
     * @return UTF8({@value #CONTEXT}) || 0x00 || UTF8(clientId) || 0x00 || challenge: the bytes
     *     the client signs.
     */
    public static byte @NotNull [] signedBytes(final @NotNull String clientId,
                                               final byte @NotNull [] challenge) {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(64 + challenge.length);
        out.writeBytes(CONTEXT.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.writeBytes(clientId.getBytes(StandardCharsets.UTF_8));
        out.write(0);
        out.writeBytes(challenge);
        return out.toByteArray();
    }

    /**
     * Verifies a raw {@code r||s} signature. Anything but exactly {@value #SIGNATURE_LENGTH}
     * bytes (a DER-encoded signature, a truncated one) is refused.
     *
     * @return whether {@code signature} is a valid signature of {@code signedBytes} by {@code key};
     *     never throws for untrusted signature bytes.
     */
    public static boolean verify(final @NotNull PublicKey key, final byte @NotNull [] signedBytes,
                                 final byte @NotNull [] signature) {
        Objects.requireNonNull(key, "key");
        if (signature.length != SIGNATURE_LENGTH) {
            return false;
        }
        try {
            final Signature verifier = Signature.getInstance(SIGNATURE_ALGORITHM);
            verifier.initVerify(key);
            verifier.update(signedBytes);
            return verifier.verify(signature);
        } catch (final GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Signs with raw {@code r||s} output; for the node's own clients (federation, tools) and tests.
     *
     * @throws IllegalStateException if the key cannot sign (a programmer error).
     */
    public static byte @NotNull [] sign(final java.security.@NotNull PrivateKey key,
                                        final byte @NotNull [] signedBytes) {
        try {
            final Signature signer = Signature.getInstance(SIGNATURE_ALGORITHM);
            signer.initSign(key, RANDOM);
            signer.update(signedBytes);
            return signer.sign();
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + key.getAlgorithm(), e);
        }
    }

    /** @return a fresh ECDSA P-256 key pair (for the node's own clients and tests). */
    public static @NotNull KeyPair generateKeyPair() {
        try {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            return generator.generateKeyPair();
        } catch (final GeneralSecurityException e) {
            throw new IllegalStateException("P-256 key generation unavailable", e);
        }
    }

    /**
     * Runs one full parse/sign/verify cycle so that the first real client does not pay for class
     * loading and table set-up (otherwise ~200 ms). Blocking; call once at start-up.
     */
    public static void warmUp() {
        final KeyPair pair = generateKeyPair();
        final byte[] spki = pair.getPublic().getEncoded();
        final KeyResult parsed = parsePublicKey(spki);
        final byte[] signed = signedBytes(PeerIds.fromSpki(spki), challenge(newNonce(), "warm-up"));
        final byte[] sig = sign(pair.getPrivate(), signed);
        if (!(parsed instanceof ValidKey valid) || !verify(valid.key(), signed, sig)) {
            throw new IllegalStateException("ECDSA P-256 self-test failed");
        }
    }
}
