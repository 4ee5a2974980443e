package dev.switchboard.node.config;

import dev.switchboard.broker.PeerRole;
import org.jetbrains.annotations.NotNull;

import java.util.Map;
import java.util.Set;

/**
 * The part of the configuration that may change while the node runs: a reload of the file
 * ({@link ConfigReloader}) hands a new value to every listener of the {@link RuntimeSettingsHolder}.
 * Everything else in {@link NodeConfig} (ports, bind addresses, the data directory, TLS files,
 * relay limits, ...) is read once at start and needs a restart.
 *
 * <p>Today this is {@code broker.trustedPeers}; the settings the next features bring (admin
 * paths, allow-lists, permitted names, federated peers) belong here too, each with its key in
 * {@link #KEYS} and its value taken from the file in {@link #of} and put back in {@link #applyTo}.
 *
 * @param trustedPeers {@code broker.trustedPeers}: the node's own clients by peer id and their role.
 * @param federationPeers {@code federation.peers}: peer node id to its federation listener's address.
 */
public record RuntimeSettings(@NotNull Map<String, PeerRole> trustedPeers,
                              @NotNull Map<String, java.net.InetSocketAddress> federationPeers) {

    /** The dotted keys of the file that change at run time; every other key needs a restart. */
    public static final Set<String> KEYS = Set.of("broker.trustedPeers", "federation.peers");

    public RuntimeSettings {
        trustedPeers = Map.copyOf(trustedPeers);
        federationPeers = Map.copyOf(federationPeers);
    }

    /** @param trustedPeers see the record components; no federation peers. */
    public RuntimeSettings(final @NotNull Map<String, PeerRole> trustedPeers) {
        this(trustedPeers, Map.of());
    }

    /**
     * @param config a validated configuration.
     * @return its run-time settings.
     */
    public static @NotNull RuntimeSettings of(final @NotNull NodeConfig config) {
        return new RuntimeSettings(config.broker().trustedPeers(), config.federation().peers());
    }

    /**
     * @param running the configuration the node runs with.
     * @return {@code running} with every run-time key taken from this value; all other keys keep
     *         their running values.
     */
    public @NotNull NodeConfig applyTo(final @NotNull NodeConfig running) {
        final NodeConfig.Broker b = running.broker();
        return new NodeConfig(running.dataDir(), running.publicHost(), running.pathPrefix(), running.web(),
                new NodeConfig.Broker(b.bind(), b.webSocketPort(), b.tcpPort(), trustedPeers),
                running.stun(), running.relay(), running.limits(), running.log(), running.metrics(),
                running.callee(),
                new NodeConfig.Federation(running.federation().bind(), running.federation().port(),
                        running.federation().hopLimit(), federationPeers));
    }
}
