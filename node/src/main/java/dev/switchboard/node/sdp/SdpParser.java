package dev.switchboard.node.sdp;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * Parses untrusted SDP text (RFC 8866) into an {@link Sdp} that writes back byte for byte.
 *
 * <p>What is checked, and refused with an {@link SdpException} naming the line and value:
 * <ul>
 *   <li>size: more than {@link SdpLimits#maxBytes()} UTF-8 bytes, more than
 *       {@link SdpLimits#maxLines()} lines or {@link SdpLimits#maxMediaSections()} m= sections;</li>
 *   <li>characters: NUL and every other control character (U+0000-U+001F, U+007F) except the line
 *       endings CRLF and LF (RFC 8866 §9: text excludes NUL, CR, LF);</li>
 *   <li>lines: each must be {@code <type>=<value>} with a type letter RFC 8866 §5 defines
 *       ({@code v o s i u e p c b t r z k a m}); §5 says a parser must refuse descriptions with a
 *       type letter it does not understand. Empty lines are refused. The last line may lack its
 *       line ending (kept so);</li>
 *   <li>structure: {@code v=0}, {@code o=}, {@code s=} are the first three lines, exactly once;
 *       session-only types do not appear inside a media section;</li>
 *   <li>the lines the model interprets: {@code o=}, {@code c=}, {@code m=} (port 0-65535, optional
 *       port count, proto tokens, at least one format, RTP payload types 0-127),
 *       {@code a=candidate} (media level only), {@code a=ice-ufrag}, {@code a=ice-pwd},
 *       {@code a=fingerprint}, {@code a=setup}, {@code a=mid} (unique), {@code a=rtcp}. Every
 *       {@code a=} line needs a token attribute name.</li>
 * </ul>
 * Not checked, and kept as written: the order of the other lines, {@code t=} presence, and the
 * values of every other line.
 *
 * <p>Immutable and thread-safe. Never throws anything but {@link SdpException} for any string;
 * {@code null} throws {@link NullPointerException}.
 */
public final class SdpParser {
    private static final SdpParser DEFAULT = new SdpParser(SdpLimits.DEFAULTS);

    /** RFC 8866 §5: the type letters this parser understands. */
    private static final String KNOWN_TYPES = "vosiuepcbtrzkam";
    /** The attributes {@code interpret} reads a value of. */
    private static final Set<String> INTERPRETED =
            Set.of("candidate", "ice-ufrag", "ice-pwd", "fingerprint", "setup", "mid", "rtcp");
    /** RFC 8866 §5: types that may appear only at session level. */
    private static final String SESSION_ONLY_TYPES = "vosuepzrt";

    private final SdpLimits limits;

    /** @param limits size limits applied to every parse */
    public SdpParser(final @NotNull SdpLimits limits) {
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    /** @return a parser with {@link SdpLimits#DEFAULTS} */
    public static @NotNull SdpParser withDefaults() {
        return DEFAULT;
    }

    /** @return the limits this parser applies */
    public @NotNull SdpLimits limits() {
        return limits;
    }

    /**
     * Parses an SDP text.
     *
     * @param text SDP as received, e.g. {@code RTCSessionDescription.sdp}
     * @return the parsed description; {@code parse(text).write().equals(text)}
     * @throws SdpException when the text breaks a rule listed in the class comment
     */
    public @NotNull Sdp parse(final @NotNull String text) throws SdpException {
        Objects.requireNonNull(text, "text");
        return build(splitLines(text), limits.maxMediaSections());
    }

    /** Stage 1: size, characters and the {@code <type>=<value>} shape of every line. */
    private List<SdpLine> splitLines(final String text) throws SdpException {
        if (text.length() > limits.maxBytes() || utf8Length(text) > limits.maxBytes()) {
            throw new SdpException(0, "SDP is " + utf8Length(text) + " bytes, more than the limit of "
                    + limits.maxBytes());
        }
        if (text.isEmpty()) {
            throw new SdpException(0, "SDP is empty");
        }
        final List<SdpLine> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            final int lineNumber = lines.size() + 1;
            if (lineNumber > limits.maxLines()) {
                throw new SdpException(lineNumber, "SDP has more than " + limits.maxLines() + " lines");
            }
            final int nl = text.indexOf('\n', start);
            final int end;
            final String eol;
            if (nl < 0) {
                end = text.length();
                eol = "";
            } else if (nl > start && text.charAt(nl - 1) == '\r') {
                end = nl - 1;
                eol = "\r\n";
            } else {
                end = nl;
                eol = "\n";
            }
            final int from = start;
            start = nl < 0 ? text.length() : nl + 1;
            lines.add(checkLine(text, from, end, eol, lineNumber));
        }
        return lines;
    }

    /** Checks the line {@code text[start, end)}; only its value is copied out of the text. */
    private static SdpLine checkLine(final String text, final int start, final int end, final String eol,
                                     final int lineNumber) throws SdpException {
        for (int i = start; i < end; i++) {
            final char c = text.charAt(i);
            // RFC 8866 §9: text = byte-string, no NUL, CR or LF; we refuse all control characters.
            if (c < 0x20 || c == 0x7f) {
                throw new SdpException(lineNumber, String.format("control character U+%04X at column %d in %s",
                        (int) c, i - start + 1, Syntax.quote(text.substring(start, end))));
            }
        }
        if (end == start) {
            throw new SdpException(lineNumber, "empty line; every line must be <type>=<value> (RFC 8866 §5)");
        }
        if (end - start < 2 || text.charAt(start + 1) != '=') {
            throw new SdpException(lineNumber, Syntax.quote(text.substring(start, end))
                    + " is not of the form <type>=<value> (RFC 8866 §5)");
        }
        final char type = text.charAt(start);
        // RFC 8866 §5: a parser MUST completely ignore (here: refuse) a description with a type
        // letter it does not understand.
        if (KNOWN_TYPES.indexOf(type) < 0) {
            throw new SdpException(lineNumber, "unknown type letter " + Syntax.quote(String.valueOf(type))
                    + " in " + Syntax.quote(text.substring(start, end)) + " (RFC 8866 §5)");
        }
        return new SdpLine(type, text.substring(start + 2, end), eol);
    }

    /** Counts UTF-8 bytes without allocating; a lone surrogate counts as 3 (as if replaced). */
    private static long utf8Length(final String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            final char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * Stage 2: structure and the interpreted lines. Also used by {@link SdpRewriter} on lines it
     * built itself (already valid), hence static and package-private.
     */
    static @NotNull Sdp build(final @NotNull List<SdpLine> lines, final int maxMediaSections) throws SdpException {
        expect(lines, 0, 'v');
        // RFC 8866 §5.1: v=0
        if (!lines.get(0).value().equals("0")) {
            throw new SdpException(1, "version " + Syntax.quote(lines.get(0).value()) + " is not 0 (RFC 8866 §5.1)");
        }
        expect(lines, 1, 'o');
        final Origin origin = parseOrigin(lines.get(1).value(), 2);
        expect(lines, 2, 's');
        // RFC 8866 §5.3: the s= field MUST NOT be empty
        if (lines.get(2).value().isEmpty()) {
            throw new SdpException(3, "s= is empty; use \"s=-\" (RFC 8866 §5.3)");
        }

        final List<SdpLine> sessionLines = new ArrayList<>();
        final Level session = new Level();
        int i = 0;
        for (; i < lines.size() && lines.get(i).type() != 'm'; i++) {
            final SdpLine line = lines.get(i);
            if (i >= 3 && (line.type() == 'v' || line.type() == 'o' || line.type() == 's')) {
                throw new SdpException(i + 1, "second " + line.type() + "= line (RFC 8866 §5)");
            }
            if (i >= 3) {
                interpret(line, i + 1, session, true);
            }
            sessionLines.add(line);
        }

        final List<MediaSection> media = new ArrayList<>();
        final Set<String> mids = new HashSet<>();
        while (i < lines.size()) {
            if (media.size() >= maxMediaSections) {
                throw new SdpException(i + 1, "SDP has more than " + maxMediaSections + " media sections");
            }
            final int first = i;
            final MediaLine mediaLine = parseMediaLine(lines.get(i).value(), i + 1);
            final Level level = new Level();
            final List<SdpLine> sectionLines = new ArrayList<>();
            sectionLines.add(lines.get(i));
            for (i++; i < lines.size() && lines.get(i).type() != 'm'; i++) {
                final SdpLine line = lines.get(i);
                if (SESSION_ONLY_TYPES.indexOf(line.type()) >= 0) {
                    throw new SdpException(i + 1, line.type() + "= is not allowed in a media section (RFC 8866 §5)");
                }
                interpret(line, i + 1, level, false);
                sectionLines.add(line);
            }
            if (level.mid != null && !mids.add(level.mid)) {
                // RFC 5888 §4: identification-tag unique within the session description
                throw new SdpException(level.midLine, "a=mid " + Syntax.quote(level.mid)
                        + " is used by an earlier media section (RFC 5888 §4)");
            }
            media.add(new MediaSection(media.size(), first + 1, sectionLines, mediaLine, level.mid,
                    level.iceUfrag != null ? level.iceUfrag : session.iceUfrag,
                    level.icePwd != null ? level.icePwd : session.icePwd,
                    !level.fingerprints.isEmpty() ? level.fingerprints : session.fingerprints,
                    level.setup != null ? level.setup : session.setup,
                    level.connection != null ? level.connection : session.connection,
                    level.candidates, level.rtcpMux, level.endOfCandidates));
        }
        return new Sdp(sessionLines, media, origin, session.connection, session.iceUfrag, session.icePwd,
                session.fingerprints, session.setup);
    }

    /** Attributes collected at one level (session or one media section). */
    private static final class Level {
        @Nullable String mid;
        int midLine;
        @Nullable String iceUfrag;
        @Nullable String icePwd;
        final List<Fingerprint> fingerprints = new ArrayList<>();
        @Nullable String setup;
        @Nullable ConnectionData connection;
        final List<IceCandidate> candidates = new ArrayList<>();
        boolean rtcpMux;
        boolean endOfCandidates;
    }

    private static void expect(final List<SdpLine> lines, final int index, final char type) throws SdpException {
        if (index >= lines.size()) {
            throw new SdpException(0, "missing " + type + "= line (RFC 8866 §5: v=, o=, s= come first)");
        }
        if (lines.get(index).type() != type) {
            throw new SdpException(index + 1, "expected " + type + "= but found " + Syntax.quote(lines.get(index).text())
                    + " (RFC 8866 §5: v=, o=, s= come first)");
        }
    }

    private static void interpret(final SdpLine line, final int n, final Level level, final boolean sessionLevel)
            throws SdpException {
        if (line.type() == 'c') {
            if (level.connection != null) {
                throw new SdpException(n, "second c= line at the same level (RFC 8866 §5.7)");
            }
            level.connection = parseConnection(line.value(), n);
            return;
        }
        if (line.type() != 'a') {
            return;
        }
        final String name = Objects.requireNonNull(line.attributeName());
        // RFC 8866 §9: attribute = (attribute-name ":" attribute-value) / attribute-name; name is a token
        if (!Syntax.isToken(name)) {
            throw new SdpException(n, "attribute name " + Syntax.quote(name) + " is not a token (RFC 8866 §5.13)");
        }
        // the value is cut out only for the attributes interpreted here, not for every a= line
        final String value = INTERPRETED.contains(name) ? line.attributeValue() : null;
        switch (name) {
            case "candidate" -> {
                // RFC 8839 §5.1: candidate is a media-level attribute only.
                if (sessionLevel) {
                    throw new SdpException(n, "a=candidate is only allowed in a media section (RFC 8839 §5.1)");
                }
                level.candidates.add(IceCandidate.parseAttributeValue(required(value, name, n), n));
            }
            case "ice-ufrag" -> {
                // RFC 8839 §5.4: ice-ufrag = 4*256ice-char
                final String v = required(value, name, n);
                if (!IceChars.isUfrag(v)) {
                    throw new SdpException(n, "a=ice-ufrag " + Syntax.quote(v) + " is not 4-256 ice-chars (RFC 8839 §5.4)");
                }
                if (level.iceUfrag != null) {
                    throw new SdpException(n, "second a=ice-ufrag at the same level (RFC 8839 §5.4)");
                }
                level.iceUfrag = v;
            }
            case "ice-pwd" -> {
                // RFC 8839 §5.4: ice-pwd = 22*256ice-char
                final String v = required(value, name, n);
                if (!IceChars.isPwd(v)) {
                    throw new SdpException(n, "a=ice-pwd " + Syntax.quote(v) + " is not 22-256 ice-chars (RFC 8839 §5.4)");
                }
                if (level.icePwd != null) {
                    throw new SdpException(n, "second a=ice-pwd at the same level (RFC 8839 §5.4)");
                }
                level.icePwd = v;
            }
            case "fingerprint" -> level.fingerprints.add(Fingerprint.parse(required(value, name, n), n));
            case "setup" -> {
                // RFC 4145 §4: setup = "active" / "passive" / "actpass" / "holdconn"
                final String v = required(value, name, n);
                if (!v.equals("active") && !v.equals("passive") && !v.equals("actpass") && !v.equals("holdconn")) {
                    throw new SdpException(n, "a=setup " + Syntax.quote(v)
                            + " is not active, passive, actpass or holdconn (RFC 4145 §4)");
                }
                if (level.setup != null) {
                    throw new SdpException(n, "second a=setup at the same level (RFC 4145 §4)");
                }
                level.setup = v;
            }
            case "mid" -> {
                // RFC 5888 §4: mid-attribute = "a=mid:" identification-tag; identification-tag = token
                final String v = required(value, name, n);
                if (!Syntax.isToken(v)) {
                    throw new SdpException(n, "a=mid " + Syntax.quote(v) + " is not a token (RFC 5888 §4)");
                }
                if (sessionLevel || level.mid != null) {
                    throw new SdpException(n, "a=mid must appear once, in a media section (RFC 5888 §4)");
                }
                level.mid = v;
                level.midLine = n;
            }
            case "rtcp" -> parseRtcp(required(value, name, n), n);
            case "rtcp-mux" -> level.rtcpMux = true;
            case "end-of-candidates" -> level.endOfCandidates = true;
            default -> {
                // every other attribute is kept as written
            }
        }
    }

    private static String required(final @Nullable String value, final String name, final int n) throws SdpException {
        if (value == null || value.isEmpty()) {
            throw new SdpException(n, "a=" + name + " has no value");
        }
        return value;
    }

    private static Origin parseOrigin(final String value, final int n) throws SdpException {
        // RFC 8866 §5.2: o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>
        final String[] f = Syntax.split(value, ' ');
        if (f.length != 6) {
            throw new SdpException(n, "o= " + Syntax.quote(value) + " has " + f.length
                    + " fields, needs 6 (RFC 8866 §5.2)");
        }
        for (final String field : f) {
            if (field.isEmpty()) {
                throw new SdpException(n, "o= " + Syntax.quote(value) + " has an empty field (RFC 8866 §5.2)");
            }
        }
        if (!Syntax.isDigits(f[1], 64) || !Syntax.isDigits(f[2], 64)) {
            throw new SdpException(n, "o= session id/version " + Syntax.quote(f[1] + " " + f[2])
                    + " are not numbers (RFC 8866 §5.2)");
        }
        if (!Syntax.isToken(f[3]) || !Syntax.isToken(f[4])) {
            throw new SdpException(n, "o= nettype/addrtype " + Syntax.quote(f[3] + " " + f[4])
                    + " are not tokens (RFC 8866 §5.2)");
        }
        return new Origin(f[0], f[1], f[2], f[3], f[4], f[5]);
    }

    static ConnectionData parseConnection(final String value, final int n) throws SdpException {
        // RFC 8866 §5.7: c=<nettype> <addrtype> <connection-address>
        final String[] f = Syntax.split(value, ' ');
        if (f.length != 3 || !Syntax.isToken(f[0]) || !Syntax.isToken(f[1])) {
            throw new SdpException(n, "c= " + Syntax.quote(value)
                    + " is not \"<nettype> <addrtype> <connection-address>\" (RFC 8866 §5.7)");
        }
        // The address may carry multicast /ttl and /count suffixes (RFC 8866 §5.7).
        final String[] parts = Syntax.split(f[2], '/');
        boolean ok = parts.length <= 3 && Syntax.isConnectionAddress(parts[0]);
        for (int k = 1; k < parts.length; k++) {
            ok &= Syntax.isDigits(parts[k], 5);
        }
        if (!ok) {
            throw new SdpException(n, "c= address " + Syntax.quote(f[2])
                    + " is not an IP address or host name (RFC 8866 §5.7)");
        }
        return new ConnectionData(f[0], f[1], f[2]);
    }

    private static MediaLine parseMediaLine(final String value, final int n) throws SdpException {
        // RFC 8866 §5.14: m=<media> <port>[/<number of ports>] <proto> <fmt> ...
        final String[] f = Syntax.split(value, ' ');
        if (f.length < 4) {
            throw new SdpException(n, "m= " + Syntax.quote(value)
                    + " needs <media> <port> <proto> <fmt>... (RFC 8866 §5.14)");
        }
        if (!Syntax.isToken(f[0])) {
            throw new SdpException(n, "m= media " + Syntax.quote(f[0]) + " is not a token (RFC 8866 §5.14)");
        }
        final int slash = f[1].indexOf('/');
        final String portText = slash < 0 ? f[1] : f[1].substring(0, slash);
        final int port = Syntax.parsePort(portText);
        if (port < 0) {
            throw new SdpException(n, "m= port " + Syntax.quote(portText) + " is not a number 0-65535 (RFC 8866 §5.14)");
        }
        Integer portCount = null;
        if (slash >= 0) {
            final String count = f[1].substring(slash + 1);
            if (!Syntax.isDigits(count, 5) || Integer.parseInt(count) < 1) {
                throw new SdpException(n, "m= number of ports " + Syntax.quote(count)
                        + " is not a positive number (RFC 8866 §5.14)");
            }
            portCount = Integer.parseInt(count);
        }
        // RFC 8866 §9: proto = token *("/" token)
        for (final String part : Syntax.split(f[2], '/')) {
            if (!Syntax.isToken(part)) {
                throw new SdpException(n, "m= proto " + Syntax.quote(f[2]) + " is not token/token... (RFC 8866 §5.14)");
            }
        }
        final boolean rtp = f[2].toUpperCase(java.util.Locale.ROOT).contains("RTP/");
        final List<String> formats = new ArrayList<>(f.length - 3);
        for (int k = 3; k < f.length; k++) {
            final String fmt = f[k];
            if (!Syntax.isToken(fmt)) {
                throw new SdpException(n, "m= format " + Syntax.quote(fmt) + " is not a token (RFC 8866 §5.14)");
            }
            // RFC 8866 §5.14: for RTP protocols the formats are RTP payload type numbers (7 bits, RFC 3550 §5.1).
            if (rtp && (!Syntax.isDigits(fmt, 3) || Integer.parseInt(fmt) > 127)) {
                throw new SdpException(n, "m= format " + Syntax.quote(fmt)
                        + " is not an RTP payload type 0-127 (RFC 8866 §5.14)");
            }
            formats.add(fmt);
        }
        return new MediaLine(f[0], port, portCount, f[2], formats);
    }

    private static void parseRtcp(final String value, final int n) throws SdpException {
        // RFC 3605 §2.1: rtcp-attribute = "a=rtcp:" port [nettype space addrtype space connection-address]
        final String[] f = Syntax.split(value, ' ');
        if (Syntax.parsePort(f[0]) < 0 || f.length != 1 && f.length != 4) {
            throw new SdpException(n, "a=rtcp " + Syntax.quote(value)
                    + " is not \"<port> [<nettype> <addrtype> <address>]\" (RFC 3605 §2.1)");
        }
        if (f.length == 4) {
            parseConnection(f[1] + " " + f[2] + " " + f[3], n);
        }
    }
}
