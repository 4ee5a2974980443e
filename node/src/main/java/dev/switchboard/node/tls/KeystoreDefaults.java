package dev.switchboard.node.tls;

import org.jetbrains.annotations.NotNull;

import java.security.Security;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The password-based protection the JDK gives the PKCS#12 keystores this process writes, made
 * light: the node's start spent about a third of its CPU time in PBKDF2 (docs/performance.md,
 * "Footprint, fourth round"). The JDK 17 defaults are PBKDF2 with HMAC-SHA256 and 10,000
 * iterations each for the key, the certificates and the integrity MAC (RFC 7292 §4, RFC 8018
 * §5.2), and they are paid once on writing and once on reading, for every keystore: the broker's
 * and the federation listener's ({@link TlsIdentity#writePkcs12}, read again by HiveMQ), the
 * in-memory one Netty builds for every TLS server context made from a key and chain, and the one
 * its {@code JdkSslServerContext} makes once as a probe. Every one of them is protected by a
 * password of 192 random bits or lives only in memory, and the same private key is in the node's
 * PEM files beside them (owner-only), so iterations, which stretch guessable passwords, protect
 * nothing here.
 *
 * <p>Set for the whole JVM through the JDK's documented overrides (the {@code keystore.pkcs12.*}
 * entries of {@code java.security}): key entries with 1 iteration (still encrypted), certificates
 * unencrypted (they are public), the MAC with 1 iteration (still checked on loading, so a wrong
 * password or a damaged file is still refused). Keystores the node only reads (an operator's trust
 * store) keep the protection they were written with. A value the operator set as a system property
 * ({@code -Dkeystore.pkcs12.macIterationCount=...} in {@code SWITCHBOARD_JAVA_OPTS}) or as a
 * security property is kept.
 *
 * <p>Only the application's entry point calls {@link #applyUnlessSet()}: a library embedding a
 * node does not change JVM-wide settings.
 */
public final class KeystoreDefaults {

    /** The property names and the values {@link #applyUnlessSet()} gives them. */
    static final Map<String, String> LIGHT;

    static {
        final Map<String, String> light = new LinkedHashMap<>();
        light.put("keystore.pkcs12.keyPbeIterationCount", "1");
        light.put("keystore.pkcs12.certProtectionAlgorithm", "NONE");
        light.put("keystore.pkcs12.macIterationCount", "1");
        LIGHT = java.util.Collections.unmodifiableMap(light);
    }

    private KeystoreDefaults() {
    }

    /**
     * Sets each of {@link #LIGHT}'s properties as a system property unless it is set already as a
     * system or security property. Call once, before any keystore is written (at the start of
     * {@code main}). Not thread-safe against other code changing the same properties.
     *
     * @return the names of the properties it set (empty if the operator had set all of them)
     */
    public static @NotNull List<String> applyUnlessSet() {
        final List<String> set = new ArrayList<>();
        for (final Map.Entry<String, String> e : LIGHT.entrySet()) {
            final String name = e.getKey();
            if (System.getProperty(name) == null && Security.getProperty(name) == null) {
                System.setProperty(name, e.getValue());
                set.add(name);
            }
        }
        return set;
    }
}
