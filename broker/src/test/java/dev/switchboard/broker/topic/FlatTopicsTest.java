package dev.switchboard.broker.topic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class FlatTopicsTest {

    @ParameterizedTest
    @ValueSource(strings = {"3f786850e387550fdab836ed7e6dc881de23001b", "a", "room-1_x.y:z@q", "~!%&*()=[]{}"})
    void whyNotFlat_flatName_null(final String topic) {
        assertNull(FlatTopics.whyNotFlat(topic));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "sb/v1/node/info|no '/'",
        "sb/#|no '/'",
        "#|wildcards",
        "+|wildcards",
        "abc+|wildcards",
        "$SYS|'$'",
        "$share|'$'",
        "with space|printable ASCII",
        "tab\there|printable ASCII",
        "ü|printable ASCII",
    })
    void whyNotFlat_notFlat_namesTheRule(final String topic, final String fragment) {
        final String why = FlatTopics.whyNotFlat(topic);
        assertNotNull(why, topic);
        assertTrue(why.contains(fragment), why);
    }

    @org.junit.jupiter.api.Test
    void whyNotFlat_emptyNullOrTooLong_refused() {
        assertEquals("empty topic", FlatTopics.whyNotFlat(""));
        assertEquals("empty topic", FlatTopics.whyNotFlat(null));
        assertNull(FlatTopics.whyNotFlat("x".repeat(FlatTopics.MAX_LENGTH)));
        assertNotNull(FlatTopics.whyNotFlat("x".repeat(FlatTopics.MAX_LENGTH + 1)));
        // A control character is quoted as '?', never echoed raw.
        assertTrue(FlatTopics.whyNotFlat("a\u0000b").contains("'a?b'"));
    }
}
