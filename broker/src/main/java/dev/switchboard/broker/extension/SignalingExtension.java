package dev.switchboard.broker.extension;

import dev.switchboard.broker.guard.Refusals;
import com.hivemq.extension.sdk.api.ExtensionMain;
import com.hivemq.extension.sdk.api.interceptor.connect.ConnectInboundInterceptor;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStartOutput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopInput;
import com.hivemq.extension.sdk.api.parameter.ExtensionStopOutput;
import com.hivemq.extension.sdk.api.services.Services;
import dev.switchboard.broker.BrokerSettings;
import dev.switchboard.broker.CompatListener;
import dev.switchboard.broker.identity.KeyProof;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.Executor;

/**
 * The Switchboard extension's main class, registered as a HiveMQ embedded extension by
 * {@code EmbeddedBroker}. At start it warms up the crypto, then registers: the per-connection
 * {@link KeyAuthenticator}, the shared {@link TopicAuthorizer}, a CONNECT interceptor that removes
 * will messages (the broker itself announces departures), the per-client publish and unsubscribe
 * interceptors, and the per-connection lifecycle listener.
 *
 * <p>Threading: {@link #extensionStart} and {@link #extensionStop} are called by HiveMQ once each;
 * {@link #publisher()} is safe from any thread once started.
 */
public final class SignalingExtension implements ExtensionMain {

    /** The HiveMQ listener name of the compatibility listener ({@link CompatListener}). */
    public static final @NotNull String COMPAT_LISTENER = "switchboard-compat";

    private static final Logger log = LoggerFactory.getLogger(SignalingExtension.class);

    private final BrokerSettings settings;
    private final Refusals refusals;
    private final ConnectionRegistry registry = new ConnectionRegistry();
    private final AuthCounters authCounters;
    private volatile NodePublisher publisher;

    /**
     * @param settings the broker settings (node id, trusted peers, interceptor, timeouts, limits).
     * @param refusals where refusals (publish rate) are counted and logged.
     */
    public SignalingExtension(final @NotNull BrokerSettings settings, final @NotNull Refusals refusals) {
        this(settings, refusals, new AuthCounters());
    }

    /**
     * @param settings     the broker settings (node id, trusted peers, interceptor, timeouts, limits).
     * @param refusals     where refusals (publish rate) are counted and logged.
     * @param authCounters where authentications are counted (it may outlive this extension).
     */
    public SignalingExtension(final @NotNull BrokerSettings settings, final @NotNull Refusals refusals,
                              final @NotNull AuthCounters authCounters) {
        this.settings = settings;
        this.refusals = refusals;
        this.authCounters = authCounters;
    }

    @Override
    public void extensionStart(final @NotNull ExtensionStartInput input,
                               final @NotNull ExtensionStartOutput output) {
        try {
            KeyProof.warmUp();
        } catch (final RuntimeException e) {
            output.preventExtensionStartup("ECDSA P-256 unavailable: " + e.getMessage());
            return;
        }
        final Executor executor = Services.extensionExecutorService();
        final NodePublisher nodePublisher = new NodePublisher(Services.publishService());
        final TopicAuthorizer authorizer = new TopicAuthorizer(registry, settings.interceptor());
        final SignalingPublishInterceptor publishInterceptor =
                new SignalingPublishInterceptor(settings, registry, nodePublisher, refusals);
        final ClientLifecycle.UnsubscribeTracker unsubscribeTracker =
                new ClientLifecycle.UnsubscribeTracker(registry);
        final ConnectInboundInterceptor dropWill =
                (in, out) -> out.getConnectPacket().setWillPublish(null);

        final CompatListener compat = settings.compat();
        final CompatAddresses compatAddresses = compat == null ? null : new CompatAddresses(compat.perAddress());
        // The compatibility listener (when on) lets anonymous flat-topic clients in; every other
        // listener requires the key login.
        Services.securityRegistry().setEnhancedAuthenticatorProvider(providerInput -> compat != null
                && providerInput.getConnectionInformation().getListener()
                        .map(l -> COMPAT_LISTENER.equals(l.getName())).orElse(false)
                ? new CompatAuthenticator(compat, registry, compatAddresses, authCounters)
                : new KeyAuthenticator(settings, executor, registry, authCounters));
        Services.securityRegistry().setAuthorizerProvider(providerInput -> authorizer);
        Services.interceptorRegistry().setConnectInboundInterceptorProvider(in -> dropWill);
        final BrokerSettings.Federation federation = settings.federation();
        Services.initializerRegistry().setClientInitializer((in, context) -> {
            context.addPublishInboundInterceptor(publishInterceptor);
            context.addUnsubscribeInboundInterceptor(unsubscribeTracker);
            if (federation != null && in.getConnectionInformation().getListener()
                    .map(l -> KeyAuthenticator.FEDERATION_LISTENER.equals(l.getName())).orElse(false)) {
                // a peer node's link: count what this node sends over it (only these clients)
                final String clientId = in.getClientInformation().getClientId();
                context.addPublishOutboundInterceptor((publish, unchanged) -> federation.sent().sent(clientId,
                        publish.getPublishPacket().getPayload().map(java.nio.ByteBuffer::remaining).orElse(0)));
            }
        });
        Services.eventRegistry().setClientLifecycleEventListener(providerInput ->
                new ClientLifecycle(registry, nodePublisher, settings.interceptor(), executor, compatAddresses));
        settings.interceptor().attach(registry);
        publisher = nodePublisher;
        log.debug("Switchboard extension started (node id {})", settings.nodeId());
    }

    @Override
    public void extensionStop(final @NotNull ExtensionStopInput input,
                              final @NotNull ExtensionStopOutput output) {
        publisher = null;
    }

    /** @return the node publisher once started, otherwise {@code null}. */
    public @Nullable NodePublisher publisher() {
        return publisher;
    }

    /** @return number of authenticated connections currently tracked (for tests and metrics). */
    public int connectionCount() {
        return registry.size();
    }

    /** @return number of distinct rooms with at least one connected member (for metrics). */
    public int roomCount() {
        return registry.roomCount();
    }
}
