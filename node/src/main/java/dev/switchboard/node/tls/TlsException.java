package dev.switchboard.node.tls;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * A certificate or key could not be created, read, checked or written. The message names the
 * file and the problem (missing, not PEM, encrypted, key does not match the certificate, ...)
 * and is meant to be shown to the operator as is; it never contains key material.
 */
public final class TlsException extends Exception {

    /**
     * @param message what went wrong, naming the file involved
     */
    public TlsException(final @NotNull String message) {
        super(message);
    }

    /**
     * @param message what went wrong, naming the file involved
     * @param cause   the underlying error, if any
     */
    public TlsException(final @NotNull String message, final @Nullable Throwable cause) {
        super(message, cause);
    }
}
