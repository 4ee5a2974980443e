package dev.switchboard.node.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * Property: for any mutation of a real SDP, parsing either fails with {@link SdpException} or
 * the result writes back identically, and relaying it yields parseable SDP. Never another
 * exception. Seeded and bounded, so a failure is reproducible from the printed seed.
 */
class SdpFuzzTest {
    private static final int ITERATIONS = 20_000;
    private static final String ALPHABET = " :=/.-+\r\n\t\u0000\u00e9\ud83d0123456789abcmtvosacIPN";
    private static final InetSocketAddress RELAY = new InetSocketAddress(
            java.net.InetAddress.getLoopbackAddress(), 40000);

    @Test
    void parse_randomMutationsOfFixtures_failCleanlyOrRoundTrip() {
        final List<String> fixtures = Fixtures.all();
        final long seed = 0x5b5d_2024L;
        final Random random = new Random(seed);
        int parsed = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            final String input = mutate(fixtures.get(random.nextInt(fixtures.size())), random);
            try {
                final Sdp sdp = Sdp.parse(input);
                parsed++;
                assertEquals(input, sdp.write(), "round trip, seed " + seed + " iteration " + i);
                final String relayed = SdpRewriter.relay(sdp, RELAY).write();
                assertEquals(relayed, Sdp.parse(relayed).write());
            } catch (final SdpException expected) {
                // refused cleanly
            } catch (final RuntimeException e) {
                fail("seed " + seed + " iteration " + i + ": " + e + " for input:\n" + input, e);
            }
        }
        // The mutations must leave a fair share parseable, else the property is vacuous.
        if (parsed < ITERATIONS / 20) {
            fail("only " + parsed + " of " + ITERATIONS + " mutated inputs parsed");
        }
    }

    @Test
    void parseTrickled_randomMutations_failCleanlyOrRoundTrip() {
        final List<String> candidates = Fixtures.trickled().stream().filter(c -> !c.isEmpty()).toList();
        final Random random = new Random(7);
        for (int i = 0; i < ITERATIONS; i++) {
            final String input = mutate(candidates.get(random.nextInt(candidates.size())), random);
            try {
                IceCandidate.parseTrickled(input).ifPresent(IceCandidate::toCandidateString);
            } catch (final SdpException expected) {
                // refused cleanly
            } catch (final RuntimeException e) {
                fail("iteration " + i + ": " + e + " for input " + input, e);
            }
        }
    }

    static String mutate(final String text, final Random random) {
        final StringBuilder b = new StringBuilder(text);
        final int edits = 1 + random.nextInt(4);
        for (int e = 0; e < edits && b.length() > 0; e++) {
            final int at = random.nextInt(b.length());
            switch (random.nextInt(6)) {
                case 0 -> b.deleteCharAt(at);
                case 1 -> b.insert(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 2 -> b.setCharAt(at, ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                case 3 -> { // replace a digit run's digit: keeps most structure, stresses numbers
                    if (Character.isDigit(b.charAt(at))) {
                        b.setCharAt(at, (char) ('0' + random.nextInt(10)));
                    } else {
                        b.insert(at, random.nextInt(100_000));
                    }
                }
                case 4 -> { // duplicate a line
                    final int start = b.lastIndexOf("\n", at) + 1;
                    final int end = b.indexOf("\n", at);
                    if (end > start) {
                        b.insert(start, b.substring(start, end + 1));
                    }
                }
                default -> { // delete a line
                    final int start = b.lastIndexOf("\n", at) + 1;
                    final int end = b.indexOf("\n", at);
                    if (end >= start) {
                        b.delete(start, end + 1);
                    }
                }
            }
        }
        return b.toString();
    }
}
