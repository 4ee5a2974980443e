package dev.switchboard.node.sdp;

import java.util.List;
import java.util.Objects;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * One media description: an {@code m=} line and the lines after it up to the next {@code m=} line
 * (RFC 8866 §5). Immutable; built only by {@link SdpParser} and {@link SdpRewriter}, so the parsed
 * views below always agree with {@link #lines()}.
 *
 * <p>ICE credentials, fingerprints and setup are the <em>effective</em> values: the media-level
 * attribute when present, else the session-level one (RFC 8839 §5.4, RFC 8122 §5, RFC 4145 §4).
 */
public final class MediaSection {
    private final int index;
    private final int firstLineNumber;
    private final List<SdpLine> lines;
    private final MediaLine mediaLine;
    private final @Nullable String mid;
    private final @Nullable String iceUfrag;
    private final @Nullable String icePwd;
    private final List<Fingerprint> fingerprints;
    private final @Nullable String setup;
    private final @Nullable ConnectionData connection;
    private final List<IceCandidate> candidates;
    private final boolean rtcpMux;
    private final boolean endOfCandidates;

    MediaSection(final int index, final int firstLineNumber, final @NotNull List<SdpLine> lines,
            final @NotNull MediaLine mediaLine, final @Nullable String mid, final @Nullable String iceUfrag,
            final @Nullable String icePwd, final @NotNull List<Fingerprint> fingerprints,
            final @Nullable String setup, final @Nullable ConnectionData connection,
            final @NotNull List<IceCandidate> candidates, final boolean rtcpMux, final boolean endOfCandidates) {
        this.index = index;
        this.firstLineNumber = firstLineNumber;
        this.lines = List.copyOf(lines);
        this.mediaLine = Objects.requireNonNull(mediaLine, "mediaLine");
        this.mid = mid;
        this.iceUfrag = iceUfrag;
        this.icePwd = icePwd;
        this.fingerprints = List.copyOf(fingerprints);
        this.setup = setup;
        this.connection = connection;
        this.candidates = List.copyOf(candidates);
        this.rtcpMux = rtcpMux;
        this.endOfCandidates = endOfCandidates;
    }

    /** @return 0-based position among the media sections (the m-line index of RFC 9429) */
    public int index() {
        return index;
    }

    /** @return 1-based line number of the {@code m=} line in the SDP text */
    public int firstLineNumber() {
        return firstLineNumber;
    }

    /** @return all lines of the section, the {@code m=} line first, exactly as received */
    public @NotNull List<SdpLine> lines() {
        return lines;
    }

    /** @return the parsed {@code m=} line */
    public @NotNull MediaLine mediaLine() {
        return mediaLine;
    }

    /** @return {@code a=mid} (RFC 5888 §4 identification-tag, RFC 8843), or null when absent */
    public @Nullable String mid() {
        return mid;
    }

    /** @return effective {@code a=ice-ufrag} (RFC 8839 §5.4), or null when neither level has one */
    public @Nullable String iceUfrag() {
        return iceUfrag;
    }

    /** @return effective {@code a=ice-pwd} (RFC 8839 §5.4), or null when neither level has one */
    public @Nullable String icePwd() {
        return icePwd;
    }

    /** @return effective {@code a=fingerprint} values in order (RFC 8122 §5); empty when none */
    public @NotNull List<Fingerprint> fingerprints() {
        return fingerprints;
    }

    /** @return effective {@code a=setup} (RFC 4145 §4: active, passive, actpass, holdconn), or null */
    public @Nullable String setup() {
        return setup;
    }

    /** @return effective {@code c=} (media-level, else session-level; RFC 8866 §5.7), or null */
    public @Nullable ConnectionData connection() {
        return connection;
    }

    /** @return the {@code a=candidate} lines of this section, parsed, in order */
    public @NotNull List<IceCandidate> candidates() {
        return candidates;
    }

    /** @return true when the section has {@code a=rtcp-mux} (RFC 5761 §5.1.1) */
    public boolean rtcpMux() {
        return rtcpMux;
    }

    /** @return true when the section has {@code a=end-of-candidates} (RFC 8840 §4.1) */
    public boolean endOfCandidates() {
        return endOfCandidates;
    }

    /** @return a short description without addresses, for logs */
    @Override
    public String toString() {
        return "MediaSection{" + index + " " + mediaLine.media() + " mid=" + mid + " candidates="
                + candidates.size() + "}";
    }
}
