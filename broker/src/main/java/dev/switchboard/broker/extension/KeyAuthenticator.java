package dev.switchboard.broker.extension;

import dev.switchboard.broker.guard.PublishRateLimiter;
import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.EnhancedAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.EnhancedAuthConnectInput;
import com.hivemq.extension.sdk.api.auth.parameter.EnhancedAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.EnhancedAuthOutput;
import com.hivemq.extension.sdk.api.packets.auth.AuthPacket;
import com.hivemq.extension.sdk.api.packets.auth.AuthReasonCode;
import com.hivemq.extension.sdk.api.packets.connect.ConnectPacket;
import com.hivemq.extension.sdk.api.packets.general.DisconnectedReasonCode;
import dev.switchboard.broker.BrokerSettings;
import dev.switchboard.broker.identity.KeyProof;
import dev.switchboard.broker.identity.PeerIds;
import java.net.InetAddress;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.PublicKey;
import java.security.cert.X509Certificate;
import com.hivemq.extension.sdk.api.client.parameter.ClientTlsInformation;
import dev.switchboard.broker.PeerRole;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The {@code sb-key-v1} challenge-response (see {@link KeyProof}) as a HiveMQ enhanced
 * authenticator. One instance per connection (the provider makes a new one each time), so the
 * outstanding challenge lives in a field and is bound to this connection. HiveMQ calls the
 * methods of one instance one after another, never concurrently.
 *
 * <p>Every path decides explicitly (success, continue or fail); none falls through to the next
 * extension, which for the embedded broker would mean "allow". Key parsing and signature
 * verification run on the extension executor ({@code out.async}), not the Netty I/O thread.
 *
 * <p>Reason codes (MQTT 5 §3.2.2.2, CONNACK):
 * <ul>
 *   <li>0x8C Bad authentication method: no method, or not {@value KeyProof#METHOD}, in CONNECT
 *       or in the client's AUTH;</li>
 *   <li>0x85 Client Identifier not valid: client id is not the peer id of the presented key;</li>
 *   <li>0x87 Not authorized: key not ECDSA P-256 SPKI, AUTH without an outstanding challenge or
 *       with another reason code, challenge expired, signature missing, not 64 raw bytes, or not
 *       valid over the expected bytes (wrong key, other context, replay, DER encoding).</li>
 * </ul>
 */
final class KeyAuthenticator implements EnhancedAuthenticator {

    /** The federation listener's name (HiveMqConfig). */
    static final String FEDERATION_LISTENER = "switchboard-federation";

    private static final Logger log = LoggerFactory.getLogger(KeyAuthenticator.class);
    /** Upper bound HiveMQ waits for our own asynchronous work (parse, verify). */
    private static final Duration WORK_TIMEOUT = Duration.ofSeconds(10);

    private final BrokerSettings settings;
    private final Executor executor;
    private final ConnectionRegistry registry;

    private String clientId;
    private PublicKey key;
    /** The SPKI bytes of {@link #key} as the client sent them at CONNECT. */
    private byte[] spki;
    private byte[] challenge;
    private long challengeDeadlineNanos;
    private boolean authenticated;
    private final AuthCounters counters;
    /** The connection's source address, taken at CONNECT, for the node's scanner blocking. */
    private @Nullable InetAddress address;

    KeyAuthenticator(final @NotNull BrokerSettings settings, final @NotNull Executor executor,
                     final @NotNull ConnectionRegistry registry) {
        this(settings, executor, registry, new AuthCounters());
    }

    KeyAuthenticator(final @NotNull BrokerSettings settings, final @NotNull Executor executor,
                     final @NotNull ConnectionRegistry registry, final @NotNull AuthCounters counters) {
        this.settings = settings;
        this.executor = executor;
        this.registry = registry;
        this.counters = counters;
    }

    @Override
    public void onConnect(final @NotNull EnhancedAuthConnectInput input,
                          final @NotNull EnhancedAuthOutput out) {
        final ConnectPacket connect = input.getConnectPacket();
        address = input.getConnectionInformation().getInetAddress().orElse(null);
        final boolean federationListener = input.getConnectionInformation().getListener()
                .map(l -> FEDERATION_LISTENER.equals(l.getName())).orElse(false);
        if (federationListener) {
            final X509Certificate certificate = input.getConnectionInformation().getClientTlsInformation()
                    .flatMap(ClientTlsInformation::getClientCertificate).orElse(null);
            final ClientInputHolder holder = new ClientInputHolder(input);
            runAsync(out, () -> decideFederation(connect.getClientId(), certificate, holder, out));
            return;
        }
        if (refusedMethod(out, connect.getClientId(),
                connect.getAuthenticationMethod().orElse(null))) {
            return;
        }
        final String claimedId = connect.getClientId();
        final byte[] spki = connect.getAuthenticationData().map(Buffers::copyOf)
                .orElse(new byte[0]);
        runAsync(out, () -> decideConnect(claimedId, spki, out));
    }

    /**
     * A peer node on the federation listener: the TLS handshake proved the key in its client
     * certificate (and the listener's trust manager let in only configured peer nodes); its client
     * id must be the id of that key and the id a {@link PeerRole#FEDERATION} peer now.
     */
    private void decideFederation(final String claimedId, final @Nullable X509Certificate certificate,
                                  final ClientInputHolder holder, final EnhancedAuthOutput out) {
        if (certificate == null) {
            refuse(out, claimedId, DisconnectedReasonCode.NOT_AUTHORIZED,
                    "the federation listener admits peer nodes by their client certificate only");
            return;
        }
        final String keyId = PeerIds.fromSpki(certificate.getPublicKey().getEncoded());
        if (!keyId.equals(claimedId)) {
            log.warn("federation: refused a peer node whose client id {} is not the id {} of the key in its "
                    + "certificate", claimedId, keyId);
            refuse(out, claimedId, DisconnectedReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                    "client id must be the node id of the key in the client certificate");
            return;
        }
        if (settings.trustedPeers().get(keyId) != PeerRole.FEDERATION) {
            log.warn("federation: refused node {}: not a configured peer node", keyId);
            refuse(out, claimedId, DisconnectedReasonCode.NOT_AUTHORIZED, "not a configured peer node");
            return;
        }
        clientId = keyId;
        authenticated = true;
        registry.register(holder.input, new ConnectionState(keyId, PeerRole.FEDERATION,
                holder.input.getConnectionInformation().getInetAddress().orElse(null),
                new PublishRateLimiter(settings.publishLimits(), System.nanoTime())));
        counters.success();
        out.authenticateSuccessfully();
    }

    private void decideConnect(final String claimedId, final byte[] spki,
                               final EnhancedAuthOutput out) {
        if (spki.length == 0) {
            refuse(out, claimedId, DisconnectedReasonCode.NOT_AUTHORIZED,
                    "authentication data must be the client's public key (SPKI DER)");
            return;
        }
        // Identity: client id == base64url(SHA-256(SPKI)), so an id cannot be used without its key
        if (!PeerIds.fromSpki(spki).equals(claimedId)) {
            refuse(out, claimedId, DisconnectedReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                    "client id must be base64url(SHA-256(public key SPKI))");
            return;
        }
        final KeyProof.KeyResult parsed = KeyProof.parsePublicKey(spki);
        if (parsed instanceof KeyProof.InvalidKey invalid) {
            refuse(out, claimedId, DisconnectedReasonCode.NOT_AUTHORIZED, invalid.reason());
            return;
        }
        clientId = claimedId;
        key = ((KeyProof.ValidKey) parsed).key();
        this.spki = spki;
        issueChallenge(out);
    }

    private void issueChallenge(final EnhancedAuthOutput out) {
        challenge = KeyProof.challenge(KeyProof.newNonce(), settings.nodeId());
        challengeDeadlineNanos = System.nanoTime() + settings.authTimeout().toNanos();
        out.setTimeout((int) Math.max(1, settings.authTimeout().toSeconds()));
        out.continueAuthentication(challenge.clone());
    }

    @Override
    public void onAuth(final @NotNull EnhancedAuthInput input, final @NotNull EnhancedAuthOutput out) {
        final AuthPacket auth = input.getAuthPacket();
        final String who = input.getClientInformation().getClientId();
        if (refusedMethod(out, who, auth.getAuthenticationMethod())) {
            return;
        }
        // Single use: whatever happens next, this challenge is spent.
        final byte[] expected = challenge;
        challenge = null;
        if (auth.getReasonCode() != AuthReasonCode.CONTINUE_AUTHENTICATION || expected == null
                || key == null) {
            refuse(out, who, DisconnectedReasonCode.NOT_AUTHORIZED,
                    "no challenge outstanding for this AUTH");
            return;
        }
        if (System.nanoTime() - challengeDeadlineNanos > 0) {
            refuse(out, who, DisconnectedReasonCode.NOT_AUTHORIZED, "challenge expired");
            return;
        }
        final byte[] signature = auth.getAuthenticationData().map(Buffers::copyOf)
                .orElse(new byte[0]);
        final boolean reAuth = input.isReAuthentication();
        final ClientInputHolder holder = new ClientInputHolder(input);
        runAsync(out, () -> {
            final byte[] signed = KeyProof.signedBytes(clientId, expected);
            if (!KeyProof.verify(key, signed, signature)) {
                refuse(out, clientId, DisconnectedReasonCode.NOT_AUTHORIZED,
                        "signature does not verify (expected 64-byte raw r||s ECDSA P-256 over "
                                + "the sb-key-v1 challenge)");
                return;
            }
            if (!reAuth && !authenticated) {
                authenticated = true;
                registry.register(holder.input, new ConnectionState(clientId,
                        settings.trustedPeers().get(clientId),
                        holder.input.getConnectionInformation().getInetAddress().orElse(null),
                        new PublishRateLimiter(settings.publishLimits(), System.nanoTime()), spki));
            }
            log.debug("Authenticated {}", clientId);
            counters.success();
            out.authenticateSuccessfully();
        });
    }

    /**
     * Client-initiated re-authentication (AUTH 0x19, MQTT 5 §4.12.1): a fresh challenge for the
     * key bound at CONNECT.
     */
    @Override
    public void onReAuth(final @NotNull EnhancedAuthInput input,
                         final @NotNull EnhancedAuthOutput out) {
        final AuthPacket auth = input.getAuthPacket();
        final String who = input.getClientInformation().getClientId();
        if (refusedMethod(out, who, auth.getAuthenticationMethod())) {
            return;
        }
        if (!authenticated || key == null) {
            refuse(out, who, DisconnectedReasonCode.NOT_AUTHORIZED, "not authenticated");
            return;
        }
        issueChallenge(out);
    }

    /**
     * The method check of CONNECT, AUTH and re-AUTH (MQTT 5 §4.12: every AUTH of an exchange
     * repeats the CONNECT's method): anything but {@value KeyProof#METHOD}, or none, fails the
     * authentication with 0x8C Bad authentication method.
     *
     * @return {@code true} if it refused (the caller stops), {@code false} if the method is ours.
     */
    private boolean refusedMethod(final EnhancedAuthOutput out, final String who,
                                  final @Nullable String method) {
        if (KeyProof.METHOD.equals(method)) {
            return false;
        }
        refuse(out, who, DisconnectedReasonCode.BAD_AUTHENTICATION_METHOD,
                "authentication method must be " + KeyProof.METHOD);
        return true;
    }

    private void refuse(final EnhancedAuthOutput out, final String who,
                        final DisconnectedReasonCode code, final String reason) {
        log.debug("Refused {}: {} ({})", who, reason, code);
        counters.failure();
        try {
            settings.addressGate().keyProofFailed(address);
        } catch (final RuntimeException e) {
            log.warn("The address gate failed on a failed key proof: {}", e.toString());
        }
        out.failAuthentication(code, reason);
    }

    /** Runs {@code work} on the extension executor, deciding NOT_AUTHORIZED if it fails. */
    private void runAsync(final EnhancedAuthOutput out, final Runnable work) {
        final Async<EnhancedAuthOutput> async = out.async(WORK_TIMEOUT, TimeoutFallback.FAILURE,
                DisconnectedReasonCode.NOT_AUTHORIZED);
        final Runnable guarded = () -> {
            try {
                work.run();
            } catch (final RuntimeException e) {
                log.warn("Authentication of {} failed internally", clientId, e);
                counters.failure();
                try {
                    out.failAuthentication(DisconnectedReasonCode.NOT_AUTHORIZED,
                            "authentication failed");
                } catch (final UnsupportedOperationException alreadyDecided) {
                    // a decision was made before the failure; keep it
                }
            } finally {
                async.resume();
            }
        };
        try {
            executor.execute(guarded);
        } catch (final RejectedExecutionException e) {
            guarded.run(); // shutting down: decide inline rather than leave the client hanging
        }
    }

    /** Keeps the input for the attribute store across the async hop. */
    private record ClientInputHolder(com.hivemq.extension.sdk.api.parameter.ClientBasedInput input) {
    }
}
