package dev.switchboard.node.signaling;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The field checks that replaced regular expressions on the signaling path match exactly what
 * the expressions (still the documented grammar) match: {@link Context#isValid} and
 * {@link Context#PATTERN}, {@link MessageValidator#isBase64Url} and {@code [A-Za-z0-9_-]+} /
 * {@code [A-Za-z0-9_-]{43}}, the context id rule and {@code [A-Za-z0-9_-]{1,64}}.
 */
class FieldChecksTest {
    private static final Pattern B64URL = Pattern.compile("[A-Za-z0-9_-]+");
    private static final Pattern MAC = Pattern.compile("[A-Za-z0-9_-]{43}");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    /** Seeded random texts near every boundary, and every ASCII character in a valid context. */
    private static List<String> texts() {
        final List<String> texts = new ArrayList<>(List.of("", "room:", "call:", "room:a", "call:Z", "rooms:a", "room;a",
                "Room:a", "room:a\n", "\nroom:a", "room:" + "a".repeat(64), "room:" + "a".repeat(65), "x".repeat(43),
                "x".repeat(42), "x".repeat(44)));
        for (char c = 0; c < 256; c++) {
            texts.add("room:ab" + c + "cd");
            texts.add(String.valueOf(c));
        }
        final Random random = new Random(5);
        final String alphabet = "roomcall:aZz09_-+/=. é";
        for (int i = 0; i < 20_000; i++) {
            final StringBuilder b = new StringBuilder(random.nextBoolean() ? (random.nextBoolean() ? "room:" : "call:") : "");
            final int length = random.nextInt(4) == 0 ? 40 + random.nextInt(30) : random.nextInt(8);
            for (int k = 0; k < length; k++) {
                b.append(random.nextInt(10) == 0 ? alphabet.charAt(random.nextInt(alphabet.length())) : 'q');
            }
            texts.add(b.toString());
        }
        return texts;
    }

    @Test
    void contextChecks_matchTheGrammarsRegularExpressions() {
        for (final String text : texts()) {
            assertEquals(Context.PATTERN.matcher(text).matches(), Context.isValid(text), text);
            assertEquals(Context.PATTERN.matcher(text).matches(), Context.parse(text) != null, text);
            boolean accepted;
            try {
                new Context(Context.Kind.ROOM, text);
                accepted = true;
            } catch (final IllegalArgumentException e) {
                accepted = false;
            }
            assertEquals(ID.matcher(text).matches(), accepted, text);
        }
        assertEquals(false, Context.isValid(null));
    }

    @Test
    void base64UrlChecks_matchTheRegularExpressions() {
        for (final String text : texts()) {
            assertEquals(B64URL.matcher(text).matches(), MessageValidator.isBase64Url(text, 1, Integer.MAX_VALUE), text);
            assertEquals(MAC.matcher(text).matches(), MessageValidator.isBase64Url(text, 43, 43), text);
        }
    }
}
