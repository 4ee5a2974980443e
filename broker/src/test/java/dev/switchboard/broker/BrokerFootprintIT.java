package dev.switchboard.broker;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import com.hivemq.configuration.info.SystemInformationImpl;
import dev.switchboard.broker.spi.SignalingInterceptor;
import dev.switchboard.broker.topic.Topics;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The embedded broker without HiveMQ CE's file stores: the build leaves out Xodus (and the Kotlin
 * runtime it brings), Eclipse Collections and RocksDB's native libraries (root POM), because the
 * broker runs with in-memory persistence. This class path is the one the node ships with, so the
 * broker starting, keeping a retained message, delivering between clients and stopping here shows
 * the node does not need them. HiveMQ reads no XML either: {@link HiveMqConfigReader} hands it
 * its configuration without JAXB. Nor does it have OSHI and JNA: the broker's {@code oshi} package
 * answers the one question HiveMQ asks of OSHI.
 */
class BrokerFootprintIT {

    private static final ClassLoader LOADER = BrokerFootprintIT.class.getClassLoader();

    @Test
    void classPath_withoutFileStores_lacksXodusEclipseCollectionsAndRocksDbNatives() {
        for (final String absent : List.of(
                "jetbrains.exodus.env.Environments",
                "kotlin.Unit",
                "org.eclipse.collections.impl.map.mutable.primitive.LongIntHashMap",
                "org.apache.commons.compress.compressors.CompressorStreamFactory",
                // OSHI and JNA: the broker's oshi package answers HiveMQ's one question instead
                "oshi.hardware.platform.linux.LinuxCentralProcessor",
                "com.sun.jna.Native",
                "com.sun.jna.platform.linux.Udev")) {
            assertThrows(ClassNotFoundException.class, () -> Class.forName(absent, false, LOADER),
                    absent + " is on the class path");
        }
        // HiveMQ's InternalConfigurations touches org.rocksdb.CompressionType while starting, so
        // RocksDB's classes stay; its native libraries (one per platform) do not.
        assertNotNull(LOADER.getResource("org/rocksdb/CompressionType.class"));
        for (final String library : List.of("librocksdbjni-linux64.so",
                "librocksdbjni-linux-aarch64.so", "librocksdbjni-osx-arm64.jnilib",
                "librocksdbjni-win64.dll")) {
            assertNull(LOADER.getResource(library), library + " is on the class path");
        }
    }

    @Test
    void hiveMqSystemInformation_withoutOshi_takesTheJvmsProcessorCount_withoutAWarning() {
        final ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger)
                org.slf4j.LoggerFactory.getLogger(SystemInformationImpl.class);
        final ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        try {
            // HiveMQ's own class, as EmbeddedHiveMQImpl builds it: it asks OSHI's SystemInfo for the
            // physical core count, and warns and falls back to the JVM's count if that fails.
            final SystemInformationImpl information = new SystemInformationImpl(true, true, null, null, null);
            assertEquals(Runtime.getRuntime().availableProcessors(), information.getProcessorCount());
        } finally {
            logger.detachAppender(events);
        }
        assertEquals(List.of(), events.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
        assertEquals(Runtime.getRuntime().availableProcessors(),
                new oshi.SystemInfo().getHardware().getProcessor().getPhysicalProcessorCount());
    }

    @Test
    void broker_withoutFileStores_startsKeepsRetainedDeliversAndStops() throws Exception {
        final EmbeddedBroker broker = new EmbeddedBroker(BrokerSettings.builder()
                .nodeId("footprint-node")
                .tcpBindAddress(InetAddress.getLoopbackAddress())
                .tcpPort(0)
                .webSocketBindAddress(InetAddress.getLoopbackAddress())
                .webSocketPort(0)
                .interceptor(SignalingInterceptor.FORWARD_ALL)
                .build());
        try (broker; TestPeer a = new TestPeer(); TestPeer b = new TestPeer()) {
            final int served = HiveMqConfigReader.served();
            final int delegated = HiveMqConfigReader.delegated();
            broker.start();
            // HiveMQ got its configuration as objects (HiveMqConfigReader), not through JAXB
            assertEquals(served + 1, HiveMqConfigReader.served());
            assertEquals(delegated, HiveMqConfigReader.delegated());
            broker.publish(Topics.NODE_INFO, "{\"v\":1}".getBytes(StandardCharsets.UTF_8), true)
                    .get(TestPeer.WAIT.toMillis(), TimeUnit.MILLISECONDS);
            a.connect(broker.tcpPort());
            b.connect(broker.tcpPort());
            assertEquals(1, a.subscribe(Topics.NODE_INFO));
            final Mqtt5Publish info = a.next(Topics.NODE_INFO);
            assertNotNull(info, "retained node info not delivered");
            assertEquals("{\"v\":1}", TestPeer.payload(info));
            assertEquals(1, b.subscribe(b.inbox()));
            assertEquals(0, a.publish(b.inbox(), "{\"v\":1,\"type\":\"ping\"}").code());
            final Mqtt5Publish ping = b.next(b.inbox());
            assertNotNull(ping, "message not delivered");
            assertEquals(List.of(a.id), TestPeer.senders(ping));
        }
        assertFalse(broker.isRunning());
    }
}
