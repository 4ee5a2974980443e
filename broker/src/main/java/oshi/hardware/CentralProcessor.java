package oshi.hardware;

/**
 * Stands in for OSHI's central processor: only the physical core count HiveMQ CE asks for (see
 * {@link oshi.SystemInfo}).
 */
@FunctionalInterface
public interface CentralProcessor {

    /**
     * @return the processors this JVM may use ({@link Runtime#availableProcessors()}, at least 1),
     *     not the physical cores, which only OSHI could tell; HiveMQ CE keeps the smaller of this and
     *     the JVM's count, so it gets the JVM's count
     */
    int getPhysicalProcessorCount();
}
