package dev.switchboard.node.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The signaling path's shortcuts give what the long way gives, on the fixtures and on seeded
 * random mutations of them: {@link SdpRewriter#relayText} is {@code relay(...).write()}; the
 * parser's line stage (which no longer copies each line twice) keeps every line and every
 * refusal of the line-by-line checks as they were ({@link #referenceLines}, the earlier code);
 * {@link SdpLine#isAttribute(String)} (no substring) is {@code name.equals(attributeName())}.
 */
class SdpFastPathTest {
    private static final int ITERATIONS = 10_000;
    private static final List<InetSocketAddress> RELAYS = List.of(relay("127.0.0.2", 40000), relay("::1", 40002));

    /** The fixtures and their seeded mutations (about a third of which still parse). */
    private static List<String> corpus() {
        final List<String> fixtures = new ArrayList<>(Fixtures.all());
        fixtures.add(synthetic());
        final List<String> all = new ArrayList<>(fixtures);
        final Random random = new Random(0x51_9001L);
        for (int i = 0; i < ITERATIONS; i++) {
            all.add(SdpFuzzTest.mutate(fixtures.get(random.nextInt(fixtures.size())), random));
        }
        return all;
    }

    @Test
    void relayText_isTheWrittenRelayRewrite_onEveryParseableInput() {
        int compared = 0;
        for (final String input : corpus()) {
            final Sdp sdp;
            try {
                sdp = Sdp.parse(input);
            } catch (final SdpException refused) {
                continue;
            }
            for (final InetSocketAddress relay : RELAYS) {
                assertEquals(SdpRewriter.relay(sdp, relay).write(), SdpRewriter.relayText(sdp, relay), input);
                compared++;
            }
        }
        assertTrue(compared > ITERATIONS / 10, "only " + compared + " inputs parsed");
    }

    @Test
    void parse_linesAndLineRefusals_asTheEarlierLineStage() {
        int refusedByLineStage = 0;
        for (final String input : corpus()) {
            final Object expected = referenceLines(input);
            try {
                final Sdp sdp = Sdp.parse(input);
                assertEquals(expected, sdp.lines(), input);
            } catch (final SdpException e) {
                if (expected instanceof String message) {
                    assertEquals(message, e.getMessage(), input);
                    refusedByLineStage++;
                } else {
                    // refused by a later stage: the line stage must have accepted every line
                    assertTrue(expected instanceof List<?>, input);
                }
            }
        }
        assertTrue(refusedByLineStage > 100, "only " + refusedByLineStage + " refusals of single lines");
    }

    @Test
    void isAttribute_isTheNameComparison_forEveryLineAndName() {
        final List<String> names = List.of("candidate", "rtcp", "rtcp-mux", "rtcp-fb", "remote-candidates", "ice-ufrag",
                "mid", "m", "", "a:b", "candidate:1", "rtcp:", "extmap");
        int lines = 0;
        for (final String input : corpus().subList(0, 200)) {
            if (!(referenceLines(input) instanceof List<?> parsed)) {
                continue;
            }
            for (final Object o : parsed) {
                final SdpLine line = (SdpLine) o;
                lines++;
                for (final String name : names) {
                    assertEquals(name.equals(line.attributeName()), line.isAttribute(name), line + " / " + name);
                }
            }
        }
        for (final String value : List.of("rtcp", "rtcp:9", "rtcp-mux", "rtcp:", ":x", "", "a:b:c", "candidate:1 1")) {
            for (final char type : new char[] {'a', 'm'}) {
                final SdpLine line = new SdpLine(type, value, "\r\n");
                for (final String name : names) {
                    assertEquals(name.equals(line.attributeName()), line.isAttribute(name), line + " / " + name);
                }
            }
        }
        assertTrue(lines > 1000, "only " + lines + " lines");
    }

    @Test
    void split_isStringSplitWithEveryField_onSeededRandomText() {
        final Random random = new Random(11);
        final String alphabet = " ./a1";
        for (int i = 0; i < 20_000; i++) {
            final char[] chars = new char[random.nextInt(9)];
            for (int k = 0; k < chars.length; k++) {
                chars[k] = alphabet.charAt(random.nextInt(alphabet.length()));
            }
            final String text = new String(chars);
            for (final char separator : new char[] {' ', '.', '/'}) {
                assertEquals(List.of(text.split(java.util.regex.Pattern.quote(String.valueOf(separator)), -1)),
                        List.of(Syntax.split(text, separator)), "'" + text + "' on '" + separator + "'");
            }
        }
    }

    /**
     * The line stage as it was before the shortcut (each line cut out, checked, its value cut out
     * again), after the size and emptiness checks.
     *
     * @return the lines, or {@code "line <n>: <message>"} of the first refused line, or
     *     {@code null} when the size or emptiness checks (unchanged) refuse the text
     */
    private static Object referenceLines(final String text) {
        final SdpLimits limits = SdpLimits.DEFAULTS;
        if (text.isEmpty() || text.length() > limits.maxBytes()) {
            return null;
        }
        final List<SdpLine> lines = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            final int lineNumber = lines.size() + 1;
            if (lineNumber > limits.maxLines()) {
                return null;
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
            final String line = text.substring(start, end);
            start = nl < 0 ? text.length() : nl + 1;
            for (int i = 0; i < line.length(); i++) {
                final char c = line.charAt(i);
                if (c < 0x20 || c == 0x7f) {
                    return "line " + lineNumber + ": " + String.format("control character U+%04X at column %d in %s",
                            (int) c, i + 1, Syntax.quote(line));
                }
            }
            if (line.isEmpty()) {
                return "line " + lineNumber + ": empty line; every line must be <type>=<value> (RFC 8866 §5)";
            }
            if (line.length() < 2 || line.charAt(1) != '=') {
                return "line " + lineNumber + ": " + Syntax.quote(line) + " is not of the form <type>=<value> (RFC 8866 §5)";
            }
            final char type = line.charAt(0);
            if ("vosiuepcbtrzkam".indexOf(type) < 0) {
                return "line " + lineNumber + ": unknown type letter " + Syntax.quote(String.valueOf(type))
                        + " in " + Syntax.quote(line) + " (RFC 8866 §5)";
            }
            lines.add(new SdpLine(type, line.substring(2), eol));
        }
        return lines;
    }

    private static String synthetic() {
        try {
            return new String(SdpFastPathTest.class.getResourceAsStream("/sdp/synthetic/firefox-style-offer.sdp")
                    .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (final java.io.IOException | NullPointerException e) {
            fail("fixture /sdp/synthetic/firefox-style-offer.sdp missing", e);
            return "";
        }
    }

    private static InetSocketAddress relay(final String ip, final int port) {
        try {
            return new InetSocketAddress(InetAddress.getByName(ip), port);
        } catch (final UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
