package dev.switchboard.node.sdp;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

/**
 * A parsed ICE candidate (RFC 8839 §5.1):
 *
 * <pre>
 * candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP priority SP
 *                       connection-address SP port SP cand-type [SP rel-addr] [SP rel-port]
 *                       *(SP cand-extension)
 * foundation   = 1*32ice-char          component-id = 1*3DIGIT (RFC 8445 §5.1.1.1: 1-256)
 * transport    = "UDP" / token         priority     = 1*10DIGIT (RFC 8445 §5.1.2: 1 to 2^31-1)
 * cand-type    = "typ" SP ("host" / "srflx" / "prflx" / "relay" / token)
 * rel-addr     = "raddr" SP connection-address     rel-port = "rport" SP port
 * cand-extension = extension-att-name SP extension-att-value
 * </pre>
 *
 * <p>Instances are immutable. Transport and type are kept as written (Chromium writes
 * {@code udp}/{@code tcp}); compare case-insensitively. The address may be an IPv4 or IPv6 literal
 * or a host name (mDNS {@code .local} names); it is never resolved.
 *
 * @param foundation     1-32 ice-chars
 * @param component      1-256; 1 = RTP (and everything with rtcp-mux), 2 = RTCP
 * @param transport      e.g. {@code udp}, {@code tcp}
 * @param priority       1 to 2^31-1
 * @param address        connection address as written
 * @param port           0-65535 (0 and 9 appear for TCP active candidates)
 * @param type           e.g. {@code host}, {@code srflx}, {@code prflx}, {@code relay}
 * @param relatedAddress {@code raddr}, or {@code null} when absent
 * @param relatedPort    {@code rport}, or {@code null} when absent
 * @param extensions     the remaining name/value pairs in order, e.g. {@code generation 0}
 */
