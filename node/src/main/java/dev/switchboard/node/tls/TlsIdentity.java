package dev.switchboard.node.tls;

import dev.switchboard.broker.NettyBouncyCastle;
import dev.switchboard.node.storage.SecureFiles;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import org.jetbrains.annotations.NotNull;

import javax.net.ssl.SSLException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * The node's TLS identity: a private key and its certificate chain (leaf first). Immutable and
 * safe to share between threads. {@link #toString()} shows the fingerprint, never key material.
 *
 * <p>Obtain one with {@link CertificateStore#loadOrCreateSelfSigned} (self-signed, kept in the data
 * directory) or {@link PemFiles#load} (operator-supplied PEM files).
 */
public final class TlsIdentity {

    private static final String[] TLS_PROTOCOLS = {"TLSv1.3", "TLSv1.2"};
    private static final SecureRandom RANDOM = new SecureRandom();

    private final @NotNull List<X509Certificate> chain;
    private final @NotNull PrivateKey privateKey;
    private final @NotNull String fingerprint;

    /**
     * @param chain      the certificate chain, leaf first, at least one certificate
     * @param privateKey the private key of the leaf certificate (the caller has checked they match;
     *                   {@link PemFiles} and {@link SelfSignedCertificates} do)
     * @throws IllegalArgumentException if the chain is empty
     */
    public TlsIdentity(final @NotNull List<X509Certificate> chain, final @NotNull PrivateKey privateKey) {
        this.chain = List.copyOf(chain);
        this.privateKey = Objects.requireNonNull(privateKey, "privateKey");
        if (this.chain.isEmpty()) {
            throw new IllegalArgumentException("certificate chain is empty");
        }
        this.fingerprint = sha256Fingerprint(this.chain.get(0));
    }

    /** @return the leaf certificate */
    public @NotNull X509Certificate certificate() {
        return chain.get(0);
    }

    /** @return the chain, leaf first, unmodifiable */
    public @NotNull List<X509Certificate> chain() {
        return chain;
    }

    /** @return the leaf certificate's private key */
    public @NotNull PrivateKey privateKey() {
        return privateKey;
    }

    /**
     * @return the SHA-256 fingerprint of the leaf certificate's DER encoding as 32 uppercase hex
     *         byte pairs separated by colons ({@code "AB:01:..."}, 95 characters), the form browsers
     *         and {@code openssl x509 -fingerprint -sha256} show
     */
    public @NotNull String sha256Fingerprint() {
        return fingerprint;
    }

    /**
     * Builds a Netty server {@link SslContext} (JDK provider, TLS 1.3 and 1.2) for this identity.
     *
     * @return a new context; share it between all connections of a server
     * @throws TlsException if the JDK rejects the key or chain
     */
    public @NotNull SslContext newServerSslContext() throws TlsException {
        return newServerSslContext(List.of());
    }

    /**
     * Builds a Netty server {@link SslContext} (JDK provider, TLS 1.3 and 1.2) for this identity
     * that offers the given application protocols by ALPN (RFC 7301), e.g. {@code h2} and
     * {@code http/1.1} for a web server. A client that offers none of them, or no ALPN at all, gets
     * no protocol chosen (the server then uses its default, e.g. HTTP/1.1).
     *
     * @param applicationProtocols ALPN protocol ids in the server's order of preference; empty for
     *                             no ALPN
     * @return a new context; share it between all connections of a server
     * @throws TlsException if the JDK rejects the key or chain
     */
    public @NotNull SslContext newServerSslContext(final @NotNull List<String> applicationProtocols)
            throws TlsException {
        // the JDK's TLS: no BouncyCastle provider for Netty's probe (see NettyBouncyCastle)
        NettyBouncyCastle.skipNettysProbe();
        try {
            final SslContextBuilder builder = SslContextBuilder.forServer(privateKey, chain)
                    .protocols(TLS_PROTOCOLS);
            if (!applicationProtocols.isEmpty()) {
                builder.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, applicationProtocols));
            }
            return builder.build();
        } catch (final SSLException | IllegalArgumentException e) {
            throw new TlsException("cannot build a TLS server context: " + e.getMessage(), e);
        }
    }

    /**
     * Writes this identity as a PKCS#12 keystore (alias {@link Pkcs12Keystore#ALIAS}) protected by
     * a fresh random password, atomically and with mode 0600 where POSIX permissions exist. Meant to
     * be called once per start; the returned password lives only in memory.
     *
     * @param file where to write the keystore; an existing file is replaced
     * @return the file and its password
     * @throws TlsException if the keystore cannot be built or written
     */
    public @NotNull Pkcs12Keystore writePkcs12(final @NotNull Path file) throws TlsException {
        final byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        final String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        try {
            final KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry(Pkcs12Keystore.ALIAS, privateKey, password.toCharArray(),
                    chain.toArray(new X509Certificate[0]));
            final ByteArrayOutputStream out = new ByteArrayOutputStream();
            store.store(out, password.toCharArray());
            SecureFiles.writeAtomically(file, out.toByteArray(), true);
        } catch (final GeneralSecurityException e) {
            throw new TlsException("cannot build PKCS#12 keystore " + file + ": " + e.getMessage(), e);
        } catch (final IOException e) {
            throw new TlsException("cannot write PKCS#12 keystore " + file + ": " + e.getMessage(), e);
        }
        return new Pkcs12Keystore(file.toAbsolutePath(), password);
    }

    /**
     * @param certificate any certificate
     * @return the colon-separated uppercase hex SHA-256 of its DER encoding
     * @throws IllegalArgumentException if the certificate cannot be encoded (a broken object)
     */
    public static @NotNull String sha256Fingerprint(final @NotNull X509Certificate certificate) {
        final byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
        } catch (final NoSuchAlgorithmException | CertificateEncodingException e) {
            throw new IllegalArgumentException("cannot fingerprint certificate", e);
        }
        final StringBuilder sb = new StringBuilder(digest.length * 3);
        for (final byte b : digest) {
            if (sb.length() > 0) {
                sb.append(':');
            }
            sb.append(Character.toUpperCase(Character.forDigit((b >> 4) & 0xF, 16)))
                    .append(Character.toUpperCase(Character.forDigit(b & 0xF, 16)));
        }
        return sb.toString();
    }

    @Override
    public @NotNull String toString() {
        return "TlsIdentity[subject=" + certificate().getSubjectX500Principal().getName()
                + ", sha256=" + fingerprint + "]";
    }
}
