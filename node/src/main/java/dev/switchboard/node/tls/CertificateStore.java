package dev.switchboard.node.tls;

import dev.switchboard.node.storage.SecureFiles;
import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Keeps the node's self-signed certificate in its data directory: created on first start, reused
 * on later starts (so the fingerprint users accepted stays the same), replaced only when it is about
 * to expire or no longer names every requested host. Files (in {@code <dataDir>/tls/}):
 * <ul>
 *   <li>{@value #KEY_FILE}: PKCS#8 PEM private key, mode 0600 where POSIX permissions exist;</li>
 *   <li>{@value #CERT_FILE}: PEM certificate;</li>
 *   <li>{@value #KEYSTORE_FILE}: PKCS#12 keystore for the broker, see {@link #writeBrokerKeystore}.</li>
 * </ul>
 * Each file is written atomically (temp file + move); the key is written before the certificate,
 * so an existing certificate file always has its key. Not for concurrent use by two processes on
 * the same data directory.
 */
public final class CertificateStore {

    /** Subdirectory of the data directory holding the TLS files. */
    public static final @NotNull String DIRECTORY = "tls";
    /** File name of the self-signed certificate. */
    public static final @NotNull String CERT_FILE = "self-signed-cert.pem";
    /** File name of the self-signed certificate's private key. */
    public static final @NotNull String KEY_FILE = "self-signed-key.pem";
    /** File name of the broker's PKCS#12 keystore. */
    public static final @NotNull String KEYSTORE_FILE = "broker-keystore.p12";

    /** A stored certificate expiring sooner than this is replaced at start. */
    public static final @NotNull Duration RENEW_BEFORE_EXPIRY = Duration.ofDays(30);

    private static final Logger log = LoggerFactory.getLogger(CertificateStore.class);

    private CertificateStore() {
    }

    /**
     * Like {@link #loadOrCreateSelfSigned(Path, Collection, Collection, Duration, Clock)} with
     * {@link SelfSignedCertificates#DEFAULT_VALIDITY} and the system clock.
     */
    public static @NotNull TlsIdentity loadOrCreateSelfSigned(final @NotNull Path dataDir,
                                                              final @NotNull Collection<String> dnsNames,
                                                              final @NotNull Collection<InetAddress> ipAddresses)
            throws TlsException {
        return loadOrCreateSelfSigned(dataDir, dnsNames, ipAddresses, SelfSignedCertificates.DEFAULT_VALIDITY,
                Clock.systemUTC());
    }

    /**
     * Returns the stored self-signed identity, or creates and stores a new one if there is none, it
     * expires within {@link #RENEW_BEFORE_EXPIRY}, or its subjectAltName lacks one of the requested
     * names. Blocking file I/O: call at start, not on an event loop.
     *
     * @param dataDir     the node's data directory (created if missing)
     * @param dnsNames    DNS names the certificate must cover, e.g. {@code localhost} plus configured
     *                    host names
     * @param ipAddresses IP addresses the certificate must cover, e.g. 127.0.0.1, ::1
     * @param validity    validity of a newly created certificate
     * @param clock       source of "now"
     * @return the identity, whose key matches its certificate
     * @throws TlsException if the stored files exist but cannot be read or do not match (the message
     *                      names the file; delete both files to get a new certificate), or the files
     *                      cannot be written
     * @throws IllegalArgumentException if no names are given or a DNS name is invalid
     */
    public static @NotNull TlsIdentity loadOrCreateSelfSigned(final @NotNull Path dataDir,
                                                              final @NotNull Collection<String> dnsNames,
                                                              final @NotNull Collection<InetAddress> ipAddresses,
                                                              final @NotNull Duration validity,
                                                              final @NotNull Clock clock) throws TlsException {
        final Path dir = dataDir.resolve(DIRECTORY);
        final Path certFile = dir.resolve(CERT_FILE);
        final Path keyFile = dir.resolve(KEY_FILE);
        if (Files.exists(certFile) && Files.exists(keyFile)) {
            final TlsIdentity stored = PemFiles.load(certFile, keyFile);
            final Optional<String> reason = reasonToReplace(stored.certificate(), dnsNames, ipAddresses, clock);
            if (reason.isEmpty()) {
                log.info("Using the stored self-signed TLS certificate {}", certFile);
                return stored;
            }
            log.info("Replacing the stored self-signed TLS certificate {}: {}", certFile, reason.get());
        }
        final TlsIdentity created = SelfSignedCertificates.generate(dnsNames, ipAddresses, validity, clock);
        try {
            SecureFiles.writeAtomically(keyFile,
                    PemFiles.privateKeyToPem(created.privateKey()).getBytes(StandardCharsets.US_ASCII), true);
            SecureFiles.writeAtomically(certFile,
                    PemFiles.certificatesToPem(created.chain()).getBytes(StandardCharsets.US_ASCII), false);
        } catch (final IOException e) {
            throw new TlsException("cannot write the self-signed certificate to " + dir + ": " + e.getMessage(), e);
        }
        log.info("Created a self-signed TLS certificate {}", certFile);
        return created;
    }

    /**
     * Writes the identity as the broker's PKCS#12 keystore, {@code <dataDir>/tls/}{@value #KEYSTORE_FILE},
     * with a fresh random password (regenerated each start).
     *
     * @throws TlsException if it cannot be written
     */
    public static @NotNull Pkcs12Keystore writeBrokerKeystore(final @NotNull Path dataDir,
                                                              final @NotNull TlsIdentity identity)
            throws TlsException {
        return identity.writePkcs12(dataDir.resolve(DIRECTORY).resolve(KEYSTORE_FILE));
    }

    static @NotNull Optional<String> reasonToReplace(final @NotNull X509Certificate certificate,
                                                     final @NotNull Collection<String> dnsNames,
                                                     final @NotNull Collection<InetAddress> ipAddresses,
                                                     final @NotNull Clock clock) {
        final Instant now = clock.instant();
        final Instant notAfter = certificate.getNotAfter().toInstant();
        if (notAfter.minus(RENEW_BEFORE_EXPIRY).isBefore(now)) {
            return Optional.of("it expires " + notAfter);
        }
        final Set<String> storedDns = new HashSet<>();
        final Set<InetAddress> storedIps = new HashSet<>();
        try {
            final Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans != null) {
                for (final List<?> san : sans) {
                    final int type = (Integer) san.get(0);
                    if (type == 2) {
                        storedDns.add(((String) san.get(1)).toLowerCase(Locale.ROOT));
                    } else if (type == 7) {
                        // the JDK gives IP literals here; getByName parses them without a DNS lookup
                        storedIps.add(InetAddress.getByName((String) san.get(1)));
                    }
                }
            }
        } catch (final CertificateParsingException | UnknownHostException e) {
            return Optional.of("its subjectAltName cannot be read");
        }
        for (final String dnsName : dnsNames) {
            if (!storedDns.contains(SelfSignedCertificates.normalizeDnsName(dnsName))) {
                return Optional.of("it does not name " + dnsName);
            }
        }
        for (final InetAddress address : ipAddresses) {
            if (!storedIps.contains(address)) {
                return Optional.of("it does not name " + address.getHostAddress());
            }
        }
        return Optional.empty();
    }
}
