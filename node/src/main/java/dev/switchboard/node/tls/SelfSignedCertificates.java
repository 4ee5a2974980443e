package dev.switchboard.node.tls;

import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.jetbrains.annotations.NotNull;

import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Creates self-signed server certificates: ECDSA P-256 key, SHA256withECDSA signature,
 * subjectAltName with the given DNS names and IP addresses, basicConstraints CA=false, keyUsage
 * digitalSignature, extendedKeyUsage serverAuth (the profile browsers expect of a TLS server
 * certificate, RFC 5280 §4.2.1). Stateless and thread-safe.
 */
public final class SelfSignedCertificates {

    /** Default validity: one year. Browsers accept a self-signed cert only after a click-through anyway. */
    public static final @NotNull Duration DEFAULT_VALIDITY = Duration.ofDays(365);

    /** The certificate is valid from this long before "now", to tolerate clock skew between hosts. */
    static final Duration BACKDATE = Duration.ofHours(1);

    // RFC 1123 host names, lowercase, optionally a leading wildcard label.
    private static final Pattern DNS_NAME =
            Pattern.compile("(\\*\\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*");
    private static final SecureRandom RANDOM = new SecureRandom();

    private SelfSignedCertificates() {
    }

    /**
     * @param dnsNames    DNS names for subjectAltName, e.g. {@code localhost}, {@code node.example};
     *                    case-insensitive, stored lowercase
     * @param ipAddresses IP addresses for subjectAltName, e.g. 127.0.0.1 and ::1
     * @param validity    how long the certificate is valid from now, positive
     * @param clock       source of "now"
     * @return a fresh key and its self-signed certificate
     * @throws IllegalArgumentException if no name/address is given, a DNS name is not a valid host
     *                                  name, or the validity is not positive
     */
    public static @NotNull TlsIdentity generate(final @NotNull Collection<String> dnsNames,
                                                final @NotNull Collection<InetAddress> ipAddresses,
                                                final @NotNull Duration validity,
                                                final @NotNull Clock clock) {
        if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            throw new IllegalArgumentException("a certificate needs at least one DNS name or IP address");
        }
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("validity must be positive: " + validity);
        }
        final List<GeneralName> names = new ArrayList<>();
        for (final String dnsName : dnsNames) {
            names.add(new GeneralName(GeneralName.dNSName, normalizeDnsName(dnsName)));
        }
        for (final InetAddress address : ipAddresses) {
            // RFC 5280 §4.2.1.6: iPAddress is the 4 or 16 address octets
            names.add(new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress())));
        }
        final String commonName = dnsNames.isEmpty()
                ? ipAddresses.iterator().next().getHostAddress()
                : normalizeDnsName(dnsNames.iterator().next());
        final X500Name subject = new X500NameBuilder(BCStyle.INSTANCE)
                .addRDN(BCStyle.O, "Switchboard node (self-signed)")
                .addRDN(BCStyle.CN, commonName)
                .build();
        final Instant now = clock.instant();
        try {
            final KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
            final KeyPair keyPair = generator.generateKeyPair();
            // RFC 5280 §4.1.2.2: positive serial of at most 20 octets; 127 random bits
            final BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE);
            final JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
            final X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial,
                    Date.from(now.minus(BACKDATE)), Date.from(now.plus(validity)), subject, keyPair.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false,
                            new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    // RFC 5280 §4.2.1.6: non-critical because the subject is not empty
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(new GeneralName[0])))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            extensionUtils.createSubjectKeyIdentifier(keyPair.getPublic()));
            final X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keyPair.getPrivate())));
            return new TlsIdentity(List.of(certificate), keyPair.getPrivate());
        } catch (final GeneralSecurityException | OperatorCreationException | CertIOException e) {
            // every JDK 17 has EC P-256 and SHA256withECDSA
            throw new IllegalStateException("cannot create a self-signed certificate", e);
        }
    }

    /**
     * @param dnsName a host name
     * @return it lowercased
     * @throws IllegalArgumentException if it is not a valid host name (RFC 1123 §2.1)
     */
    static @NotNull String normalizeDnsName(final @NotNull String dnsName) {
        final String lower = dnsName.toLowerCase(Locale.ROOT);
        if (lower.length() > 253 || !DNS_NAME.matcher(lower).matches()) {
            throw new IllegalArgumentException("not a valid DNS name for a certificate: '" + dnsName + "'");
        }
        return lower;
    }
}
