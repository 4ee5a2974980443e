package dev.switchboard.node.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs external commands for the packaging tests, each bounded in time. */
final class Commands {

    /** A finished command: its exit code and its output (stdout and stderr together). */
    record Result(int exitCode, String output) {
        Result expectSuccess(final List<String> command) {
            if (exitCode != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + exitCode
                        + ":\n" + output);
            }
            return this;
        }
    }

    /** The environment every command starts from. */
    static final Map<String, String> CLEAN_ENVIRONMENT = Map.of(
            "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "LANG", "C.UTF-8",
            "DEBIAN_FRONTEND", "noninteractive");

    private Commands() {
    }

    /** @return whether {@code name} is an executable on the clean environment's PATH. */
    static boolean onPath(final String name) {
        final String path = CLEAN_ENVIRONMENT.get("PATH");
        for (final String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }

    static Result run(final Duration timeout, final String... command) {
        return run(timeout, Map.of(), null, command);
    }

    /**
     * Runs {@code command}, stdin empty, and waits at most {@code timeout}; a command still running
     * then is killed with all its descendants and fails the test.
     */
    static Result run(final Duration timeout, final Map<String, String> environment,
                      final Path directory, final String... command) {
        final Path log;
        try {
            log = Files.createTempFile("switchboard-command-", ".log");
        } catch (final IOException e) {
            throw new AssertionError("cannot create a temporary file", e);
        }
        try {
            final ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
            // A clean environment, as systemd and dpkg give (failsafe's own points JAVA_HOME at
            // the loopback wrapper, which would put a started node into a namespace of its own).
            builder.environment().clear();
            builder.environment().putAll(CLEAN_ENVIRONMENT);
            builder.environment().putAll(environment);
            if (directory != null) {
                builder.directory(directory.toFile());
            }
            final Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError(String.join(" ", command) + " did not finish within "
                        + timeout + ":\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (final IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command), e);
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted running " + String.join(" ", command), e);
        } finally {
            try {
                Files.deleteIfExists(log);
            } catch (final IOException ignored) {
                // a temporary file; nothing depends on it
            }
        }
    }
}
