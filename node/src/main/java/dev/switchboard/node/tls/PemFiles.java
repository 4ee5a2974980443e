package dev.switchboard.node.tls;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMException;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.jetbrains.annotations.NotNull;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Reading and writing PEM files (RFC 7468): certificate chains ({@code CERTIFICATE} blocks, leaf
 * first) and private keys in PKCS#8 ({@code PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) or PKCS#1
 * ({@code RSA PRIVATE KEY}) form. Encrypted keys are rejected with a clear error. Uses the JDK's
 * security providers; BouncyCastle only parses. Stateless and thread-safe.
 */
public final class PemFiles {

    private static final SecureRandom RANDOM = new SecureRandom();

    private PemFiles() {
    }

    /**
     * Loads an operator-supplied certificate chain and private key and checks that the key belongs
     * to the first (leaf) certificate.
     *
     * @param certificateChainFile PEM file with one or more certificates, leaf first
     * @param privateKeyFile       PEM file with the leaf's private key (unencrypted)
     * @return the identity
     * @throws TlsException if a file is missing or unreadable, is not PEM, holds no certificate or
     *                      key, holds an encrypted key, or the key does not match the certificate
     */
    public static @NotNull TlsIdentity load(final @NotNull Path certificateChainFile,
                                            final @NotNull Path privateKeyFile) throws TlsException {
        final List<X509Certificate> chain = readCertificates(certificateChainFile);
        final PrivateKey key = readPrivateKey(privateKeyFile);
        checkKeyMatches(key, chain.get(0), certificateChainFile, privateKeyFile);
        return new TlsIdentity(chain, key);
    }

    /**
     * @param file PEM file with one or more {@code CERTIFICATE} blocks; other blocks are ignored
     * @return the certificates in file order, at least one
     * @throws TlsException if the file is missing, unreadable, not PEM or has no certificate
     */
    public static @NotNull List<X509Certificate> readCertificates(final @NotNull Path file) throws TlsException {
        final List<X509Certificate> certificates = new ArrayList<>();
        final JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof X509CertificateHolder) {
                    certificates.add(converter.getCertificate((X509CertificateHolder) object));
                }
            }
        } catch (final NoSuchFileException e) {
            throw new TlsException("certificate file " + file + " does not exist", e);
        } catch (final CertificateException e) {
            throw new TlsException("certificate file " + file + " holds an invalid certificate: "
                    + e.getMessage(), e);
        } catch (final IOException e) {
            throw new TlsException("certificate file " + file + " is not a readable PEM file: "
                    + e.getMessage(), e);
        }
        if (certificates.isEmpty()) {
            throw new TlsException("certificate file " + file
                    + " contains no PEM certificate (expected a '-----BEGIN CERTIFICATE-----' block)");
        }
        return certificates;
    }

    /**
     * @param file PEM file with one unencrypted private key block ({@code PRIVATE KEY},
     *             {@code EC PRIVATE KEY} or {@code RSA PRIVATE KEY}); certificate blocks before it
     *             are skipped, so a combined file works too
     * @return the key
     * @throws TlsException if the file is missing, unreadable, not PEM, has no key or an encrypted key
     */
    public static @NotNull PrivateKey readPrivateKey(final @NotNull Path file) throws TlsException {
        final JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.US_ASCII);
             PEMParser parser = new PEMParser(reader)) {
            Object object;
            while ((object = parser.readObject()) != null) {
                if (object instanceof PrivateKeyInfo) {
                    return converter.getPrivateKey((PrivateKeyInfo) object);
                }
                if (object instanceof PEMKeyPair) {
                    return converter.getKeyPair((PEMKeyPair) object).getPrivate();
                }
                if (object instanceof PKCS8EncryptedPrivateKeyInfo || object instanceof PEMEncryptedKeyPair) {
                    throw new TlsException("private key file " + file
                            + " holds an encrypted key; give an unencrypted key (file mode 0600), e.g. "
                            + "'openssl pkey -in encrypted.pem -out key.pem'");
                }
            }
        } catch (final NoSuchFileException e) {
            throw new TlsException("private key file " + file + " does not exist", e);
        } catch (final PEMException e) {
            throw new TlsException("private key file " + file + " holds a key the JDK cannot use: "
                    + e.getMessage(), e);
        } catch (final IOException e) {
            throw new TlsException("private key file " + file + " is not a readable PEM file: "
                    + e.getMessage(), e);
        }
        throw new TlsException("private key file " + file + " contains no PEM private key (expected a "
                + "'-----BEGIN PRIVATE KEY-----', 'EC PRIVATE KEY' or 'RSA PRIVATE KEY' block)");
    }

    /**
     * Checks that {@code key} belongs to {@code certificate} by signing a random challenge with the
     * key and verifying it with the certificate's public key (works for EC, RSA and Ed25519).
     *
     * @throws TlsException if they do not match or the key type is not supported
     */
    static void checkKeyMatches(final @NotNull PrivateKey key, final @NotNull X509Certificate certificate,
                                final @NotNull Path certificateFile, final @NotNull Path keyFile)
            throws TlsException {
        final PublicKey publicKey = certificate.getPublicKey();
        final String algorithm;
        switch (key.getAlgorithm()) {
            case "EC":
                algorithm = "SHA256withECDSA";
                break;
            case "RSA":
                algorithm = "SHA256withRSA";
                break;
            case "Ed25519":
            case "EdDSA":
                algorithm = "Ed25519";
                break;
            default:
                throw new TlsException("private key file " + keyFile + " holds a " + key.getAlgorithm()
                        + " key; supported are EC, RSA and Ed25519");
        }
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            throw new TlsException("private key file " + keyFile + " (" + key.getAlgorithm()
                    + ") does not match the certificate in " + certificateFile + " ("
                    + publicKey.getAlgorithm() + " key)");
        }
        final byte[] challenge = new byte[32];
        RANDOM.nextBytes(challenge);
        boolean matches;
        try {
            final Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            final byte[] signature = signer.sign();
            final Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (final GeneralSecurityException e) {
            matches = false;
        }
        if (!matches) {
            throw new TlsException("private key file " + keyFile
                    + " does not match the (first) certificate in " + certificateFile);
        }
    }

    /**
     * @param certificates certificates to encode, in order
     * @return PEM text, one {@code CERTIFICATE} block each
     */
    static @NotNull String certificatesToPem(final @NotNull List<X509Certificate> certificates) {
        final StringBuilder sb = new StringBuilder();
        for (final X509Certificate certificate : certificates) {
            try {
                sb.append(toPem("CERTIFICATE", certificate.getEncoded()));
            } catch (final CertificateException e) {
                throw new IllegalArgumentException("cannot encode certificate", e);
            }
        }
        return sb.toString();
    }

    /**
     * @param key a private key whose {@code getEncoded()} is PKCS#8
     * @return PEM text with one {@code PRIVATE KEY} block
     */
    static @NotNull String privateKeyToPem(final @NotNull PrivateKey key) {
        return toPem("PRIVATE KEY", key.getEncoded());
    }

    private static String toPem(final String label, final byte[] der) {
        // RFC 7468 §2: base64 lines of 64 characters between BEGIN and END lines
        final String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }
}
