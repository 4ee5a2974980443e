package dev.switchboard.node.config;

import dev.switchboard.broker.PeerRole;
import org.jetbrains.annotations.NotNull;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The part of the configuration that may change while the node runs: a reload of the file
 * ({@link ConfigReloader}) hands a new value to every listener of the {@link RuntimeSettingsHolder}.
 * Everything else in {@link NodeConfig} (ports, bind addresses, the data directory, TLS files,
 * relay limits, ...) is read once at start and needs a restart.
 *
 * <p>Today these are {@code broker.trustedPeers}, the {@code access} section (allow-lists, scanner
 * blocking) and the {@code lobby} section (admins, secret paths, permitted names); the settings
 * the next features bring (federated peers) belong here too, each with its key in
 * {@link #KEYS} and its value taken from the file in {@link #of} and put back in {@link #applyTo}.
 *
 * @param trustedPeers {@code broker.trustedPeers}: the node's own clients by peer id and their role.
 * @param federationPeers {@code federation.peers}: peer node id to its federation listener's address.
 * @param access       the {@code access} section: allow-lists and scanner blocking.
 * @param lobby        the {@code lobby} section: admins, their secret paths and permitted names.
 */
public record RuntimeSettings(@NotNull Map<String, PeerRole> trustedPeers,
                              @NotNull Map<String, java.net.InetSocketAddress> federationPeers,
                              @NotNull NodeConfig.Access access, @NotNull NodeConfig.Lobby lobby) {

    /** The dotted keys of the file that change at run time; every other key needs a restart. */
    public static final Set<String> KEYS = Set.of("broker.trustedPeers", "federation.peers", "access.allow",
            "access.countries", "access.geoipDatabase", "access.block", "lobby.admins", "lobby.home");

    public RuntimeSettings {
        trustedPeers = Map.copyOf(trustedPeers);
        federationPeers = Map.copyOf(federationPeers);
        Objects.requireNonNull(access, "access");
        Objects.requireNonNull(lobby, "lobby");
    }

    /** @param trustedPeers see the record components; no federation peers, default access and lobby. */
    public RuntimeSettings(final @NotNull Map<String, PeerRole> trustedPeers) {
        this(trustedPeers, Map.of());
    }

    /** @param trustedPeers see the record components; default access and lobby. */
    public RuntimeSettings(final @NotNull Map<String, PeerRole> trustedPeers,
                           final @NotNull Map<String, java.net.InetSocketAddress> federationPeers) {
        this(trustedPeers, federationPeers, ConfigLoader.defaults().access(), ConfigLoader.defaults().lobby());
    }

    /**
     * @param config a validated configuration.
     * @return its run-time settings.
     */
    public static @NotNull RuntimeSettings of(final @NotNull NodeConfig config) {
        return new RuntimeSettings(config.broker().trustedPeers(), config.federation().peers(), config.access(),
                config.lobby());
    }

    /**
     * @param running the configuration the node runs with.
     * @return {@code running} with every run-time key taken from this value; all other keys keep
     *         their running values.
     */
    public @NotNull NodeConfig applyTo(final @NotNull NodeConfig running) {
        final NodeConfig.Broker b = running.broker();
        return new NodeConfig(running.dataDir(), running.publicHost(), running.pathPrefix(), running.web(),
                new NodeConfig.Broker(b.bind(), b.webSocketPort(), b.tcpPort(), trustedPeers, b.compat()),
                running.stun(), running.relay(), running.limits(), running.log(), running.metrics(),
                running.callee(),
                new NodeConfig.Federation(running.federation().bind(), running.federation().port(),
                        running.federation().hopLimit(), federationPeers),
                access, lobby);
    }
}
