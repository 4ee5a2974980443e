package dev.switchboard.node.config;

import org.jetbrains.annotations.NotNull;

/**
 * The configuration file could not be read or holds an invalid value. The message names the file,
 * the key (as a dotted path such as {@code relay.portRange}) and the offending value, and is meant
 * to be shown to the user as is.
 */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what is wrong, naming the key and the value.
     */
    public ConfigException(final @NotNull String message) {
        super(message);
    }

    /**
     * @param message what is wrong.
     * @param cause   the underlying parse or I/O error.
     */
    public ConfigException(final @NotNull String message, final @NotNull Throwable cause) {
        super(message, cause);
    }
}
