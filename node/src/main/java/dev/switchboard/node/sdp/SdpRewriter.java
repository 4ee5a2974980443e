package dev.switchboard.node.sdp;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import org.jetbrains.annotations.NotNull;

/**
 * Rewrites an SDP for relayed mode, so the other browser learns only the relay's address
 * (DESIGN.md, "The relay"). Pure and thread-safe; no I/O.
 *
 * <h2>What {@link #relay} changes</h2>
 * <ul>
 *   <li>{@code a=candidate}: every one is removed from every media section. Each section whose
 *       {@code m=} port is not 0 then gets exactly one relay candidate for component 1,
 *       {@code a=candidate:1 1 udp 16777215 <relayIp> <relayPort> typ relay raddr 0.0.0.0 rport 0}
 *       ({@code raddr ::} for an IPv6 relay), placed where the first candidate was (or after the
 *       {@code c=} line, or after {@code m=}, when the section had none). Sections without
 *       candidates, such as the bundled ones or an offer made before gathering, get one too: in
 *       relayed mode trickled candidates are dropped, so the SDP must carry the relay.
 *       <br>Component 2: WebRTC multiplexes RTCP (rtcp-mux, RFC 8834 §5.1.1), so only component 1
 *       is normally given. When a section has no {@code a=rtcp-mux} and the sender offered a
 *       component 2 candidate, a component 2 relay candidate with the <em>same</em> relay address
 *       and priority 16777214 is added too (the relay forwards both components through one port).
 *       <br>Priority: RFC 8445 §5.1.2.1 with type preference 0 (relay) and local preference 65535:
 *       {@code (65535 << 8) + (256 - component)}. Foundation: {@value #RELAY_FOUNDATION}.</li>
 *   <li>{@code a=remote-candidates} (RFC 8839 §5.2): removed, it names the peer's addresses.</li>
 *   <li>{@code m=} port: set to the relay port, except port 0 (rejected or bundle-only sections,
 *       RFC 8843 §6), which stays 0 and gets no candidate. An optional {@code /<count>} is kept.</li>
 *   <li>{@code c=} lines, session and media level: {@code IN IP4 <relayIp>} ({@code IP6} for an
 *       IPv6 relay).</li>
 *   <li>{@code a=rtcp} (RFC 3605): {@code a=rtcp:<relayPort>}, plus {@code IN IP4|IP6 <relayIp>}
 *       when the original named an address.</li>
 *   <li>{@code o=}: the unicast address is always set to {@code IN IP4 0.0.0.0}; user name,
 *       session id and version stay. JSEP (RFC 9429 §5.2.1) gives the address no meaning, and a
 *       fixed value cannot leak anything whatever the sender wrote.</li>
 * </ul>
 * Every other line, {@code a=fingerprint}, {@code a=setup}, {@code a=ice-ufrag},
 * {@code a=ice-pwd} and {@code a=end-of-candidates} included, is kept byte for byte. Free-text
 * lines ({@code i=}, {@code u=}, {@code e=}, {@code p=}) are not inspected.
 *
 * <p>Line endings: every line of the result ends with CRLF, as RFC 8866 §5 writes SDP, whatever the
 * sender used (a sender may end its lines with LF alone, which RFC 8866 §5 asks parsers to accept;
 * the bundled client does, to send fewer bytes). So a receiver whose parser takes only CRLF still
 * reads every relayed description.
 *
 * <h2>Trickled candidates in relayed mode</h2>
 * The signaling service validates each trickled candidate with
 * {@link IceCandidate#parseTrickled(String)} (answering the sender with the error when it is
 * malformed) and then drops it: the rewritten SDP already carries the relay candidate, and a
 * forwarded real candidate would leak the sender's address. {@link #relayCandidate} gives the
 * relay candidate in {@code RTCIceCandidate.candidate} form for a caller that wants to send it
 * as a trickled candidate anyway.
 */
public final class SdpRewriter {
    /** Foundation of relay candidates (RFC 8839 §5.1: 1*32ice-char). */
    public static final String RELAY_FOUNDATION = "1";

    /** The line ending of every rewritten line (RFC 8866 §5). */
    private static final String CRLF = "\r\n";

    private SdpRewriter() {
    }

