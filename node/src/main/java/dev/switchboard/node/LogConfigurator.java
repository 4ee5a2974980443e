package dev.switchboard.node;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.core.spi.ContextAwareBase;
import org.jetbrains.annotations.NotNull;

/**
 * Logback's configuration of the node when Logback starts: {@link LogFormat#TEXT}, set up in code.
 * Found by Logback through {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}, and
 * asked before Logback looks for XML files. It steps aside (Logback then reads the file as usual)
 * when the operator names a file ({@code -Dlogback.configurationFile=...}) or a
 * {@code logback-test.xml} is on the class path (the tests' own configuration).
 *
 * <p>Called once by Logback, on the thread that first asks for a logger.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {

    /** Logback's system property naming a configuration file. */
    static final String CONFIG_FILE_PROPERTY = "logback.configurationFile";

    /** Called by Logback's service loader. */
    public LogConfigurator() {
    }

    @Override
    public @NotNull ExecutionStatus configure(final @NotNull LoggerContext context) {
        final ClassLoader loader = LogConfigurator.class.getClassLoader();
        if (System.getProperty(CONFIG_FILE_PROPERTY) != null
                || (loader != null && loader.getResource("logback-test.xml") != null)) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        LogFormat.TEXT.configure(context);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
