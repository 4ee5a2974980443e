package dev.switchboard.node.metrics;

import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NodeMetricsTest {

    @Test
    void jvmFamilies_withoutNativeMemoryTracking_allButTheNativeMemoryOnes() {
        final Set<String> names = new NodeMetrics().registry().scrape().stream()
                .map(s -> s.getMetadata().getPrometheusName()).collect(Collectors.toSet());
        for (final String family : List.of("jvm_threads_current", "jvm_buffer_pool_used_bytes",
                "jvm_classes_currently_loaded", "jvm_compilation_time_seconds", "jvm_gc_collection_seconds",
                "jvm_memory_pool_allocated_bytes", "jvm_memory_used_bytes", "jvm_runtime",
                "process_resident_memory_bytes")) {
            assertTrue(names.contains(family), family + " in " + names);
        }
        // the surefire JVM runs without -XX:NativeMemoryTracking
        assertFalse(names.stream().anyMatch(n -> n.startsWith("jvm_native_memory")), names.toString());
        assertTrue(new NodeMetrics().registry().scrape().stream().map(MetricSnapshot::getDataPoints)
                .anyMatch(points -> !points.isEmpty()));
    }

    @Test
    void tracksNativeMemory_readsTheLastOption() {
        assertFalse(NodeMetrics.tracksNativeMemory(List.of()));
        assertFalse(NodeMetrics.tracksNativeMemory(List.of("-Xmx128m", "-XX:+UseSerialGC")));
        assertTrue(NodeMetrics.tracksNativeMemory(List.of("-XX:NativeMemoryTracking=summary")));
        assertTrue(NodeMetrics.tracksNativeMemory(List.of("-XX:NativeMemoryTracking=detail", "-Xss512k")));
        assertFalse(NodeMetrics.tracksNativeMemory(List.of("-XX:NativeMemoryTracking=summary",
                "-XX:NativeMemoryTracking=off")));
        assertEquals(true, NodeMetrics.tracksNativeMemory(List.of("-XX:NativeMemoryTracking=off",
                "-XX:NativeMemoryTracking=summary")));
    }
}