    /**
     * Replaces every address the sender revealed with the relay address, as the class comment
     * describes.
     *
     * @param sdp          the parsed SDP of one browser
     * @param relayAddress the relay port the other browser should send to: a resolved IPv4 or IPv6
     *                     address (not the wildcard) and a port 1-65535
     * @return a new SDP; {@code sdp} is unchanged
     * @throws IllegalArgumentException when relayAddress is unresolved, the wildcard, or port 0
     */
    public static @NotNull Sdp relay(final @NotNull Sdp sdp, final @NotNull InetSocketAddress relayAddress) {
        try {
            return SdpParser.build(relayLines(sdp, relayAddress), Integer.MAX_VALUE);
        } catch (final SdpException e) {
            // The input parsed and every line we write is valid, so this is a bug here.
            throw new IllegalStateException("rewritten SDP does not parse: " + e.getMessage(), e);
        }
    }

    /**
     * The text of {@link #relay}'s result, {@code relay(sdp, relayAddress).write()}, without
     * building the new {@link Sdp} (the signaling service only sends the text on).
     *
     * @param sdp          the parsed SDP of one browser
     * @param relayAddress as for {@link #relay}
     * @return the rewritten SDP text
     * @throws IllegalArgumentException as {@link #relay}
     */
    public static @NotNull String relayText(final @NotNull Sdp sdp, final @NotNull InetSocketAddress relayAddress) {
        final List<SdpLine> lines = relayLines(sdp, relayAddress);
        int length = 0;
        for (final SdpLine line : lines) {
            length += line.value().length() + 4;
        }
        final StringBuilder b = new StringBuilder(length);
        for (final SdpLine line : lines) {
            b.append(line.type()).append('=').append(line.value()).append(line.lineEnding());
        }
        return b.toString();
    }

    /** The lines of the rewritten SDP, in order, as the class comment describes. */
    private static List<SdpLine> relayLines(final Sdp sdp, final InetSocketAddress relayAddress) {
        Objects.requireNonNull(sdp, "sdp");
        final Relay relay = Relay.of(relayAddress);
        final String eol = CRLF;
        final List<SdpLine> out = new ArrayList<>(64);
        for (final SdpLine line : sdp.sessionLines()) {
            if (line.type() == 'o') {
                final Origin o = sdp.origin();
                final Origin hidden = new Origin(o.username(), o.sessionId(), o.sessionVersion(), "IN", "IP4", "0.0.0.0");
                out.add(new SdpLine('o', hidden.toSdpValue(), line.lineEnding()));
            } else if (line.type() == 'c') {
                out.add(new SdpLine('c', relay.connectionValue(), line.lineEnding()));
            } else {
                out.add(line);
            }
        }
        for (final MediaSection section : sdp.mediaSections()) {
            rewriteSection(section, relay, eol, out);
        }
        for (int i = 0; i < out.size(); i++) { // CRLF throughout, see the class comment
            final SdpLine line = out.get(i);
            if (!line.lineEnding().equals(CRLF)) {
                out.set(i, new SdpLine(line.type(), line.value(), CRLF));
            }
        }
        return out;
    }

    private static void rewriteSection(final MediaSection section, final Relay relay, final String eol,
            final List<SdpLine> out) {
        final boolean rejected = section.mediaLine().port() == 0;
        final List<SdpLine> relayLines = new ArrayList<>(2);
        if (!rejected) {
            relayLines.add(new SdpLine('a', "candidate:" + relayCandidateFor(relay, 1).toSdpValue(), eol));
            boolean component2 = false;
            for (final IceCandidate c : section.candidates()) {
                component2 |= c.component() == 2;
            }
            if (!section.rtcpMux() && component2) {
                relayLines.add(new SdpLine('a', "candidate:" + relayCandidateFor(relay, 2).toSdpValue(), eol));
            }
        }
        final int sectionStart = out.size();
        int insertAt = -1;
        int afterTransport = -1;
        for (final SdpLine line : section.lines()) {
            if (line.type() == 'm') {
                final MediaLine m = section.mediaLine();
                out.add(rejected ? line : new SdpLine('m', m.withPort(relay.port).toSdpValue(), line.lineEnding()));
                afterTransport = out.size();
            } else if (line.type() == 'c') {
                out.add(new SdpLine('c', relay.connectionValue(), line.lineEnding()));
                afterTransport = out.size();
            } else if (line.isAttribute("candidate")) {
                if (insertAt < 0) {
                    insertAt = out.size();
                }
            } else if (line.isAttribute("remote-candidates")) {
                continue;
            } else if (line.isAttribute("rtcp")) {
                final String value = Objects.requireNonNull(line.attributeValue());
                final String rtcp = value.indexOf(' ') < 0
                        ? "rtcp:" + relay.port
                        : "rtcp:" + relay.port + " " + relay.connectionValue();
                out.add(new SdpLine('a', rtcp, line.lineEnding()));
            } else {
                out.add(line);
            }
        }
        final int at = insertAt >= 0 ? insertAt : Math.max(afterTransport, sectionStart + 1);
        out.addAll(at, relayLines);
    }

