package dev.switchboard.node.config;

import dev.switchboard.broker.BrokerSettings;
import org.jetbrains.annotations.NotNull;

/**
 * The one place where the node's {@code broker} section becomes the broker module's
 * {@link BrokerSettings} (the broker cannot depend on the node, so it has its own settings type,
 * without defaults for what the file configures). Stateless.
 */
public final class BrokerSettingsMapping {

    private BrokerSettingsMapping() {
    }

    /**
     * @param config the validated configuration.
     * @return a builder with both listeners' address and port and the trusted peers set from the
     *         {@code broker} section, the WebSocket path ({@code mqtt} below {@code pathPrefix}),
     *         the connection and publish limits from {@code limits}, and whether addresses may be
     *         logged from {@code log}; the caller adds what the node decides at start (node id,
     *         TLS keystore, interceptor).
     */
    public static @NotNull BrokerSettings.Builder builder(final @NotNull NodeConfig config) {
        final NodeConfig.Broker broker = config.broker();
        return BrokerSettings.builder()
                .connectionLimits(config.limits().connections())
                .publishLimits(config.limits().publish())
                .logAddresses(config.log().addresses())
                .tcpBindAddress(broker.bind())
                .tcpPort(broker.tcpPort())
                .webSocketBindAddress(broker.bind())
                .webSocketPort(broker.webSocketPort())
                // below the path prefix like the web pages (issue 9: the whole node under a hidden
                // path); clients read it from node-info.json
                .webSocketPath(config.pathPrefix() + "mqtt")
                .trustedPeers(broker.trustedPeers())
                .compat(broker.compat());
    }
}
