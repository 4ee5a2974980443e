package dev.switchboard.node.config;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigWatcherTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private final AtomicInteger changes = new AtomicInteger();
    private ConfigWatcher watcher;

    @AfterEach
    void stop() {
        if (watcher != null) {
            watcher.close();
        }
    }

    @Test
    void fileWrittenInPlace_taskRuns() throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, "web: {port: 1}\n");
        watcher = ConfigWatcher.start(file, Duration.ofMillis(50), changes::incrementAndGet);

        Files.writeString(file, "web: {port: 2}\n");

        await().atMost(WAIT).until(() -> changes.get() >= 1);
    }

    @Test
    void fileReplacedByRename_taskRuns() throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, "web: {port: 1}\n");
        watcher = ConfigWatcher.start(file, Duration.ofMillis(50), changes::incrementAndGet);

        // As editors and deployment tools do: write a new file beside it, rename it over the old one.
        final Path temp = dir.resolve(".switchboard.yaml.swp");
        Files.writeString(temp, "web: {port: 2}\n");
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

        await().atMost(WAIT).until(() -> changes.get() >= 1);
    }

    @Test
    void fileCreatedAfterStart_taskRuns() throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        watcher = ConfigWatcher.start(file, Duration.ofMillis(50), changes::incrementAndGet);

        Files.writeString(file, "web: {port: 2}\n");

        await().atMost(WAIT).until(() -> changes.get() >= 1);
    }

    @Test
    void burstOfWrites_debouncedIntoOneRun() throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, "web: {port: 1}\n");
        watcher = ConfigWatcher.start(file, Duration.ofSeconds(1), changes::incrementAndGet);

        for (int i = 0; i < 10; i++) {
            Files.writeString(file, "web: {port: " + (i + 2) + "}\n");
        }

        await().atMost(WAIT).until(() -> changes.get() >= 1);
        // Every run that could come from the burst has had its debounce period by now.
        await().during(Duration.ofMillis(1500)).atMost(WAIT).until(() -> changes.get() == 1);
    }

    @Test
    void otherFileInTheDirectory_ignored() throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, "web: {port: 1}\n");
        watcher = ConfigWatcher.start(file, Duration.ofMillis(50), changes::incrementAndGet);

        Files.writeString(dir.resolve("other.txt"), "not the configuration");
        Files.writeString(dir.resolve("switchboard.yaml.bak"), "web: {port: 3}\n");

        // Well past the debounce period, no run at all (the counter sees every run).
        await().during(Duration.ofMillis(500)).atMost(WAIT).until(() -> changes.get() == 0);
        Files.writeString(file, "web: {port: 2}\n");
        await().atMost(WAIT).until(() -> changes.get() == 1);
    }

    @Test
    void start_badDebounce_throws() {
        assertThrows(IllegalArgumentException.class,
                () -> ConfigWatcher.start(dir.resolve("x.yaml"), Duration.ZERO, changes::incrementAndGet));
    }
}
