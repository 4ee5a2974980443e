package dev.switchboard.node.federation;

import dev.switchboard.broker.identity.PeerIds;
import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The certificate checks of federation: nodes trust keys, not issuers. A node's certificate is
 * self-signed over its node key ({@code identity.NodeKey#tlsIdentity}); what counts is the id of
 * the key in it ({@link PeerIds#fromSpki}), which the TLS handshake proves the other side holds
 * (CertificateVerify, RFC 8446 §4.4.3).
 *
 * <ul>
 *   <li>{@link #acceptingPeers}: the federation listener's check of a client certificate: the
 *       key must be a configured peer node's.</li>
 *   <li>{@link #pinned}: a link's check of the server certificate: the key must be the one of the
 *       peer it dials.</li>
 * </ul>
 * A refusal throws {@link CertificateException} (the handshake fails) and logs one warning line
 * naming both ids. Thread-safe; called on TLS threads, never blocks.
 */
public final class PeerTrust {

    private static final Logger LOG = LoggerFactory.getLogger(PeerTrust.class);

    private PeerTrust() {
    }

    /**
     * @param chain a presented chain, untrusted.
     * @return the node id of the key in its first certificate.
     * @throws CertificateException if there is no certificate.
     */
    static @NotNull String nodeIdOf(final X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0 || chain[0] == null) {
            throw new CertificateException("no certificate presented");
        }
        return PeerIds.fromSpki(chain[0].getPublicKey().getEncoded());
    }

    /**
     * @param configured the peer node ids allowed now (read at every handshake, so a reload takes
     *                   effect for the next connection).
     * @return the federation listener's client-certificate check.
     */
    public static @NotNull X509ExtendedTrustManager acceptingPeers(final @NotNull Supplier<Set<String>> configured) {
        return new Base() {
            @Override
            void checkClient(final X509Certificate[] chain) throws CertificateException {
                final String id = nodeIdOf(chain);
                if (!configured.get().contains(id)) {
                    LOG.warn("federation: refused a node presenting the key of {}: not a configured peer node", id);
                    throw new CertificateException("node " + id + " is not a configured peer node");
                }
            }
        };
    }

    /**
     * @param expectedId the peer node id the link dials.
     * @param where      the peer's address, for the log line.
     * @return the link's server-certificate check (pins the key by node id).
     */
    public static @NotNull X509ExtendedTrustManager pinned(final @NotNull String expectedId, final @NotNull String where) {
        return new Base() {
            @Override
            void checkServer(final X509Certificate[] chain) throws CertificateException {
                final String id = nodeIdOf(chain);
                if (!id.equals(expectedId)) {
                    LOG.warn("federation: refused peer {} at {}: it presented the key of node {}", expectedId, where, id);
                    throw new CertificateException("the node at " + where + " presented the key of " + id
                            + ", not of " + expectedId);
                }
            }
        };
    }

    /** Refuses both directions unless a subclass overrides one. */
    private abstract static class Base extends X509ExtendedTrustManager {
        void checkClient(final X509Certificate[] chain) throws CertificateException {
            throw new CertificateException("this check accepts no client certificates");
        }

        void checkServer(final X509Certificate[] chain) throws CertificateException {
            throw new CertificateException("this check accepts no server certificates");
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType) throws CertificateException {
            checkClient(chain);
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType) throws CertificateException {
            checkServer(chain);
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
                throws CertificateException {
            checkClient(chain);
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final Socket socket)
                throws CertificateException {
            checkServer(chain);
        }

        @Override
        public void checkClientTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
                throws CertificateException {
            checkClient(chain);
        }

        @Override
        public void checkServerTrusted(final X509Certificate[] chain, final String authType, final SSLEngine engine)
                throws CertificateException {
            checkServer(chain);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
