package dev.switchboard.node.access;

import dev.switchboard.node.config.NodeConfig;
import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The admins' secret paths: which admin, if any, a requested path segment belongs to, found in
 * time that does not depend on how much of the segment matches or on which admin it is. The
 * candidate is hashed (SHA-256) and its hash compared with every admin's with
 * {@link MessageDigest#isEqual} (constant time for equal lengths), always with all of them, so a
 * wrong path costs the same as a right one and a timing attack learns nothing of the secret.
 *
 * <p>Immutable and thread-safe; a reload builds a new instance.
 */
public final class AdminPaths {

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_~-]{1,256}");
    /** The strength below which {@code --check-config} warns, in bits (the floor). */
    public static final int MIN_BITS = 128;

    private final List<NodeConfig.Admin> admins;
    private final byte[][] hashes;

    /** @param admins the configured admins */
    public AdminPaths(final @NotNull List<NodeConfig.Admin> admins) {
        this.admins = List.copyOf(admins);
        this.hashes = new byte[this.admins.size()][];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = sha256(this.admins.get(i).path());
        }
    }

    /**
     * @param segment the first path segment of a request (untrusted, any length)
     * @return the admin whose secret path it is, or {@code null}; constant time in the number of
     *     admins, independent of the segment's content
     */
    public @Nullable NodeConfig.Admin match(final @NotNull String segment) {
        final byte[] candidate = sha256(segment);
        NodeConfig.Admin found = null;
        for (int i = 0; i < hashes.length; i++) {
            final boolean equal = MessageDigest.isEqual(candidate, hashes[i]);
            // no early exit: every admin's hash is compared for every request
            found = equal ? admins.get(i) : found;
        }
        return found;
    }

    /** @return the admins */
    public @NotNull List<NodeConfig.Admin> admins() {
        return admins;
    }

    /** @return whether {@code path} is a valid secret path segment (letters, digits, {@code - _ ~}) */
    public static boolean validSegment(final @NotNull String path) {
        return SEGMENT.matcher(path).matches();
    }

    /**
     * An estimate of a path's strength against guessing, assuming its characters were picked at
     * random from the character classes it uses (digits 10, lower case 26, upper case 26, and
     * {@code - _ ~} 3): length × log2(alphabet). Chosen words are weaker than this says.
     *
     * @return the estimate in bits
     */
    public static double strengthBits(final @NotNull String path) {
        boolean digit = false;
        boolean lower = false;
        boolean upper = false;
        boolean other = false;
        for (int i = 0; i < path.length(); i++) {
            final char c = path.charAt(i);
            digit |= c >= '0' && c <= '9';
            lower |= c >= 'a' && c <= 'z';
            upper |= c >= 'A' && c <= 'Z';
            other |= c == '-' || c == '_' || c == '~';
        }
        final int alphabet = (digit ? 10 : 0) + (lower ? 26 : 0) + (upper ? 26 : 0) + (other ? 3 : 0);
        return alphabet <= 1 ? 0 : path.length() * (Math.log(alphabet) / Math.log(2));
    }

    /**
     * How names are compared (admin names, permitted names): Unicode NFC, trimmed, case folded.
     *
     * @return the folded form
     */
    public static @NotNull String foldName(final @NotNull String name) {
        return Normalizer.normalize(name.trim(), Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    }

    private static byte[] sha256(final String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (final NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
