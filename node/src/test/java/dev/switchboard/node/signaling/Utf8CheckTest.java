package dev.switchboard.node.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * {@link MessageValidator}'s allocation-free checks give what the JDK gives:
 * {@code isWellFormedUtf8} accepts exactly what a reporting UTF-8 decoder decodes (the check the
 * validator made before), and {@code utf8Length} is {@code getBytes(UTF_8).length}.
 */
class Utf8CheckTest {
    /** Byte values at every boundary of Table 3-7 of the Unicode standard. */
    private static final int[] EDGES = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2,
        0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff};

    private static boolean decoderAccepts(final byte[] bytes) {
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (final CharacterCodingException e) {
            return false;
        }
    }

    private static void same(final byte[] bytes) {
        assertEquals(decoderAccepts(bytes), MessageValidator.isWellFormedUtf8(bytes), () -> hex(bytes));
    }

    @Test
    void isWellFormedUtf8_everyOneAndTwoByteInput_asTheDecoder() {
        same(new byte[0]);
        for (int a = 0; a < 256; a++) {
            same(new byte[] {(byte) a});
            for (int b = 0; b < 256; b++) {
                same(new byte[] {(byte) a, (byte) b});
            }
        }
    }

    @Test
    void isWellFormedUtf8_everyLeadWithBoundaryFollowers_asTheDecoder() {
        for (int lead = 0x80; lead < 256; lead++) {
            for (final int b : EDGES) {
                for (final int c : EDGES) {
                    same(new byte[] {(byte) lead, (byte) b, (byte) c});
                    same(new byte[] {0x7b, (byte) lead, (byte) b, (byte) c, 0x7d});
                }
            }
        }
        // four bytes: every lead of a four-byte form and its neighbours
        for (final int lead : new int[] {0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xf7, 0xff}) {
            for (final int b : EDGES) {
                for (final int c : EDGES) {
                    for (final int d : EDGES) {
                        same(new byte[] {(byte) lead, (byte) b, (byte) c, (byte) d});
                    }
                }
            }
        }
    }

    @Test
    void isWellFormedUtf8_seededRandomInputs_asTheDecoder() {
        final Random random = new Random(20261130L);
        for (int i = 0; i < 20_000; i++) {
            final byte[] bytes = new byte[random.nextInt(12)];
            for (int k = 0; k < bytes.length; k++) {
                // mostly the interesting bytes, sometimes any
                bytes[k] = (byte) (random.nextInt(4) == 0 ? random.nextInt(256) : EDGES[random.nextInt(EDGES.length)]);
            }
            same(bytes);
        }
        // real text, and real text cut anywhere
        final byte[] text = "{\"v\":1,\"sdp\":\"é€𝄞 ok\"}".getBytes(StandardCharsets.UTF_8);
        for (int end = 0; end <= text.length; end++) {
            same(java.util.Arrays.copyOf(text, end));
        }
    }

    @Test
    void utf8Length_isTheEncodedLength_alsoWithUnpairedSurrogates() {
        final Random random = new Random(7);
        final char[] pool = {'a', '\r', '\n', 'é', 'ÿ', '߿', 'ࠀ', '€', '\uffff', '\ud800', '\udbff', '\udc00', '\udfff'};
        for (int i = 0; i < 20_000; i++) {
            final char[] chars = new char[random.nextInt(10)];
            for (int k = 0; k < chars.length; k++) {
                chars[k] = pool[random.nextInt(pool.length)];
            }
            final String s = new String(chars);
            assertEquals(s.getBytes(StandardCharsets.UTF_8).length, MessageValidator.utf8Length(s), s);
        }
    }

    private static String hex(final byte[] bytes) {
        final StringBuilder b = new StringBuilder();
        for (final byte x : bytes) {
            b.append(String.format("%02x ", x & 0xff));
        }
        return b.toString();
    }
}
