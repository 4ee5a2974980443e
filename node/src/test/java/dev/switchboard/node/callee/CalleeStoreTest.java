package dev.switchboard.node.callee;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link CalleeStore}: durable round trips, lazy changes, damage detection, and load time at 100,000. */
class CalleeStoreTest {

    @TempDir
    Path dir;

    private static CalleeRegistration registration(final String label) {
        final Instant t = Instant.parse("2026-03-01T12:00:00Z");
        return new CalleeRegistration(CalleeRegistryTest.random(32), CalleeRegistry.hashOf(CalleeRegistryTest.random(32)),
                label, t, t);
    }

    @Test
    void put_acknowledged_isOnDiskForTheNextOpen() throws Exception {
        final CalleeRegistration a = registration("Ann ☕");
        final CalleeRegistration b = registration("");
        final CalleeStore store = CalleeStore.open(dir);
        store.put(a).get(10, TimeUnit.SECONDS);
        store.put(b).get(10, TimeUnit.SECONDS);
        // not closed: what was acknowledged must already be on disk
        final CalleeStore other = CalleeStore.open(dir);
        final Map<String, CalleeRegistration> loaded =
                other.all().stream().collect(Collectors.toMap(CalleeRegistration::calleeId, Function.identity()));
        assertEquals(Map.of(a.calleeId(), a, b.calleeId(), b), loaded);
        other.close();
        store.close();
    }

    @Test
    void updateAndRemove_writtenAtClose() throws Exception {
        final CalleeRegistration a = registration("a");
        final CalleeRegistration b = registration("b");
        CalleeStore store = CalleeStore.open(dir);
        store.put(a).get(10, TimeUnit.SECONDS);
        store.put(b).get(10, TimeUnit.SECONDS);
        final CalleeRegistration used = a.usedAt(a.lastUsed().plusSeconds(3600));
        store.update(used);
        store.remove(b);
        store.close();
        store = CalleeStore.open(dir);
        assertEquals(List.of(used), store.all());
        store.close();
    }

    @Test
    void open_damagedShard_refusedNamingTheFile() throws Exception {
        final CalleeRegistration a = registration("a");
        final CalleeStore store = CalleeStore.open(dir);
        store.put(a).get(10, TimeUnit.SECONDS);
        store.close();
        final Path shard;
        try (var files = Files.list(dir)) {
            shard = files.filter(p -> p.getFileName().toString().startsWith("shard-")).findFirst().orElseThrow();
        }
        final byte[] bytes = Files.readAllBytes(shard);
        bytes[12] ^= 1;
        Files.write(shard, bytes);
        final IOException e = assertThrows(IOException.class, () -> CalleeStore.open(dir));
        assertTrue(e.getMessage().contains(shard.getFileName().toString()) && e.getMessage().contains("damaged"),
                e.getMessage());
    }

    @Test
    void open_leftoverTemporaryFile_deleted() throws Exception {
        final Path temp = dir.resolve(".shard-07.bin12345.tmp");
        Files.write(temp, new byte[] {1, 2, 3});
        CalleeStore.open(dir).close();
        assertFalse(Files.exists(temp));
    }

    /** docs/protocol.md §5.3: thousands of registrations load in well under a second. */
    @Test
    void open_100000Registrations_loadTimePrinted() throws Exception {
        final int n = 100_000;
        final List<List<CalleeRegistration>> shards = new ArrayList<>();
        for (int i = 0; i < CalleeStore.SHARDS; i++) {
            shards.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            final CalleeRegistration r = registration("label " + i);
            shards.get(CalleeStore.shardOf(r.calleeId())).add(r);
        }
        for (int i = 0; i < CalleeStore.SHARDS; i++) {
            Files.write(dir.resolve(String.format("shard-%02d.bin", i)), CalleeStore.encode(shards.get(i)));
        }
        for (int warm = 0; warm < 2; warm++) {
            final long t0 = System.nanoTime();
            final CalleeStore s = CalleeStore.open(dir);
            final long t1 = System.nanoTime();
            new CalleeRegistry(s, new MutableClock(Instant.parse("2026-03-02T00:00:00Z")), CalleeRegistry.DEFAULT_EXPIRY);
            System.out.printf("CalleeStoreTest: load %d of 100,000 pairs: store %d ms, registry %d ms%n", warm + 1,
                    (t1 - t0) / 1_000_000, (System.nanoTime() - t1) / 1_000_000);
            s.close();
        }
        final long start = System.nanoTime();
        final CalleeStore store = CalleeStore.open(dir);
        final CalleeRegistry registry = new CalleeRegistry(store, new MutableClock(Instant.parse("2026-03-02T00:00:00Z")),
                CalleeRegistry.DEFAULT_EXPIRY);
        final long millis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf("CalleeStoreTest: loaded %,d callee registrations in %d ms%n", registry.size(), millis);
        assertEquals(n, registry.size());
        final long writeStart = System.nanoTime();
        store.put(registration("one more")).get(30, TimeUnit.SECONDS);
        System.out.printf("CalleeStoreTest: one durable registration among %,d took %d ms (one shard rewritten)%n",
                n, (System.nanoTime() - writeStart) / 1_000_000);
        store.close();
    }
}
