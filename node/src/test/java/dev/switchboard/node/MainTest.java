package dev.switchboard.node;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @BeforeEach
    void capture() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    @Test
    void run_namedConfigMissing_exitCode2AndSaysWhich(@TempDir final Path dir) {
        final Path missing = dir.resolve("nope.yaml");
        assertEquals(2, Main.run("--config", missing.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("nope.yaml"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void run_invalidConfig_exitCode2NamesKey(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, "relay:\n  portRange: 9-1\n");
        assertEquals(2, Main.run("--check-config", "--config", file.toString()));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("relay.portRange"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void run_checkValidConfig_exitCode0PrintsIt(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, "web:\n  port: 9443\n");
        assertEquals(0, Main.run("--check-config", "--config", file.toString()));
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("port=9443"), out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void run_checkConfig_warnsAboutAWeakAdminPath_neverPrintsAPath(@TempDir final Path dir) throws Exception {
        final Path file = dir.resolve("switchboard.yaml");
        Files.writeString(file, """
                lobby:
                  admins:
                    - { name: Ann, path: admin123, permitted: [Bob], super: true }
                    - { name: Cat, path: Vq3-Xk9_pL2mZ7tR4wY8bN, permitted: [Bob] }
                """);
        assertEquals(0, Main.run("--check-config", "--config", file.toString()));
        final String printed = out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("admin 'Ann' has about 41 bits, fewer than 128"),
                printed);
        assertFalse(err.toString(StandardCharsets.UTF_8).contains("'Cat'"), "22 random characters are enough");
        assertFalse(printed.contains("admin123") || printed.contains("Vq3-Xk9"), "secret paths are never printed");
    }

    @Test
    void run_unknownOption_exitCode2() {
        assertEquals(2, Main.run("--frobnicate"));
    }

    @Test
    void plainStart_readsTheUsualStartWithoutPicocli() {
        final Main a = Main.plainStart("--config", "a.yaml", "--log-format", "JSON");
        assertEquals(java.nio.file.Path.of("a.yaml"), a.configFile());
        assertEquals(LogFormat.JSON, a.logFormat());
        final Main b = Main.plainStart("--log-format=text", "-c", "b.yaml");
        assertEquals(java.nio.file.Path.of("b.yaml"), b.configFile());
        assertEquals(LogFormat.TEXT, b.logFormat());
        assertEquals(java.nio.file.Path.of("c.yaml"), Main.plainStart("--config=c.yaml").configFile());
        final Main none = Main.plainStart();
        assertEquals(java.nio.file.Path.of("switchboard.yaml"), none.configFile());
        assertEquals(LogFormat.TEXT, none.logFormat());
    }

    @Test
    void plainStart_leavesEverythingElseToPicocli() {
        for (final String[] args : new String[][] {
                {"--help"}, {"-V"}, {"--version"}, {"status"}, {"--check-config"},
                {"--check-config", "--config", "a.yaml"}, {"--config"}, {"--config="}, {"-c=a.yaml"},
                {"--config", "a.yaml", "--config", "b.yaml"}, {"--config", "--log-format"},
                {"--log-format", "xml"}, {"--log-format", "json", "--log-format", "text"},
                {"--frobnicate", "x"}, {"--config", "a\u0000b"}}) {
            assertNull(Main.plainStart(args), String.join(" ", args));
        }
        // picocli's answers are unchanged: an unknown format is a usage error
        assertEquals(2, Main.run("--log-format", "xml"));
    }
}
