package dev.switchboard.node.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SdpParserTest {

    static List<String> fixtures() {
        return Fixtures.sdpNames();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void parse_chromiumFixture_writesBackByteIdentical(final String name) throws SdpException {
        final String text = Fixtures.read(name);
        assertTrue(text.contains("\r\n"), "fixture keeps CRLF");
        assertEquals(text, Sdp.parse(text).write());
        assertEquals("\r\n", Sdp.parse(text).lineEnding());
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void parse_fixtureWithLfEndings_writesBackByteIdentical(final String name) throws SdpException {
        final String text = Fixtures.read(name).replace("\r\n", "\n");
        final Sdp sdp = Sdp.parse(text);
        assertEquals(text, sdp.write());
        assertEquals("\n", sdp.lineEnding());
    }

    @Test
    void parse_mixedEndingsAndNoFinalEnding_keepsEachLineEnding() throws SdpException {
        final String text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\ns=-\r\nt=0 0\na=foo:bar";
        final Sdp sdp = Sdp.parse(text);
        assertEquals(text, sdp.write());
        assertEquals("", sdp.sessionLines().get(4).lineEnding());
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void parse_chromiumFixture_extractsWhatTheTextSays(final String name) throws SdpException {
        final String text = Fixtures.read(name);
        final Sdp sdp = Sdp.parse(text);
        assertEquals(count(text, "\r\nm="), sdp.mediaSections().size());
        final List<String> ufrags = all(text, "a=ice-ufrag:(\\S+)\r\n");
        final List<String> pwds = all(text, "a=ice-pwd:(\\S+)\r\n");
        final List<String> fingerprints = all(text, "a=fingerprint:(sha-256 [0-9A-F:]+)\r\n");
        final List<String> setups = all(text, "a=setup:(\\w+)\r\n");
        final List<String> mids = all(text, "a=mid:(\\S+)\r\n");
        for (final MediaSection m : sdp.mediaSections()) {
            assertEquals(ufrags.get(m.index()), m.iceUfrag());
            assertEquals(pwds.get(m.index()), m.icePwd());
            assertEquals(List.of(fingerprints.get(m.index())), m.fingerprints().stream().map(Fingerprint::toSdpValue).toList());
            assertEquals(setups.get(m.index()), m.setup());
            assertEquals(mids.get(m.index()), m.mid());
            assertTrue(m.rtcpMux() || m.mediaLine().media().equals("application"));
        }
        final List<String> candidates = all(text, "a=candidate:([^\r]+)\r\n");
        final List<String> parsed = sdp.mediaSections().stream()
                .flatMap(m -> m.candidates().stream()).map(IceCandidate::toSdpValue).toList();
        assertEquals(candidates, parsed, "candidates re-serialise to the same text");
    }

    @Test
    void parse_datachannelOfferGathered_givesCandidateFields() throws SdpException {
        final Sdp sdp = Sdp.parse(Fixtures.read("datachannel-offer-gathered.sdp"));
        assertEquals(1, sdp.mediaSections().size());
        final MediaSection m = sdp.mediaSections().get(0);
        assertEquals("application", m.mediaLine().media());
        assertEquals("UDP/DTLS/SCTP", m.mediaLine().proto());
        assertEquals(List.of("webrtc-datachannel"), m.mediaLine().formats());
        assertEquals("0", m.mid());
        assertEquals("actpass", m.setup());
        assertEquals(new ConnectionData("IN", "IP4", "127.0.0.1"), m.connection());
        assertEquals(2, m.candidates().size());
        final IceCandidate udp = m.candidates().get(0);
        assertEquals(1, udp.component());
        assertEquals("udp", udp.transport());
        assertEquals(2122260223L, udp.priority());
        assertEquals("127.0.0.1", udp.address());
        assertEquals(m.mediaLine().port(), udp.port());
        assertEquals("host", udp.type());
        assertNull(udp.relatedAddress());
        assertEquals("50", udp.extension("network-cost"));
        final IceCandidate tcp = m.candidates().get(1);
        assertEquals("tcp", tcp.transport());
        assertEquals("active", tcp.extension("tcptype"));
        assertEquals(9, tcp.port());
        assertEquals("-", sdp.origin().username());
        assertEquals("IN", sdp.origin().netType());
        assertNull(sdp.sessionIceUfrag());
    }

    @Test
    void parse_sessionLevelIceAndFingerprint_inheritedByMediaWithoutOwn() throws SdpException {
        final String text = String.join("\r\n",
                "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "t=0 0",
                "a=ice-ufrag:sess", "a=ice-pwd:sessionpasswordsessionpw", "a=fingerprint:sha-256 AB:CD", "a=setup:passive",
                "m=audio 9 UDP/TLS/RTP/SAVPF 111", "a=mid:a",
                "m=video 9 UDP/TLS/RTP/SAVPF 96", "a=mid:v", "a=ice-ufrag:medi", "a=fingerprint:sha-1 01:02",
                "a=setup:active", "") ;
        final Sdp sdp = Sdp.parse(text);
        final MediaSection audio = sdp.mediaSections().get(0);
        final MediaSection video = sdp.mediaSections().get(1);
        assertEquals("sess", audio.iceUfrag());
        assertEquals("sessionpasswordsessionpw", audio.icePwd());
        assertEquals(List.of(new Fingerprint("sha-256", "AB:CD")), audio.fingerprints());
        assertEquals("passive", audio.setup());
        assertEquals("medi", video.iceUfrag());
        assertEquals("sessionpasswordsessionpw", video.icePwd());
        assertEquals(List.of(new Fingerprint("sha-1", "01:02")), video.fingerprints());
        assertEquals("active", video.setup());
        assertEquals(text, sdp.write());
    }

    static Stream<Arguments> malformed() {
        final String head = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n";
        final String m = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
        return Stream.of(
                Arguments.of("empty", "", "SDP is empty"),
                Arguments.of("no v=", "o=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n", "line 1: expected v="),
                Arguments.of("v=1", "v=1\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n", "line 1: version \"1\" is not 0"),
                Arguments.of("missing o=", "v=0\r\n", "missing o= line"),
                Arguments.of("s before o", "v=0\r\ns=-\r\no=- 1 2 IN IP4 127.0.0.1\r\n", "line 2: expected o="),
                Arguments.of("missing s=", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n", "missing s= line"),
                Arguments.of("empty s=", "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=\r\n", "line 3: s= is empty"),
                Arguments.of("o= 5 fields", "v=0\r\no=- 1 2 IN IP4\r\ns=-\r\n", "line 2: o= \"- 1 2 IN IP4\" has 5 fields"),
                Arguments.of("o= id not number", "v=0\r\no=- x 2 IN IP4 1.2.3.4\r\ns=-\r\n", "line 2: o= session id/version \"x 2\""),
                Arguments.of("second v=", head + "v=0\r\n", "line 5: second v= line"),
                Arguments.of("NUL", head + "a=foo\u0000bar\r\n", "line 5: control character U+0000 at column 6"),
                Arguments.of("bare CR", head + "a=foo\rbar\r\n", "line 5: control character U+000D"),
                Arguments.of("tab", head + "a=foo\tbar\r\n", "control character U+0009"),
                Arguments.of("DEL", head + "a=foo\u007f\r\n", "control character U+007F"),
                Arguments.of("empty line", head + "\r\n", "line 5: empty line"),
                Arguments.of("no equals", head + "hello\r\n", "line 5: \"hello\" is not of the form <type>=<value>"),
                Arguments.of("space before equals", head + "a =x\r\n", "line 5: \"a =x\" is not of the form"),
                Arguments.of("unknown type", head + "x=1\r\n", "line 5: unknown type letter \"x\""),
                Arguments.of("upper type", head + "A=1\r\n", "unknown type letter \"A\""),
                Arguments.of("bad attribute name", head + "a=:x\r\n", "line 5: attribute name \"\" is not a token"),
                Arguments.of("m= port too big", head + "m=audio 70000 UDP/TLS/RTP/SAVPF 111\r\n",
                        "line 5: m= port \"70000\" is not a number 0-65535"),
                Arguments.of("m= port negative", head + "m=audio -1 RTP/AVP 0\r\n", "m= port \"-1\""),
                Arguments.of("m= port text", head + "m=audio nine RTP/AVP 0\r\n", "m= port \"nine\""),
                Arguments.of("m= port count 0", head + "m=audio 9/0 RTP/AVP 0\r\n", "m= number of ports \"0\""),
                Arguments.of("m= no format", head + "m=audio 9 RTP/AVP\r\n", "line 5: m= \"audio 9 RTP/AVP\" needs"),
                Arguments.of("m= bad payload type", head + "m=audio 9 UDP/TLS/RTP/SAVPF 128\r\n",
                        "m= format \"128\" is not an RTP payload type 0-127"),
                Arguments.of("m= format not token", head + "m=application 9 UDP/DTLS/SCTP web\"rtc\r\n",
                        "m= format \"web\\\"rtc\" is not a token"),
                Arguments.of("m= double space", head + "m=audio  9 RTP/AVP 0\r\n", "m= port \"\""),
                Arguments.of("session-only in media", head + m + "t=0 0\r\n", "line 6: t= is not allowed in a media section"),
                Arguments.of("session candidate", head + "a=candidate:1 1 udp 1 1.2.3.4 5 typ host\r\n",
                        "line 5: a=candidate is only allowed in a media section"),
                Arguments.of("bad candidate", head + m + "a=candidate:1 1 udp 1 1.2.3.4 5 type host\r\n",
                        "line 6: candidate field 7 \"type\" is not \"typ\""),
                Arguments.of("candidate port", head + m + "a=candidate:1 1 udp 1 1.2.3.4 99999 typ host\r\n",
                        "line 6: candidate port \"99999\""),
                Arguments.of("candidate address", head + m + "a=candidate:1 1 udp 1 1.2.3.456 5 typ host\r\n",
                        "candidate address \"1.2.3.456\""),
                Arguments.of("candidate no value", head + m + "a=candidate\r\n", "line 6: a=candidate has no value"),
                Arguments.of("short ufrag", head + m + "a=ice-ufrag:abc\r\n", "line 6: a=ice-ufrag \"abc\" is not 4-256 ice-chars"),
                Arguments.of("short pwd", head + m + "a=ice-pwd:abc\r\n", "a=ice-pwd \"abc\" is not 22-256 ice-chars"),
                Arguments.of("two ufrags", head + m + "a=ice-ufrag:abcd\r\na=ice-ufrag:efgh\r\n", "line 7: second a=ice-ufrag"),
                Arguments.of("bad fingerprint", head + m + "a=fingerprint:sha-256 XY:00\r\n",
                        "line 6: a=fingerprint value \"XY:00\" is not colon-separated hex pairs"),
                Arguments.of("fingerprint no space", head + m + "a=fingerprint:sha-256\r\n", "a=fingerprint \"sha-256\" is not"),
                Arguments.of("bad setup", head + m + "a=setup:both\r\n", "a=setup \"both\" is not active"),
                Arguments.of("duplicate mid", head + m + "a=mid:0\r\n" + m + "a=mid:0\r\n",
                        "line 8: a=mid \"0\" is used by an earlier media section"),
                Arguments.of("bad c=", head + "c=IN IP4\r\n", "line 5: c= \"IN IP4\" is not"),
                Arguments.of("bad c= address", head + "c=IN IP4 1.2.3.4.5.6.7.8/x\r\n", "c= address \"1.2.3.4.5.6.7.8/x\""),
                Arguments.of("bad rtcp", head + m + "a=rtcp:port\r\n", "line 6: a=rtcp \"port\" is not"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void parse_malformedInput_throwsSdpExceptionNamingProblem(final String label, final String text,
            final String expectedFragment) {
        final SdpException e = assertThrows(SdpException.class, () -> Sdp.parse(text));
        assertTrue(e.getMessage().contains(expectedFragment),
                () -> "expected \"" + expectedFragment + "\" in: " + e.getMessage());
    }

    @Test
    void parse_longValueInError_isQuotedShortAndEscaped() {
        final String text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nm=audio " + "9".repeat(500) + " RTP/AVP 0\r\n";
        final SdpException e = assertThrows(SdpException.class, () -> Sdp.parse(text));
        assertTrue(e.getMessage().length() < 200, e.getMessage());
        assertEquals(4, e.lineNumber());
    }

    @Test
    void parse_oversizedSdp_throwsBeforeParsing() {
        final String base = Fixtures.read("audio-video-offer-gathered.sdp");
        final StringBuilder b = new StringBuilder(base);
        while (b.length() <= SdpLimits.DEFAULT_MAX_BYTES) {
            b.append("a=x-padding:").append("p".repeat(100)).append("\r\n");
        }
        final SdpException e = assertThrows(SdpException.class, () -> Sdp.parse(b.toString()));
        assertTrue(e.getMessage().contains("more than the limit of 32768"), e.getMessage());
        assertEquals(0, e.lineNumber());
    }

    @Test
    void parse_multibyteCharactersOverByteLimit_throws() {
        // 20000 chars but 60000 UTF-8 bytes: the limit is in bytes.
        final String text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=" + "\u20ac".repeat(20000) + "\r\n";
        final SdpException e = assertThrows(SdpException.class, () -> Sdp.parse(text));
        assertTrue(e.getMessage().contains("more than the limit"), e.getMessage());
    }

    @Test
    void parse_nonAsciiSessionName_roundTrips() throws SdpException {
        final String text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=Gr\u00fc\u00dfe \ud83d\udc4b\r\nt=0 0\r\n";
        assertEquals(text, Sdp.parse(text).write());
    }

    @Test
    void parse_tooManyLines_throws() {
        final SdpParser parser = new SdpParser(new SdpLimits(32 * 1024, 10, 5));
        final String text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n" + "a=x\r\n".repeat(8);
        final SdpException e = assertThrows(SdpException.class, () -> parser.parse(text));
        assertEquals("line 11: SDP has more than 10 lines", e.getMessage());
    }

    @Test
    void parse_tooManyMediaSections_throws() {
        final SdpParser parser = new SdpParser(new SdpLimits(32 * 1024, 100, 2));
        final String text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
                + "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\n".repeat(3);
        final SdpException e = assertThrows(SdpException.class, () -> parser.parse(text));
        assertEquals("line 6: SDP has more than 2 media sections", e.getMessage());
    }

    @Test
    void limits_outOfRange_throwIllegalArgument() {
        assertThrows(IllegalArgumentException.class, () -> new SdpLimits(10, 100, 1));
        assertThrows(IllegalArgumentException.class, () -> new SdpLimits(1024, 2, 1));
        assertThrows(IllegalArgumentException.class, () -> new SdpLimits(1024, 100, -1));
    }

    @Test
    void parse_rejectedMediaSection_keepsPortZero() throws SdpException {
        final String text = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 0 UDP/TLS/RTP/SAVPF 96\r\n"
                + "a=bundle-only\r\n";
        final Sdp sdp = Sdp.parse(text);
        assertEquals(0, sdp.mediaSections().get(0).mediaLine().port());
        assertFalse(sdp.mediaSections().get(0).rtcpMux());
        assertNotNull(sdp.toString());
    }

    private static int count(final String text, final String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static List<String> all(final String text, final String regex) {
        final List<String> out = new ArrayList<>();
        final Matcher matcher = Pattern.compile(regex).matcher(text);
        while (matcher.find()) {
            out.add(matcher.group(1));
        }
        return out;
    }
}
