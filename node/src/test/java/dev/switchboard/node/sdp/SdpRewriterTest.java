package dev.switchboard.node.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SdpRewriterTest {
    /** Unit tests send nothing; the relay addresses are loopback anyway. */
    private static final InetSocketAddress RELAY4 = relay("127.0.0.2", 40000);
    private static final InetSocketAddress RELAY6 = relay("::1", 40002);

    static Stream<Arguments> fixturesAndRelays() {
        return Fixtures.sdpNames().stream().flatMap(n -> Stream.of(
                Arguments.of(n, RELAY4, "127.0.0.2", "IP4"),
                Arguments.of(n, RELAY6, "::1", "IP6")));
    }

    @ParameterizedTest(name = "{0} via {2}")
    @MethodSource("fixturesAndRelays")
    void relay_chromiumFixture_leavesOnlyTheRelayAddress(final String name, final InetSocketAddress relay,
            final String relayIp, final String addrType) throws SdpException {
        final Sdp in = Sdp.parse(Fixtures.read(name));
        final Sdp out = SdpRewriter.relay(in, relay);
        final String text = out.write();

        // Whatever the original revealed: candidate addresses, related addresses, c= addresses.
        final Set<String> revealed = new HashSet<>();
        for (final MediaSection m : in.mediaSections()) {
            for (final IceCandidate c : m.candidates()) {
                revealed.add(c.address());
                if (c.relatedAddress() != null) {
                    revealed.add(c.relatedAddress());
                }
            }
        }
        revealed.remove(relayIp);
        revealed.remove("0.0.0.0");
        revealed.remove("::");
        for (final SdpLine line : out.lines()) {
            for (final String token : line.value().split("[ :]", -1)) {
                // IPv6 would split on ':'; compare whole fields too.
                assertFalse(revealed.contains(token), () -> "address survives in " + line.text());
            }
            for (final String field : line.value().split(" ", -1)) {
                assertFalse(revealed.contains(field), () -> "address survives in " + line.text());
            }
        }

        // Exactly one relay candidate per non-rejected section, naming the relay; ports and c= too.
        final String raddr = addrType.equals("IP6") ? "::" : "0.0.0.0";
        for (final MediaSection m : out.mediaSections()) {
            assertEquals(List.of("1 1 udp 16777215 " + relayIp + " " + relay.getPort() + " typ relay raddr " + raddr
                    + " rport 0"), m.candidates().stream().map(IceCandidate::toSdpValue).toList());
            assertEquals(relay.getPort(), m.mediaLine().port());
            assertEquals(new ConnectionData("IN", addrType, relayIp), m.connection());
        }
        assertEquals("IN IP4 0.0.0.0", out.origin().netType() + " " + out.origin().addrType() + " "
                + out.origin().address());
        assertEquals(in.origin().sessionId(), out.origin().sessionId());
        assertEquals(in.origin().sessionVersion(), out.origin().sessionVersion());
        for (final SdpLine line : out.lines()) {
            if (line.isAttribute("rtcp")) {
                assertEquals("rtcp:" + relay.getPort() + " IN " + addrType + " " + relayIp, line.value());
            }
        }

        // Lines the relay does not own pass through byte for byte, in order.
        assertEquals(kept(in), kept(out));
        assertEquals(untouched(in), untouched(out));

        // The output is valid SDP, writes back identically, and keeps CRLF.
        assertEquals(text, Sdp.parse(text).write());
        assertFalse(text.replace("\r\n", "").contains("\n"));
        assertTrue(text.endsWith("\r\n"));
    }

    /**
     * Firefox's SDP has another shape than Chromium's: session-level fingerprint, {@code a=rtcp}
     * naming an address, TCP and srflx candidates, {@code a=end-of-candidates}. Written by hand in
     * that shape (no Firefox here) with documentation-range addresses.
     */
    @Test
    void relay_firefoxShapedOffer_parsesRoundTripsAndHidesEveryAddress() throws Exception {
        final String original;
        try (var in = SdpRewriterTest.class.getResourceAsStream("/sdp/synthetic/firefox-style-offer.sdp")) {
            original = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        final Sdp sdp = Sdp.parse(original);
        assertEquals(original, sdp.write());
        assertEquals("sha-256", sdp.sessionFingerprints().get(0).hashFunction());
        assertEquals("5e8a2b1c", sdp.mediaSections().get(0).iceUfrag());
        assertEquals(3, sdp.mediaSections().get(0).candidates().size());

        final String out = SdpRewriter.relay(sdp, RELAY4).write();
        for (final String address : List.of("198.51.100.7", "203.0.113.9", "50123", "50124")) {
            assertFalse(out.contains(address), () -> address + " survives in\n" + out);
        }
        assertEquals(kept(sdp), kept(Sdp.parse(out)));
        assertTrue(out.contains("a=rtcp:40000 IN IP4 127.0.0.2\r\n"), out);
        assertEquals(2, out.split("a=candidate:", -1).length - 1, out);
    }

    /** The security-relevant lines: must be identical before and after. */
    private static List<String> kept(final Sdp sdp) {
        return sdp.lines().stream().filter(l -> l.isAttribute("fingerprint") || l.isAttribute("setup")
                || l.isAttribute("ice-ufrag") || l.isAttribute("ice-pwd") || l.isAttribute("end-of-candidates"))
                .map(l -> l.text() + l.lineEnding()).toList();
    }

    /** Everything but the lines the rewriter owns. */
    private static List<String> untouched(final Sdp sdp) {
        return sdp.lines().stream().filter(l -> l.type() != 'o' && l.type() != 'c' && l.type() != 'm'
                && !l.isAttribute("candidate") && !l.isAttribute("rtcp") && !l.isAttribute("remote-candidates"))
                .map(l -> l.text() + l.lineEnding()).toList();
    }

    private static final String HEAD = "v=0\r\no=- 42 7 IN IP4 198.51.100.7\r\ns=-\r\nt=0 0\r\nc=IN IP4 198.51.100.7\r\n";

    @Test
    void relay_noRtcpMuxWithComponent2_addsComponent2OnSameAddress() throws SdpException {
        final Sdp in = Sdp.parse(HEAD + "m=audio 5000 RTP/AVP 0\r\n"
                + "a=rtcp:5001 IN IP4 198.51.100.7\r\n"
                + "a=candidate:1 1 udp 2122260223 198.51.100.7 5000 typ host\r\n"
                + "a=candidate:1 2 udp 2122260222 198.51.100.7 5001 typ host\r\n"
                + "a=candidate:2 1 udp 1686052607 203.0.113.9 6000 typ srflx raddr 198.51.100.7 rport 5000\r\n"
                + "a=remote-candidates:1 198.51.100.9 7000\r\n"
                + "a=end-of-candidates\r\n");
        final String out = SdpRewriter.relay(in, RELAY4).write();
        assertEquals("v=0\r\no=- 42 7 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nc=IN IP4 127.0.0.2\r\n"
                + "m=audio 40000 RTP/AVP 0\r\n"
                + "a=rtcp:40000 IN IP4 127.0.0.2\r\n"
                + "a=candidate:1 1 udp 16777215 127.0.0.2 40000 typ relay raddr 0.0.0.0 rport 0\r\n"
                + "a=candidate:1 2 udp 16777214 127.0.0.2 40000 typ relay raddr 0.0.0.0 rport 0\r\n"
                + "a=end-of-candidates\r\n", out);
    }

    /**
     * A sender may end its lines with LF alone (the bundled client does, RFC 8866 §5 asks parsers
     * to accept it); what the relay hands on ends every line with CRLF, for receivers that take only
     * CRLF. Nothing else changes: the same output as for the CRLF form of the same description.
     */
    @Test
    void relay_lfOnlyInput_isWrittenWithCrlfThroughout() throws SdpException {
        final String crlf = HEAD + "m=application 5000 UDP/DTLS/SCTP webrtc-datachannel\r\n"
                + "c=IN IP4 198.51.100.7\r\n"
                + "a=candidate:1 1 udp 2122260223 198.51.100.7 5000 typ host\r\n"
                + "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n"
                + "a=fingerprint:sha-256 " + "AB:".repeat(31) + "AB\r\n"
                + "a=setup:actpass\r\na=sctp-port:5000\r\n";
        final String lf = crlf.replace("\r\n", "\n");
        final String fromLf = SdpRewriter.relayText(Sdp.parse(lf), RELAY4);
        assertEquals(SdpRewriter.relayText(Sdp.parse(crlf), RELAY4), fromLf);
        assertFalse(fromLf.replace("\r\n", "").contains("\n"), fromLf);
        assertTrue(fromLf.endsWith("a=sctp-port:5000\r\n"), fromLf);
        assertEquals(fromLf, SdpRewriter.relay(Sdp.parse(lf), RELAY4).write());
    }

    @Test
    void relay_rtcpMuxWithComponent2_addsOnlyComponent1() throws SdpException {
        final Sdp in = Sdp.parse(HEAD + "m=audio 5000 RTP/AVP 0\r\na=rtcp-mux\r\na=rtcp:5000\r\n"
                + "a=candidate:1 1 udp 2122260223 198.51.100.7 5000 typ host\r\n"
                + "a=candidate:1 2 udp 2122260222 198.51.100.7 5001 typ host\r\n");
        final Sdp out = SdpRewriter.relay(in, RELAY4);
        assertEquals(1, out.mediaSections().get(0).candidates().size());
        assertTrue(out.write().contains("\r\na=rtcp:40000\r\n"));
    }

    @Test
    void relay_rejectedSection_keepsPortZeroAndGetsNoCandidate() throws SdpException {
        final Sdp in = Sdp.parse(HEAD + "m=application 5000 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n"
                + "m=video 0 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 198.51.100.7\r\na=mid:1\r\n"
                + "a=candidate:1 1 udp 2122260223 198.51.100.7 5002 typ host\r\n");
        final Sdp out = SdpRewriter.relay(in, RELAY4);
        assertEquals(40000, out.mediaSections().get(0).mediaLine().port());
        assertEquals(1, out.mediaSections().get(0).candidates().size());
        assertEquals(0, out.mediaSections().get(1).mediaLine().port());
        assertEquals(List.of(), out.mediaSections().get(1).candidates());
        assertFalse(out.write().contains("198.51.100.7"));
    }

    @Test
    void relay_lfInputFixture_writesCrlfLines() throws SdpException {
        final Sdp in = Sdp.parse(Fixtures.read("datachannel-offer-initial.sdp").replace("\r\n", "\n"));
        final String out = SdpRewriter.relay(in, RELAY4).write();
        assertFalse(out.replace("\r\n", "").contains("\n"), out);
        assertTrue(out.contains("\r\na=candidate:1 1 udp 16777215 127.0.0.2 40000 typ relay raddr 0.0.0.0 rport 0\r\n"));
    }

    @Test
    void relay_badRelayAddress_throwsIllegalArgument() throws SdpException {
        final Sdp in = Sdp.parse(Fixtures.read("datachannel-offer-initial.sdp"));
        assertThrows(IllegalArgumentException.class,
                () -> SdpRewriter.relay(in, InetSocketAddress.createUnresolved("relay.example", 4000)));
        assertThrows(IllegalArgumentException.class, () -> SdpRewriter.relay(in, relay("127.0.0.2", 0)));
        assertThrows(IllegalArgumentException.class, () -> SdpRewriter.relay(in, relay("0.0.0.0", 4000)));
    }

    @Test
    void relayCandidate_ipv4AndIpv6_giveTrickleStrings() {
        assertEquals("candidate:1 1 udp 16777215 127.0.0.2 40000 typ relay raddr 0.0.0.0 rport 0",
                SdpRewriter.relayCandidate(RELAY4, 1).toCandidateString());
        assertEquals("candidate:1 2 udp 16777214 ::1 40002 typ relay raddr :: rport 0",
                SdpRewriter.relayCandidate(RELAY6, 2).toCandidateString());
        assertEquals("fe80::1:0:0:2", SdpRewriter.relayCandidate(relay("fe80:0:0:0:1:0:0:2", 1), 1).address());
        assertEquals("2001:db8::1", SdpRewriter.relayCandidate(relay("2001:db8:0:0:0:0:0:1", 1), 1).address());
        assertThrows(IllegalArgumentException.class, () -> SdpRewriter.relayCandidate(RELAY4, 3));
    }

    private static InetSocketAddress relay(final String literal, final int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(literal), port);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
