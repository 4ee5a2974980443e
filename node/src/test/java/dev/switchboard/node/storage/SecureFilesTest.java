package dev.switchboard.node.storage;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SecureFilesTest {

    private static List<String> names(final Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writeAtomically_newSecretFile_contentOwnerOnlyNoTempLeft(@TempDir final Path dir) throws Exception {
        final Path target = dir.resolve("sub").resolve("key.pem");
        final byte[] content = "secret".getBytes(StandardCharsets.US_ASCII);

        SecureFiles.writeAtomically(target, content, true);

        assertArrayEquals(content, Files.readAllBytes(target));
        if (Files.getFileStore(target).supportsFileAttributeView("posix")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        }
        assertEquals(List.of("key.pem"), names(target.getParent()));
    }

    @Test
    void writeAtomically_existingFile_replacedWholeNoTempLeft(@TempDir final Path dir) throws Exception {
        final Path target = dir.resolve("cert.pem");
        Files.writeString(target, "old content that is longer than the new one");

        SecureFiles.writeAtomically(target, "new".getBytes(StandardCharsets.US_ASCII), false);

        assertEquals("new", Files.readString(target));
        assertEquals(List.of("cert.pem"), names(dir));
    }

    @Test
    void writeAtomically_failsBeforeTheRename_oldFileKeptNoTempLeft(@TempDir final Path dir) throws Exception {
        // A name so long that the temporary file's name (".<name><random>.tmp") exceeds the file
        // system's limit (255 bytes on Linux): writing fails before anything replaces the target.
        final Path target = dir.resolve("k".repeat(240));
        Files.writeString(target, "old");

        assertThrows(IOException.class,
                () -> SecureFiles.writeAtomically(target, "new".getBytes(StandardCharsets.US_ASCII), true));

        assertEquals("old", Files.readString(target));
        assertEquals(List.of("k".repeat(240)), names(dir));
    }

    @Test
    void writeAtomically_targetIsADirectory_failsAndLeavesNoTemp(@TempDir final Path dir) throws Exception {
        final Path target = dir.resolve("taken");
        Files.createDirectories(target.resolve("inside"));

        assertThrows(IOException.class,
                () -> SecureFiles.writeAtomically(target, "x".getBytes(StandardCharsets.US_ASCII), false));

        assertEquals(List.of("inside"), names(target));
        assertEquals(List.of("taken"), names(dir));
    }

    @Test
    void forceDirectory_unopenableDirectory_toleratedNotThrown(@TempDir final Path dir) {
        assertDoesNotThrow(() -> SecureFiles.forceDirectory(dir.resolve("missing")));
        assertDoesNotThrow(() -> SecureFiles.forceDirectory(dir));
    }
}
