package dev.switchboard.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.status.NopStatusListener;
import org.jetbrains.annotations.NotNull;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the node writes its log on standard output: {@link #TEXT} (the default) or {@link #JSON},
 * one JSON object per line (Logback's {@code JsonEncoder}: {@code timestamp} in Unix milliseconds,
 * {@code level}, {@code threadName}, {@code loggerName}, {@code formattedMessage},
 * {@code throwable}).
 *
 * <p>Both are set up in code ({@link #configure}), not from a {@code logback.xml}: Logback's XML
 * configurator and the JDK's XML parser it needs are a few hundred classes the node would keep
 * loaded for its whole run only to read a dozen lines (docs/performance.md, "Footprint").
 * {@link LogConfigurator} applies {@link #TEXT} when Logback starts; an operator's own file still
 * wins ({@code -Dlogback.configurationFile=...}).
 *
 * <p>Levels in both formats: {@code dev.switchboard} INFO; HiveMQ, Netty, Xodus and RocksDB
 * WARN (their INFO chatter is not for the node's users); everything else WARN.
 */
public enum LogFormat {
    /** Human-readable lines: {@code 12:00:00.000 INFO  d.s.node.Node - node ... started}. */
    TEXT,
    /** JSON lines for log shippers. */
    JSON;

    /** The text format's line: time, level, shortened logger name, message. */
    static final String TEXT_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %msg%n";
    private static final String[] QUIET_LOGGERS = {"com.hivemq", "io.netty", "jetbrains.exodus", "org.rocksdb"};

    /**
     * Reconfigures Logback for this format; {@link #TEXT} leaves the configuration found at start
     * alone (so {@code -Dlogback.configurationFile} still works). Call before the node starts.
     *
     * @throws IllegalStateException if Logback is not the SLF4J binding (JSON only)
     */
    public void apply() {
        if (this == TEXT) {
            return;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new IllegalStateException("--log-format json needs Logback as the logging backend");
        }
        context.reset();
        configure(context);
    }

    /**
     * Sets up {@code context} (freshly created or {@linkplain LoggerContext#reset() reset}) for
     * this format: one console appender on the root logger and the levels in the class comment.
     * Logback's own status messages are not printed (as the former {@code logback.xml}'s
     * {@code NopStatusListener}).
     *
     * @param context the logger context; called once, before logging starts
     */
    void configure(final @NotNull LoggerContext context) {
        context.getStatusManager().add(new NopStatusListener());
        final Encoder<ILoggingEvent> encoder;
        if (this == TEXT) {
            final PatternLayoutEncoder pattern = new PatternLayoutEncoder();
            pattern.setPattern(TEXT_PATTERN);
            encoder = pattern;
        } else {
            final JsonEncoder json = new JsonEncoder();
            json.setWithSequenceNumber(false);
            json.setWithNanoseconds(false);
            json.setWithContext(false);
            json.setWithMessage(false);
            json.setWithArguments(false);
            json.setWithFormattedMessage(true);
            json.setWithMDC(false);
            json.setWithKVPList(false);
            json.setWithMarkers(false);
            encoder = json;
        }
        encoder.setContext(context);
        encoder.start();
        final ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setName("CONSOLE");
        console.setContext(context);
        console.setEncoder(encoder);
        console.start();
        context.getLogger("dev.switchboard").setLevel(Level.INFO);
        for (final String name : QUIET_LOGGERS) {
            context.getLogger(name).setLevel(Level.WARN);
        }
        final ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(console);
    }
}
