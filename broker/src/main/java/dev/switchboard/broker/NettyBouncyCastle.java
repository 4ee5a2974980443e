package dev.switchboard.broker;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;

/**
 * Keeps Netty from making a BouncyCastle JCA provider of its own. Netty probes for BouncyCastle
 * once per JVM ({@code io.netty.handler.ssl.util.BouncyCastleUtil}), the first time a JDK server
 * TLS context is made: finding {@code bcprov} on the class path, it instantiates
 * {@code BouncyCastleProvider} (about 300 classes and 2,000 algorithm entries, resident for the
 * whole run) to parse a built-in test key with it. The node uses BouncyCastle only as a library
 * (PEM and ASN.1 parsing, STUN's HMAC-SHA1; HiveMQ reads client certificate fields with it) and
 * never as a provider: every TLS context here is the JDK's, with keys given as objects, and
 * Netty's only uses of a found provider are PEM key files, BouncyCastle's own TLS engine and
 * self-signed test certificates, none of which the node or HiveMQ asks for. So Netty is told
 * BouncyCastle's provider, PKIX and JSSE parts are unavailable, as on a class path without them,
 * and takes its JDK paths. (docs/performance.md, "Footprint".)
 *
 * <p>Reaches into Netty's internals (a pinned version, see the parent POM). If they moved, nothing
 * is changed and Netty probes as before (more memory, same behaviour). Thread-safe; idempotent.
 */
public final class NettyBouncyCastle {

    private static final Logger log = LoggerFactory.getLogger(NettyBouncyCastle.class);
    private static final String UTIL = "io.netty.handler.ssl.util.BouncyCastleUtil";
    private static final String[] CAUSES = {
        "unavailabilityCauseBcProv", "unavailabilityCauseBcPkix", "unavailabilityCauseBcTls"};

    private NettyBouncyCastle() {
    }

    /**
     * Marks BouncyCastle as unavailable to Netty, unless Netty already probed (then its result
     * stays). Call before the first TLS context is made.
     *
     * @return whether Netty now takes BouncyCastle as unavailable (false: Netty probed before, or
     *     its internals are not where this version keeps them)
     */
    public static synchronized boolean skipNettysProbe() {
        try {
            final Class<?> util = Class.forName(UTIL, true, NettyBouncyCastle.class.getClassLoader());
            final Field attempted = util.getDeclaredField("attemptedLoading");
            attempted.setAccessible(true);
            final Field[] causes = new Field[CAUSES.length];
            for (int i = 0; i < CAUSES.length; i++) {
                causes[i] = util.getDeclaredField(CAUSES[i]);
                causes[i].setAccessible(true);
            }
            if (attempted.getBoolean(null)) {
                return causes[0].get(null) != null && causes[1].get(null) != null && causes[2].get(null) != null;
            }
            final Throwable unused = new UnsupportedOperationException(
                    "Switchboard uses the JDK's TLS and security providers; BouncyCastle only as a library");
            unused.setStackTrace(new StackTraceElement[0]);
            for (final Field cause : causes) {
                cause.set(null, unused);
            }
            attempted.setBoolean(null, true);
            return true;
        } catch (final ReflectiveOperationException | RuntimeException | LinkageError e) {
            log.debug("Netty's BouncyCastle probe stays (Netty internals changed?): {}", e.toString());
            return false;
        }
    }
}
