package dev.switchboard.node.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The session descriptions of {@code docs/vectors/sdp.json} (docs/protocol.md §6, §8) on the
 * node's side: every RFC-valid one is relayed with its fingerprint lines byte for byte and none of
 * the sender's addresses left; the web client's tests read the same file for what a client does.
 */
class SdpVectorsTest {
    private static final JsonNode VECTORS = read();

    private static JsonNode read() {
        try {
            return JsonMapper.builder().build().readTree(Files.readString(Path.of("..", "docs", "vectors", "sdp.json")));
        } catch (final IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Stream<Arguments> cases() {
        final List<Arguments> out = new ArrayList<>();
        VECTORS.get("cases").forEach(c -> out.add(Arguments.of(c.get("name").asText(), c)));
        return out.stream();
    }

    private static String sdpOf(final JsonNode c) {
        final List<String> lines = new ArrayList<>();
        c.get("sdp").forEach(l -> lines.add(l.asText()));
        return String.join("\r\n", lines);
    }

    private static List<String> linesStartingWith(final String text, final String prefix) {
        return text.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith(prefix)).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void relay_vector_keepsFingerprintsAndHidesAddresses(final String name, final JsonNode c) throws SdpException {
        final String text = sdpOf(c);
        if ("bad-sdp".equals(c.get("node").asText())) {
            final SdpException e = assertThrows(SdpException.class, () -> SdpParser.withDefaults().parse(text));
            assertTrue(e.getMessage().contains("a=fingerprint"), e.getMessage());
            return;
        }
        assertEquals("relayed", c.get("node").asText());
        final JsonNode relay = VECTORS.get("relay");
        final Sdp in = SdpParser.withDefaults().parse(text);
        final String out = SdpRewriter.relay(in, new InetSocketAddress(relay.get("host").asText(), relay.get("port").asInt())).write();

        // Every fingerprint line, in any case of the attribute or hash name, passes byte for byte and in order.
        assertEquals(linesStartingWith(text, "a=fingerprint:"), linesStartingWith(out, "a=fingerprint:"));
        assertEquals(linesStartingWith(text, "a=end-of-candidates"), linesStartingWith(out, "a=end-of-candidates"));
        assertEquals(linesStartingWith(text, "a=ice-ufrag:"), linesStartingWith(out, "a=ice-ufrag:"));
        assertEquals(linesStartingWith(text, "a=setup:"), linesStartingWith(out, "a=setup:"));
        // One relay candidate per section, nothing else.
        final String candidate = "a=candidate:1 1 udp 16777215 " + relay.get("host").asText() + " " + relay.get("port").asInt()
                + " typ relay raddr 0.0.0.0 rport 0";
        assertEquals(Stream.generate(() -> candidate).limit(in.mediaSections().size()).toList(),
                linesStartingWith(out, "a=candidate:"));
        for (final String line : linesStartingWith(out, "c=")) {
            assertEquals("c=IN IP4 " + relay.get("host").asText(), line);
        }
        c.get("revealed").forEach(address -> assertFalse(out.contains(address.asText()),
                () -> address.asText() + " survives in\n" + out));
    }

    @Test
    void fingerprints_ofTheVectorCertificate_areItsRfc8122Digests() throws Exception {
        final byte[] der = Base64.getDecoder().decode(VECTORS.get("certificate").asText());
        final JsonNode first = VECTORS.get("cases").get(0).get("fingerprints");
        assertEquals(3, first.size());
        for (final JsonNode f : first) {
            final String algorithm = f.get("algorithm").asText().toUpperCase(Locale.ROOT);
            final String hex = HexFormat.ofDelimiter(":").withUpperCase()
                    .formatHex(MessageDigest.getInstance(algorithm).digest(der));
            assertEquals(hex, f.get("value").asText(), algorithm);
            assertTrue(sdpOf(VECTORS.get("cases").get(0)).contains("a=fingerprint:" + f.get("algorithm").asText() + " " + hex));
        }
    }
}
