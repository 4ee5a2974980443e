package dev.switchboard.node.e2e;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.jetbrains.annotations.NotNull;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Records the node's own log ({@code dev.switchboard}) at TRACE while open, for the check of
 * issue 15 that the node logs no names, words, room keys or SDP bodies at any level. Restores the
 * previous level when closed. Not thread-safe to open twice at once (one per test).
 */
final class LogTap implements AutoCloseable {

    private final Logger logger = (Logger) LoggerFactory.getLogger("dev.switchboard");
    private final Level previous = logger.getLevel();
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LogTap() {
        appender.start();
        logger.addAppender(appender);
        logger.setLevel(Level.TRACE);
    }

    /** @return every line recorded so far, message and stack trace, as one text each */
    @NotNull List<String> lines() {
        return List.copyOf(appender.list).stream()
                .map(e -> e.getFormattedMessage()
                        + (e.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(e.getThrowableProxy())))
                .toList();
    }

    /**
     * Fails if the log is empty (a tap that saw nothing proves nothing), or if any line holds one
     * of {@code personal} (ignoring case) or looks like SDP.
     */
    void assertHoldsNoneOf(final @NotNull List<String> personal) {
        final List<String> lines = lines();
        assertFalse(lines.isEmpty(), "the tap on the node's log saw nothing");
        for (final String line : lines) {
            final String text = line.toLowerCase(Locale.ROOT);
            for (final String p : personal) {
                assertFalse(text.contains(p.toLowerCase(Locale.ROOT)), "the node logged '" + p + "': " + line);
            }
            assertFalse(text.contains("a=fingerprint") || text.contains("v=0\r\n") || text.contains("a=ice-pwd"),
                    "the node logged SDP: " + line);
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
        logger.setLevel(previous);
    }
}
