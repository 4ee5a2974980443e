package dev.switchboard.node.web;

import org.jetbrains.annotations.NotNull;
import org.jetbrains.annotations.Nullable;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP-date (RFC 9110 §5.6.7): written as IMF-fixdate ({@code Sun, 06 Nov 1994 08:49:37 GMT}),
 * read in all three formats a recipient MUST accept (IMF-fixdate, the obsolete RFC 850 format
 * {@code Sunday, 06-Nov-94 08:49:37 GMT} and ANSI C's asctime {@code Sun Nov  6 08:49:37 1994}).
 * Pure and thread-safe.
 */
final class HttpDates {

    private static final DateTimeFormatter IMF_FIXDATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);
    private static final List<String> MONTHS =
            List.of("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec");
    private static final String DAY = "(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)";
    private static final String LONG_DAY = "(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)";
    private static final String MONTH = "(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
    private static final String TIME = "(\\d\\d):(\\d\\d):(\\d\\d)";
    private static final Pattern FIXDATE = Pattern.compile(DAY + ", (\\d\\d) " + MONTH + " (\\d{4}) " + TIME + " GMT");
    private static final Pattern RFC850 = Pattern.compile(LONG_DAY + ", (\\d\\d)-" + MONTH + "-(\\d\\d) " + TIME + " GMT");
    private static final Pattern ASCTIME = Pattern.compile(DAY + " " + MONTH + " ([ \\d]\\d) " + TIME + " (\\d{4})");

    private HttpDates() {
    }

    /** @return {@code instant} as IMF-fixdate (whole seconds; a fraction is dropped) */
    static @NotNull String format(final @NotNull Instant instant) {
        return IMF_FIXDATE.format(instant);
    }

    /**
     * @param value a header value, untrusted
     * @param now   the current time, for the two-digit years of the RFC 850 format
     * @return the instant, or null when the value is in none of the three formats or names no real
     *     date (then RFC 9110 §13.1.3 says the condition is ignored)
     */
    static @Nullable Instant parse(final @Nullable String value, final @NotNull Instant now) {
        if (value == null) {
            return null;
        }
        final String v = value.trim();
        try {
            Matcher m = FIXDATE.matcher(v);
            if (m.matches()) {
                return at(Integer.parseInt(m.group(3)), m.group(2), m.group(1), m, 4);
            }
            m = RFC850.matcher(v);
            if (m.matches()) {
                // RFC 9110 §5.6.7: a two-digit year more than 50 years in the future is the most
                // recent past year with the same last two digits
                final int thisYear = now.atOffset(ZoneOffset.UTC).getYear();
                int year = thisYear / 100 * 100 + Integer.parseInt(m.group(3));
                if (year > thisYear + 50) {
                    year -= 100;
                }
                return at(year, m.group(2), m.group(1), m, 4);
            }
            m = ASCTIME.matcher(v);
            if (m.matches()) {
                return at(Integer.parseInt(m.group(6)), m.group(1), m.group(2).trim(), m, 3);
            }
        } catch (final DateTimeException | NumberFormatException e) {
            return null; // e.g. 31 Feb, 25:00:00
        }
        return null;
    }

    private static Instant at(final int year, final String month, final String day, final Matcher m, final int timeGroup) {
        final LocalDate date = LocalDate.of(year, MONTHS.indexOf(month) + 1, Integer.parseInt(day));
        final LocalTime time = LocalTime.of(Integer.parseInt(m.group(timeGroup)), Integer.parseInt(m.group(timeGroup + 1)),
                Integer.parseInt(m.group(timeGroup + 2)));
        return LocalDateTime.of(date, time).toInstant(ZoneOffset.UTC);
    }
}
