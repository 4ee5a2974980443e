package dev.switchboard.node.sdp;

import org.jetbrains.annotations.NotNull;

/**
 * An SDP text, a line of it, or a trickled ICE candidate string is not acceptable.
 *
 * <p>This is a <em>checked</em> exception on purpose: it is the only way untrusted SDP is
 * refused, so callers (the signaling service) must decide what to answer the sender. Nothing else
 * is thrown by {@link SdpParser#parse(String)} or {@link IceCandidate#parseTrickled(String)} for
 * any input string; a {@code null} argument is a programmer error and throws
 * {@link NullPointerException}.
 *
 * <p>The message names the 1-based line number (when the problem is one line) and quotes the
 * offending value, shortened and with control characters escaped, for example
 * {@code line 8: m= port "70000" is not a number 0-65535 (RFC 8866 §5.14)}. It can contain
 * parts of the SDP, including addresses: fine for the sender's own inbox, but do not log it at
 * INFO.
 */
public final class SdpException extends Exception {
    private static final long serialVersionUID = 1L;

    private final int lineNumber;

    /**
     * @param lineNumber 1-based line the problem is on, or 0 when it is not about one line
     * @param message    what is wrong, naming the value (without the "line N: " prefix)
     */
    public SdpException(final int lineNumber, final @NotNull String message) {
        super(lineNumber > 0 ? "line " + lineNumber + ": " + message : message);
        if (lineNumber < 0) {
            throw new IllegalArgumentException("lineNumber must be >= 0: " + lineNumber);
        }
        this.lineNumber = lineNumber;
    }

    /** @return the 1-based line number the problem is on, or 0 when it is not about one line */
    public int lineNumber() {
        return lineNumber;
    }
}
