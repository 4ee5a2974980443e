package dev.switchboard.node;

import org.jetbrains.annotations.Nullable;

/**
 * The number of threads of the Netty event loop groups that leave it to Netty's default: HiveMQ's
 * child group, which carries every MQTT connection, and the web server's I/O group. Netty's default
 * is twice the processors; on the node one per processor carries more: with 100 pairs of MQTT
 * clients on 2 cores, 2 loops instead of 4 made plain exchanges through the broker 36-82% faster
 * and checked ones 13-36% (each message wakes fewer threads, and each wake-up finds more to do;
 * {@code docs/performance.md}, "Signaling, fifth round"). The relay and the STUN service size their
 * own groups.
 */
final class EventLoopDefaults {

    /** Netty's system property, read once when its first event loop group class is initialised. */
    static final String PROPERTY = "io.netty.eventLoopThreads";

    private EventLoopDefaults() {
    }

    /**
     * Sets {@value #PROPERTY} to the processors the JVM may use ({@code availableProcessors()},
     * which follows a container's CPU limit) unless it is set already (an operator's
     * {@code -Dio.netty.eventLoopThreads} in {@code SWITCHBOARD_JAVA_OPTS} wins). Call at the start
     * of {@code main}, before any Netty event loop group exists; later it changes nothing.
     *
     * @return the value it set, or {@code null} if the property was set already
     */
    static @Nullable String applyUnlessSet() {
        if (System.getProperty(PROPERTY) != null) {
            return null;
        }
        final String threads = String.valueOf(Math.max(1, Runtime.getRuntime().availableProcessors()));
        System.setProperty(PROPERTY, threads);
        return threads;
    }
}
