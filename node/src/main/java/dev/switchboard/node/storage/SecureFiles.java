package dev.switchboard.node.storage;

import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Atomic, durable file writes: the bytes go to a temporary file in the target's directory, are
 * forced to the storage device ({@code fsync}), and the file is then renamed over the target,
 * after which the directory is forced too (the rename lives in the directory's entries). A reader
 * or a crash never sees a half-written file, and after a power cut the target holds either the
 * old or the complete new content (POSIX {@code rename(2)}; the usual write-fsync-rename-fsync
 * sequence). Secret files are created with mode 0600 from the start where the file system
 * supports POSIX permissions. Used for everything the node persists in its data directory (keys,
 * certificates).
 *
 * <p>File systems that refuse to open or force a directory (some do, and Windows cannot open one)
 * are tolerated with a debug log: the rename is then as durable as the platform makes it.
 */
public final class SecureFiles {

    private static final Logger LOG = LoggerFactory.getLogger(SecureFiles.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private SecureFiles() {
    }

    /**
     * Writes {@code content} to {@code target} atomically and durably, creating parent
     * directories. On failure the target keeps its old content and no temporary file is left.
     *
     * @param target  the file to create or replace
     * @param content the complete new content
     * @param secret  whether the file holds a secret (owner read/write only)
     * @throws IOException if the directory or file cannot be written or forced
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
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                final ByteBuffer buffer = ByteBuffer.wrap(content);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                // The content reaches the device before the rename can make it visible.
                channel.force(true);
            }
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (final AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            forceDirectory(dir);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Forces the directory's entries (the rename) to the device, where the platform allows it. */
    static void forceDirectory(final @NotNull Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (final IOException | UnsupportedOperationException e) {
            LOG.debug("cannot fsync directory {} ({}); the rename is as durable as this file system makes it",
                    dir, e.toString());
        }
    }
}
