package dev.switchboard.node.tls;

import org.jetbrains.annotations.NotNull;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A PKCS#12 keystore file holding the node's private key and certificate chain, as HiveMQ's TLS
 * listeners load it ({@code <keystore><path>, <password>, <private-key-password>} in HiveMQ's
 * config.xml). The JDK's default keystore type loads PKCS#12 files, so no type setting is needed.
 *
 * @param path     absolute path of the keystore file (mode 0600 where POSIX permissions exist)
 * @param password the keystore password, which is also the private key's password; random per
 *                 start, kept only in memory
 */
public record Pkcs12Keystore(@NotNull Path path, @NotNull String password) {

    /** The alias under which the key entry is stored. */
    public static final @NotNull String ALIAS = "switchboard";

    public Pkcs12Keystore {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(password, "password");
    }

    /**
     * @return the private key password, the same as {@link #password()} (PKCS#12 as written here
     *         protects the key entry with the store password)
     */
    public @NotNull String privateKeyPassword() {
        return password;
    }

    /** Never shows the password. */
    @Override
    public @NotNull String toString() {
        return "Pkcs12Keystore[path=" + path + ", password=<redacted>]";
    }
}