    /**
     * The relay candidate for a component, as {@link #relay} writes it.
     *
     * @param relayAddress resolved relay address, port 1-65535
     * @param component    1 (RTP, or everything with rtcp-mux) or 2 (RTCP)
     * @return {@code 1 <component> udp <priority> <relayIp> <relayPort> typ relay raddr 0.0.0.0 rport 0}
     *     (raddr {@code ::} for IPv6); {@link IceCandidate#toCandidateString()} gives the trickle form
     * @throws IllegalArgumentException when the address is unusable or component is not 1 or 2
     */
    public static @NotNull IceCandidate relayCandidate(final @NotNull InetSocketAddress relayAddress,
            final int component) {
        if (component != 1 && component != 2) {
            throw new IllegalArgumentException("component must be 1 or 2: " + component);
        }
        return relayCandidateFor(Relay.of(relayAddress), component);
    }

    private static IceCandidate relayCandidateFor(final Relay relay, final int component) {
        // RFC 8445 §5.1.2.1: priority = 2^24*type-pref + 2^8*local-pref + (256 - component-id),
        // type-pref 0 for relayed candidates, local-pref 65535 (only one candidate).
        final long priority = (65535L << 8) + (256 - component);
        return new IceCandidate(RELAY_FOUNDATION, component, "udp", priority, relay.ip, relay.port, "relay",
                relay.ipv6 ? "::" : "0.0.0.0", 0, List.of());
    }

    /** The relay address as SDP text. */
    private record Relay(String ip, int port, boolean ipv6) {
        static Relay of(final InetSocketAddress address) {
            Objects.requireNonNull(address, "relayAddress");
            if (address.isUnresolved()) {
                throw new IllegalArgumentException("relay address must be resolved: " + address.getHostString());
            }
            if (address.getPort() < 1 || address.getPort() > 65535) {
                throw new IllegalArgumentException("relay port must be 1..65535: " + address.getPort());
            }
            final InetAddress ip = address.getAddress();
            if (ip.isAnyLocalAddress()) {
                throw new IllegalArgumentException("relay address must not be the wildcard address");
            }
            if (ip instanceof Inet4Address) {
                return new Relay(ip.getHostAddress(), address.getPort(), false);
            }
            return new Relay(ipv6Text((Inet6Address) ip), address.getPort(), true);
        }

        String connectionValue() {
            return "IN " + (ipv6 ? "IP6 " : "IP4 ") + ip;
        }

        /** RFC 5952 §4 text form: lower case, longest zero run (2+ groups) as "::", no zone id. */
        private static String ipv6Text(final Inet6Address ip) {
            final byte[] b = ip.getAddress();
            final int[] groups = new int[8];
            for (int i = 0; i < 8; i++) {
                groups[i] = (b[2 * i] & 0xff) << 8 | b[2 * i + 1] & 0xff;
            }
            int bestStart = -1;
            int bestLen = 1;
            for (int i = 0; i < 8; ) {
                if (groups[i] != 0) {
                    i++;
                    continue;
                }
                int j = i;
                while (j < 8 && groups[j] == 0) {
                    j++;
                }
                if (j - i > bestLen) {
                    bestStart = i;
                    bestLen = j - i;
                }
                i = j;
            }
            final StringBuilder s = new StringBuilder(39);
            for (int i = 0; i < 8; i++) {
                if (i == bestStart) {
                    s.append("::");
                    i += bestLen - 1;
                    continue;
                }
                if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                    s.append(':');
                }
                s.append(Integer.toHexString(groups[i]));
            }
            return s.toString();
        }
    }
}
