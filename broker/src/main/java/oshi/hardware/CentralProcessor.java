package oshi.hardware;

/**
 * Stands in for OSHI's central processor: only the physical core count HiveMQ CE asks for (see
 * {@link oshi.SystemInfo}).
 */
@FunctionalInterface
public interface CentralProcessor {

    /**
     * @return the processors this JVM may use ({@link Runtime#availableProcessors()}, at least 1):
     *     without OSHI's view of the hardware, the logical processors, which is what HiveMQ CE uses
     *     anyway whenever it has fewer than physical cores
     */
    int getPhysicalProcessorCount();
}
