package dev.switchboard.node.storage;

import org.jetbrains.annotations.NotNull;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Atomic file writes: the bytes go to a temporary file in the target's directory, which is then
 * moved over the target, so a reader (or a crash) never sees a half-written file. Secret files are
 * created with mode 0600 from the start where the file system supports POSIX permissions.
 * Used for everything the node persists in its data directory (keys, certificates).
 */
public final class SecureFiles {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private SecureFiles() {
    }

    /**
     * Writes {@code content} to {@code target} atomically, creating parent directories.
     *
     * @param target  the file to create or replace
     * @param content the complete new content
     * @param secret  whether the file holds a secret (owner read/write only)
     * @throws IOException if the directory or file cannot be written
     */
    public static void writeAtomically(final @NotNull Path target, final byte @NotNull [] content, final boolean secret)
            throws IOException {
        final Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        final boolean posix = Files.getFileStore(dir).supportsFileAttributeView("posix");
        final FileAttribute<?>[] attributes = secret && posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
                : new FileAttribute<?>[0];
        final Path temp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp", attributes);
        try {
            Files.write(temp, content);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (final AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