public record IceCandidate(@NotNull String foundation, int component, @NotNull String transport, long priority,
        @NotNull String address, int port, @NotNull String type, @Nullable String relatedAddress,
        @Nullable Integer relatedPort, @NotNull List<Extension> extensions) {

    /** Longest trickled candidate string accepted by {@link #parseTrickled(String)}, in chars. */
    public static final int MAX_TRICKLED_LENGTH = 1024;

    /** The prefix of an {@code RTCIceCandidate.candidate} string and of the attribute value. */
    public static final String PREFIX = "candidate:";

    /**
     * One {@code cand-extension} (RFC 8839 §5.1), e.g. {@code network-cost 50}.
     *
     * @param name  extension-att-name, a token
     * @param value extension-att-value, 1 or more VCHARs
     */
    public record Extension(@NotNull String name, @NotNull String value) {
        public Extension {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    /** @throws IllegalArgumentException when a field is out of its documented range */
    public IceCandidate {
        Objects.requireNonNull(foundation, "foundation");
        Objects.requireNonNull(transport, "transport");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(type, "type");
        extensions = List.copyOf(extensions);
        if (component < 1 || component > 256) {
            throw new IllegalArgumentException("component must be 1..256: " + component);
        }
        if (priority < 1 || priority > 0x7fffffffL) {
            throw new IllegalArgumentException("priority must be 1..2^31-1: " + priority);
        }
        if (port < 0 || port > 65535 || relatedPort != null && (relatedPort < 0 || relatedPort > 65535)) {
            throw new IllegalArgumentException("port must be 0..65535");
        }
    }

    /**
     * Parses a trickled candidate, the {@code RTCIceCandidate.candidate} string a browser hands to
     * {@code onicecandidate}: {@code "candidate:<foundation> <component> ..."}. The empty string is
     * the end-of-candidates indication (W3C webrtc-pc §4.8.1 / RFC 8838 §4.4) and yields
     * {@link Optional#empty()}.
     *
     * <p>In relayed mode the signaling service drops trickled candidates after validating them:
     * the rewritten SDP already carries the one relay candidate (see {@link SdpRewriter}), and
     * forwarding a real candidate would leak the sender's address. Validation still matters so a
     * malformed candidate gets a clear error back instead of silence.
     *
     * @param candidate the candidate string, at most {@value #MAX_TRICKLED_LENGTH} characters
     * @return the candidate, or empty for end-of-candidates
     * @throws SdpException when the string is not a valid candidate (line number 0)
     */
    public static @NotNull Optional<IceCandidate> parseTrickled(final @NotNull String candidate) throws SdpException {
        Objects.requireNonNull(candidate, "candidate");
        if (candidate.isEmpty()) {
            return Optional.empty();
        }
        if (candidate.length() > MAX_TRICKLED_LENGTH) {
            throw new SdpException(0, "candidate is " + candidate.length() + " characters, more than "
                    + MAX_TRICKLED_LENGTH);
        }
        if (!candidate.startsWith(PREFIX)) {
            throw new SdpException(0, "candidate " + Syntax.quote(candidate) + " does not start with \""
                    + PREFIX + "\"");
        }
        return Optional.of(parseAttributeValue(candidate.substring(PREFIX.length()), 0));
    }

    /**
     * Parses the text after {@code a=candidate:} (or after {@code candidate:}).
     *
     * @param value      {@code "<foundation> <component> <transport> ..."}
     * @param lineNumber the SDP line for error messages, or 0
     * @return the candidate
     * @throws SdpException when the value does not follow RFC 8839 §5.1; the message names the field
     */
    public static @NotNull IceCandidate parseAttributeValue(final @NotNull String value, final int lineNumber)
            throws SdpException {
        for (int i = 0; i < value.length(); i++) {
            final char c = value.charAt(i);
            // RFC 8839 §5.1 fields are tokens and VCHARs separated by SP.
            if (c < 0x21 && c != ' ' || c >= 0x7f) {
                throw new SdpException(lineNumber, "candidate " + Syntax.quote(value)
                        + " contains a character that is not printable ASCII");
            }
        }
        final String[] f = Syntax.split(value, ' ');
        if (f.length < 8) {
            throw new SdpException(lineNumber, "candidate " + Syntax.quote(value)
                    + " has " + f.length + " fields, needs at least 8 (RFC 8839 §5.1)");
        }
        final String foundation = f[0];
        if (!IceChars.isIceChars(foundation, 1, 32)) {
            throw bad(lineNumber, "foundation", foundation, "1-32 ice-chars");
        }
        if (!Syntax.isDigits(f[1], 3) || Integer.parseInt(f[1]) < 1 || Integer.parseInt(f[1]) > 256) {
            throw bad(lineNumber, "component", f[1], "a number 1-256 (RFC 8445 §5.1.1.1)");
        }
        final int component = Integer.parseInt(f[1]);
        if (!Syntax.isToken(f[2])) {
            throw bad(lineNumber, "transport", f[2], "a token");
        }
        if (!Syntax.isDigits(f[3], 10) || Long.parseLong(f[3]) < 1 || Long.parseLong(f[3]) > 0x7fffffffL) {
            throw bad(lineNumber, "priority", f[3], "a number 1 to 2^31-1 (RFC 8445 §5.1.2)");
        }
        final long priority = Long.parseLong(f[3]);
        if (!Syntax.isConnectionAddress(f[4])) {
            throw bad(lineNumber, "address", f[4], "an IPv4 or IPv6 literal or a host name");
        }
        final int port = Syntax.parsePort(f[5]);
        if (port < 0) {
            throw bad(lineNumber, "port", f[5], "a number 0-65535");
        }
        if (!f[6].equals("typ")) {
            throw bad(lineNumber, "field 7", f[6], "\"typ\"");
        }
        if (!Syntax.isToken(f[7])) {
            throw bad(lineNumber, "type", f[7], "a token such as host, srflx, prflx, relay");
        }
        int i = 8;
        String raddr = null;
        Integer rport = null;
        if (i + 1 < f.length && f[i].equals("raddr")) {
            if (!Syntax.isConnectionAddress(f[i + 1])) {
                throw bad(lineNumber, "raddr", f[i + 1], "an IPv4 or IPv6 literal or a host name");
            }
            raddr = f[i + 1];
            i += 2;
        }
        if (i + 1 < f.length && f[i].equals("rport")) {
            final int rp = Syntax.parsePort(f[i + 1]);
            if (rp < 0) {
                throw bad(lineNumber, "rport", f[i + 1], "a number 0-65535");
            }
            rport = rp;
            i += 2;
        }
        final List<Extension> extensions = new ArrayList<>();
        for (; i < f.length; i += 2) {
            if (!Syntax.isToken(f[i])) {
                throw bad(lineNumber, "extension name", f[i], "a token");
            }
            if (i + 1 >= f.length || f[i + 1].isEmpty()) {
                throw new SdpException(lineNumber, "candidate extension " + Syntax.quote(f[i])
                        + " has no value (RFC 8839 §5.1)");
            }
            extensions.add(new Extension(f[i], f[i + 1]));
        }
        return new IceCandidate(foundation, component, f[2], priority, f[4], port, f[7], raddr, rport, extensions);
    }

    private static SdpException bad(final int lineNumber, final String field, final String value,
            final String expected) {
        return new SdpException(lineNumber, "candidate " + field + " " + Syntax.quote(value) + " is not "
                + expected + " (RFC 8839 §5.1)");
    }

    /** @return the attribute value without the {@code candidate:} prefix, fields single-spaced */
    public @NotNull String toSdpValue() {
        final StringBuilder b = new StringBuilder(96).append(foundation).append(' ').append(component).append(' ')
                .append(transport).append(' ').append(priority).append(' ').append(address).append(' ')
                .append(port).append(" typ ").append(type);
        if (relatedAddress != null) {
            b.append(" raddr ").append(relatedAddress);
        }
        if (relatedPort != null) {
            b.append(" rport ").append(relatedPort);
        }
        for (final Extension e : extensions) {
            b.append(' ').append(e.name()).append(' ').append(e.value());
        }
        return b.toString();
    }

    /** @return the {@code RTCIceCandidate.candidate} form, {@code "candidate:" + toSdpValue()} */
    public @NotNull String toCandidateString() {
        return PREFIX + toSdpValue();
    }

    /** @return the value of the first extension with this name, or {@code null} */
    public @Nullable String extension(final @NotNull String name) {
        for (final Extension e : extensions) {
            if (e.name().equals(name)) {
                return e.value();
            }
        }
        return null;
    }
}
