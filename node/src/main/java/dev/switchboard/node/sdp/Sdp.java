package dev.switchboard.node.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * A parsed SDP session description (RFC 8866) that keeps every line exactly as received, so
 * {@code SdpParser.parse(x).write().equals(x)} for every text the parser accepts: line endings
 * (CRLF as browsers send, or LF) are kept per line, and so are lines the model does not interpret.
 *
 * <p>Immutable and thread-safe. Obtain one from {@link SdpParser#parse(String)} (or
 * {@link #parse(String)} with the default limits); {@link SdpRewriter} derives new ones.
 */
public final class Sdp {
    private final List<SdpLine> sessionLines;
    private final List<MediaSection> mediaSections;
    private final Origin origin;
    private final @Nullable ConnectionData sessionConnection;
    private final @Nullable String sessionIceUfrag;
    private final @Nullable String sessionIcePwd;
    private final List<Fingerprint> sessionFingerprints;
    private final @Nullable String sessionSetup;

    Sdp(final @NotNull List<SdpLine> sessionLines, final @NotNull List<MediaSection> mediaSections,
            final @NotNull Origin origin, final @Nullable ConnectionData sessionConnection,
            final @Nullable String sessionIceUfrag, final @Nullable String sessionIcePwd,
            final @NotNull List<Fingerprint> sessionFingerprints, final @Nullable String sessionSetup) {
        this.sessionLines = List.copyOf(sessionLines);
        this.mediaSections = List.copyOf(mediaSections);
        this.origin = Objects.requireNonNull(origin, "origin");
        this.sessionConnection = sessionConnection;
        this.sessionIceUfrag = sessionIceUfrag;
        this.sessionIcePwd = sessionIcePwd;
        this.sessionFingerprints = List.copyOf(sessionFingerprints);
        this.sessionSetup = sessionSetup;
    }

    /**
     * Parses with {@link SdpLimits#DEFAULTS}; same as {@code SdpParser.withDefaults().parse(text)}.
     *
     * @throws SdpException when the text is not acceptable SDP (see {@link SdpParser#parse(String)})
     */
    public static @NotNull Sdp parse(final @NotNull String text) throws SdpException {
        return SdpParser.withDefaults().parse(text);
    }

    /** @return the session-level lines (from {@code v=} up to the first {@code m=}), as received */
    public @NotNull List<SdpLine> sessionLines() {
        return sessionLines;
    }

    /** @return the media sections in order; empty when the SDP has no {@code m=} line */
    public @NotNull List<MediaSection> mediaSections() {
        return mediaSections;
    }

    /** @return every line in order: session lines, then each media section's lines */
    public @NotNull List<SdpLine> lines() {
        final List<SdpLine> all = new ArrayList<>(sessionLines);
        for (final MediaSection m : mediaSections) {
            all.addAll(m.lines());
        }
        return List.copyOf(all);
    }

    /** @return the parsed {@code o=} line */
    public @NotNull Origin origin() {
        return origin;
    }

    /** @return the session-level {@code c=} line, or null when absent */
    public @Nullable ConnectionData sessionConnection() {
        return sessionConnection;
    }

    /** @return session-level {@code a=ice-ufrag}, or null; see {@link MediaSection#iceUfrag()} */
    public @Nullable String sessionIceUfrag() {
        return sessionIceUfrag;
    }

    /** @return session-level {@code a=ice-pwd}, or null; see {@link MediaSection#icePwd()} */
    public @Nullable String sessionIcePwd() {
        return sessionIcePwd;
    }

    /** @return session-level {@code a=fingerprint} values; see {@link MediaSection#fingerprints()} */
    public @NotNull List<Fingerprint> sessionFingerprints() {
        return sessionFingerprints;
    }

    /** @return session-level {@code a=setup}, or null; see {@link MediaSection#setup()} */
    public @Nullable String sessionSetup() {
        return sessionSetup;
    }

    /**
     * @return the line ending new lines should use: that of the first line ({@code "\r\n"} for
     *     browser SDP, {@code "\n"} when the text used LF), CRLF if the first line had none
     */
    public @NotNull String lineEnding() {
        final String first = sessionLines.get(0).lineEnding();
        return first.isEmpty() ? "\r\n" : first;
    }

    /** @return the SDP text: each line's {@code <type>=<value>} followed by its own line ending */
    public @NotNull String write() {
        final StringBuilder b = new StringBuilder(1024);
        for (final SdpLine line : sessionLines) {
            b.append(line.type()).append('=').append(line.value()).append(line.lineEnding());
        }
        for (final MediaSection m : mediaSections) {
            for (final SdpLine line : m.lines()) {
                b.append(line.type()).append('=').append(line.value()).append(line.lineEnding());
            }
        }
        return b.toString();
    }

    /** @return a short description without addresses or credentials, for logs */
    @Override
    public String toString() {
        return "Sdp{" + mediaSections + "}";
    }
}
