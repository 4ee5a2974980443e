package dev.switchboard.node.e2e;

import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.config.NodeConfig;
import org.jetbrains.annotations.NotNull;

import java.nio.file.Path;

/** Configurations for nodes started by tests: loopback only, every port picked by the OS. */
final class TestNodes {
    private TestNodes() {
    }

    /**
     * @param dataDir a temporary directory.
     * @param tls     whether to serve HTTPS/WSS with a self-signed certificate.
     * @return a configuration on 127.0.0.1 with free ports and a small relay range.
     */
    static @NotNull NodeConfig config(final @NotNull Path dataDir, final boolean tls) throws Exception {
        return config(dataDir, tls, "/");
    }

    /**
     * @param pathPrefix the hidden path everything is served under, e.g. {@code /h1dden/}.
     */
    static @NotNull NodeConfig config(final @NotNull Path dataDir, final boolean tls, final @NotNull String pathPrefix)
            throws Exception {
        return config(dataDir, tls, pathPrefix, "41000-41099", "30s");
    }

    /** 20 sessions, or as many as the range holds (two ports each). */
    private static int maxSessions(final String relayPorts) {
        final String[] ends = relayPorts.split("-");
        return Math.min(20, (Integer.parseInt(ends[1].trim()) - Integer.parseInt(ends[0].trim()) + 1) / 2);
    }

    /**
     * @param relayPorts  the relay's UDP port range, e.g. {@code 46400-46499} (test classes that
     *                    run beside others use ranges of their own)
     * @param idleTimeout the relay's idle timeout, e.g. {@code 90s}; the relay takes at most 20
     *                    sessions, fewer when the range is smaller
     */
    static @NotNull NodeConfig config(final @NotNull Path dataDir, final boolean tls, final @NotNull String pathPrefix,
                                      final @NotNull String relayPorts, final @NotNull String idleTimeout)
            throws Exception {
        return ConfigLoader.parse("""
                dataDir: %s
                publicHost: 127.0.0.1
                pathPrefix: %s
                web: { port: 0, tls: %s }
                broker: { webSocketPort: 0, tcpPort: 0 }
                stun: { port: 0 }
                relay: { portRange: %s, maxSessions: %d, idleTimeout: %s }
                """.formatted(dataDir.toString().replace("\\", "/"), pathPrefix, tls, relayPorts,
                maxSessions(relayPorts), idleTimeout), "test");
    }
}
