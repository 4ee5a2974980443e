package oshi.hardware;

/**
 * Stands in for OSHI's hardware abstraction layer: only the processor, which is all HiveMQ CE asks
 * of it (see {@link oshi.SystemInfo}).
 */
@FunctionalInterface
public interface HardwareAbstractionLayer {

    /** @return the central processor (never null) */
    CentralProcessor getProcessor();
}
