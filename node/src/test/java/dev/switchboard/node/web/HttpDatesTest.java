package dev.switchboard.node.web;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** RFC 9110 §5.6.7: the three HTTP-date formats a recipient must read, and what is not one. */
class HttpDatesTest {
    private static final Instant NOW = Instant.parse("2026-11-30T00:00:00Z");
    private static final Instant EXAMPLE = Instant.parse("1994-11-06T08:49:37Z");

    @Test
    void parse_allThreeFormats_sameInstant() {
        assertEquals(EXAMPLE, HttpDates.parse("Sun, 06 Nov 1994 08:49:37 GMT", NOW));
        assertEquals(EXAMPLE, HttpDates.parse("Sunday, 06-Nov-94 08:49:37 GMT", NOW));
        assertEquals(EXAMPLE, HttpDates.parse("Sun Nov  6 08:49:37 1994", NOW));
        assertEquals(EXAMPLE, HttpDates.parse("  Sun, 06 Nov 1994 08:49:37 GMT ", NOW), "surrounding white space");
    }

    @Test
    void format_imfFixdate_roundTrips() {
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(EXAMPLE));
        assertEquals("Sun, 06 Nov 1994 08:49:37 GMT", HttpDates.format(EXAMPLE.plusMillis(999)), "whole seconds");
        assertEquals(NOW, HttpDates.parse(HttpDates.format(NOW), NOW));
    }

    @Test
    void rfc850_twoDigitYear_moreThan50YearsAheadIsThePastCentury() {
        assertEquals(Instant.parse("2070-01-01T00:00:00Z"), HttpDates.parse("Wednesday, 01-Jan-70 00:00:00 GMT", NOW));
        assertEquals(Instant.parse("1977-01-01T00:00:00Z"), HttpDates.parse("Saturday, 01-Jan-77 00:00:00 GMT", NOW));
        assertEquals(Instant.parse("2026-11-30T00:00:00Z"), HttpDates.parse("Monday, 30-Nov-26 00:00:00 GMT", NOW));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "yesterday", "0", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", "Sun Nov 6 08:49:37 1994",
            "Sun, 06 Nov 1994 08:49:60 GMT"})
    void parse_notAnHttpDate_null(final String value) {
        assertNull(HttpDates.parse(value, NOW), value);
    }

    @Test
    void parse_null_null() {
        assertNull(HttpDates.parse(null, NOW));
    }
}
