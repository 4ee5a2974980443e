package oshi;

import oshi.hardware.CentralProcessor;
import oshi.hardware.HardwareAbstractionLayer;

/**
 * Stands in for OSHI's {@code oshi.SystemInfo}, of which HiveMQ CE makes one call: when its
 * {@code SystemInformationImpl} is built, it asks
 * {@code new SystemInfo().getHardware().getProcessor().getPhysicalProcessorCount()} and keeps the
 * smaller of that and {@link Runtime#availableProcessors()}, a figure only its anonymous usage
 * statistics read (off in this broker: {@code HiveMqConfig}). The root POM leaves out OSHI and,
 * with it, JNA: real OSHI loads JNA's native library (unpacked into the user's cache or temporary
 * folder), runs {@code ldconfig -p} and {@code uname} and reads udev at every start, which cost
 * about 3.4 MB of resident memory and 0.1 to 0.3 s of every start (docs/performance.md,
 * "Footprint, sixth round").
 *
 * <p>Only the three types and three methods HiveMQ CE's bytecode refers to exist; a HiveMQ version
 * that asks for more fails in the broker's tests ({@code BrokerFootprintIT}, and every test that
 * starts the broker) rather than in an operator's hands.
 */
public final class SystemInfo {

    /** Answers HiveMQ's question from the JVM, as HiveMQ itself does when OSHI cannot tell. */
    private static final HardwareAbstractionLayer HARDWARE = () -> JvmProcessor.INSTANCE;

    /** Creates the entry point; no work is done and nothing is read. */
    public SystemInfo() {
    }

    /** @return the hardware, whose only part is the processor (never null) */
    public HardwareAbstractionLayer getHardware() {
        return HARDWARE;
    }

    /** The processor as the JVM sees it. */
    private enum JvmProcessor implements CentralProcessor {
        INSTANCE;

        @Override
        public int getPhysicalProcessorCount() {
            return Runtime.getRuntime().availableProcessors();
        }
    }
}
