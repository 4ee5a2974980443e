package dev.switchboard.node.callee;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Kills a process with {@code SIGKILL} ({@link Process#destroyForcibly()} on Linux) in the middle
 * of a burst of registrations ({@link CalleeStoreBurst}, four threads writing without pause) and
 * checks that the store still opens and holds every registration the process had acknowledged.
 */
class CalleeStoreCrashIT {

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void killDuringBurst_everyAcknowledgedRegistrationLoads() throws Exception {
        for (int round = 0; round < 3; round++) {
            final Map<String, String> acknowledged = new HashMap<>();
            final String java = ProcessHandle.current().info().command().orElse("java");
            final Process child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                    CalleeStoreBurst.class.getName(), dir.toString()))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            final int wanted = 150 * (round + 1);
            try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while (acknowledged.size() < wanted && (line = out.readLine()) != null) {
                    final String[] parts = line.split(" ");
                    if (parts.length == 3 && parts[0].equals("ack")) {
                        acknowledged.put(parts[1], parts[2]);
                    }
                }
                // SIGKILL while four threads keep writing: no shutdown hook, no close, writes in flight.
                // (Acknowledgements the child printed but we did not read yet are not counted.)
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child died");
            }
            assertTrue(acknowledged.size() >= wanted, "the child acknowledged " + acknowledged.size());
            try (CalleeStore store = CalleeStore.open(dir)) {
                for (final Map.Entry<String, String> e : acknowledged.entrySet()) {
                    final CalleeRegistration r = store.get(e.getKey());
                    assertNotNull(r, "acknowledged registration " + e.getKey() + " lost in round " + round);
                    assertEquals(e.getValue(), r.secretHash());
                }
                System.out.printf("CalleeStoreCrashIT: round %d, killed after %d acknowledged; the store holds %d%n",
                        round, acknowledged.size(), store.size());
            }
        }
    }
}
