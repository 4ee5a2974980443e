package dev.switchboard.node.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class IceCandidateTest {

    static List<String> trickled() {
        return Fixtures.trickled();
    }

    @ParameterizedTest
    @MethodSource("trickled")
    void parseTrickled_chromiumCandidate_roundTrips(final String candidate) throws SdpException {
        final Optional<IceCandidate> parsed = IceCandidate.parseTrickled(candidate);
        if (candidate.isEmpty()) {
            assertEquals(Optional.empty(), parsed);
        } else {
            assertEquals(candidate, parsed.orElseThrow().toCandidateString());
            assertTrue(parsed.orElseThrow().extension("ufrag") != null);
        }
    }

    @Test
    void parseTrickled_srflxIpv6AndMdns_giveFields() throws SdpException {
        final IceCandidate srflx = IceCandidate.parseTrickled(
                "candidate:842163049 1 udp 1677729535 203.0.113.9 61200 typ srflx raddr 0.0.0.0 rport 0 generation 0")
                .orElseThrow();
        assertEquals("srflx", srflx.type());
        assertEquals("0.0.0.0", srflx.relatedAddress());
        assertEquals(0, srflx.relatedPort());
        assertEquals(List.of(new IceCandidate.Extension("generation", "0")), srflx.extensions());
        final IceCandidate v6 = IceCandidate.parseTrickled(
                "candidate:1 1 UDP 2122262783 2001:db8::1 50000 typ host").orElseThrow();
        assertEquals("2001:db8::1", v6.address());
        final IceCandidate mdns = IceCandidate.parseTrickled(
                "candidate:2 1 udp 2113937151 0d5c6c1e-2b4f-4a7e-9a39-1a2b3c4d5e6f.local 54321 typ host").orElseThrow();
        assertEquals("0d5c6c1e-2b4f-4a7e-9a39-1a2b3c4d5e6f.local", mdns.address());
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("no prefix", "1 1 udp 1 1.2.3.4 5 typ host", "does not start with \"candidate:\""),
                Arguments.of("a= prefix", "a=candidate:1 1 udp 1 1.2.3.4 5 typ host", "does not start with"),
                Arguments.of("too few fields", "candidate:1 1 udp 1 1.2.3.4 5 typ", "has 7 fields, needs at least 8"),
                Arguments.of("bad foundation", "candidate:a_b 1 udp 1 1.2.3.4 5 typ host", "foundation \"a_b\""),
                Arguments.of("component 0", "candidate:1 0 udp 1 1.2.3.4 5 typ host", "component \"0\""),
                Arguments.of("component 257", "candidate:1 257 udp 1 1.2.3.4 5 typ host", "component \"257\""),
                Arguments.of("priority 0", "candidate:1 1 udp 0 1.2.3.4 5 typ host", "priority \"0\""),
                Arguments.of("priority too big", "candidate:1 1 udp 2147483648 1.2.3.4 5 typ host", "priority \"2147483648\""),
                Arguments.of("bad address", "candidate:1 1 udp 1 1.2.3 5 typ host", "address \"1.2.3\""),
                Arguments.of("bad ipv6", "candidate:1 1 udp 1 1::2::3 5 typ host", "address \"1::2::3\""),
                Arguments.of("port too big", "candidate:1 1 udp 1 1.2.3.4 65536 typ host", "port \"65536\""),
                Arguments.of("no typ", "candidate:1 1 udp 1 1.2.3.4 5 type host", "field 7 \"type\""),
                Arguments.of("bad raddr", "candidate:1 1 udp 1 1.2.3.4 5 typ srflx raddr x..y rport 1", "raddr \"x..y\""),
                Arguments.of("bad rport", "candidate:1 1 udp 1 1.2.3.4 5 typ srflx raddr 1.2.3.4 rport 1x", "rport \"1x\""),
                Arguments.of("dangling extension", "candidate:1 1 udp 1 1.2.3.4 5 typ host generation",
                        "extension \"generation\" has no value"),
                Arguments.of("double space", "candidate:1 1  udp 1 1.2.3.4 5 typ host", "transport \"\""),
                Arguments.of("control char", "candidate:1 1 udp 1 1.2.3.4 5 typ host\r\n", "not printable ASCII"),
                Arguments.of("too long", "candidate:" + "1".repeat(2000), "more than 1024"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void parseTrickled_malformed_throwsSdpExceptionNamingField(final String label, final String candidate,
            final String fragment) {
        final SdpException e = assertThrows(SdpException.class, () -> IceCandidate.parseTrickled(candidate));
        assertTrue(e.getMessage().contains(fragment), () -> "expected \"" + fragment + "\" in: " + e.getMessage());
        assertEquals(0, e.lineNumber());
    }
}
