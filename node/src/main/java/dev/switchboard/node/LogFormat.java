package dev.switchboard.node;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.joran.spi.JoranException;
import org.slf4j.LoggerFactory;

import java.net.URL;

/**
 * How the node writes its log on standard output: {@link #TEXT} (the default, {@code logback.xml})
 * or {@link #JSON}, one JSON object per line ({@code logback-json.xml}, Logback's
 * {@code JsonEncoder}: {@code timestamp} in Unix milliseconds, {@code level}, {@code threadName},
 * {@code loggerName}, {@code formattedMessage}, {@code throwable}).
 */
public enum LogFormat {
    /** Human-readable lines: {@code 12:00:00.000 INFO  d.s.node.Node - node ... started}. */
    TEXT,
    /** JSON lines for log shippers. */
    JSON;

    /**
     * Reconfigures Logback for this format; {@link #TEXT} leaves the configuration found at start
     * alone (so {@code -Dlogback.configurationFile} still works). Call before the node starts.
     *
     * @throws IllegalStateException if the JSON configuration cannot be applied (Logback is not
     *                               the SLF4J binding, or the resource is missing)
     */
    public void apply() {
        if (this == TEXT) {
            return;
        }
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            throw new IllegalStateException("--log-format json needs Logback as the logging backend");
        }
        final URL config = LogFormat.class.getResource("/logback-json.xml");
        if (config == null) {
            throw new IllegalStateException("logback-json.xml is missing from the class path");
        }
        context.reset();
        final JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(config);
        } catch (final JoranException e) {
            throw new IllegalStateException("cannot configure JSON logging: " + e.getMessage(), e);
        }
    }
}
