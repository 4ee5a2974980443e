package dev.switchboard.node;

import dev.switchboard.node.config.ConfigException;
import dev.switchboard.node.access.AdminPaths;
import dev.switchboard.node.config.ConfigLoader;
import dev.switchboard.node.config.NodeConfig;
import dev.switchboard.node.tls.KeystoreDefaults;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * The command line: {@code java -jar switchboard.jar [--config FILE] [--log-format text|json]}, and
 * {@code switchboard status [--config FILE]} ({@link StatusCommand}). Starts a node, prints the
 * URL to open and the TLS certificate's fingerprint, and runs until Ctrl-C (SIGINT/SIGTERM), which
 * stops everything cleanly. The configuration file is watched and re-read on change and on
 * {@code SIGHUP} (see {@link Node#reloadConfiguration()}).
 *
 * <p>Exit codes: 0 after a clean stop, 2 for a bad command line or configuration, 1 if the node
 * could not start (a port in use, for example).
 */
@Command(name = "switchboard", mixinStandardHelpOptions = true, version = "Switchboard " + Node.VERSION,
        description = "A self-hosted WebRTC signaling node: MQTT broker, STUN, UDP relay and web client.",
        subcommands = StatusCommand.class)
public final class Main implements Callable<Integer> {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "YAML configuration file (default: ${DEFAULT-VALUE}; a missing default file means "
                    + "built-in defaults on localhost).")
    private Path config = Path.of("switchboard.yaml");

    @Option(names = "--check-config", description = "Validate the configuration, print it, and exit.")
    private boolean checkOnly;

    @Option(names = "--log-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "Log lines as 'text' (default) or 'json' (one JSON object per line, for log shippers).")
    private LogFormat logFormat = LogFormat.TEXT;

    private Main() {
    }

    /**
     * @param args command-line arguments.
     */
    public static void main(final String[] args) {
        // Keystores protected by random passwords need no PBKDF2 stretching (a third of the start's CPU).
        KeystoreDefaults.applyUnlessSet();
        // One Netty event loop per processor for HiveMQ's connections and the web server, not two.
        EventLoopDefaults.applyUnlessSet();
        // JUL's log manager with the bridge to SLF4J, and Logback's set-up, are about 0.15 s of a
        // start (class initialisation mostly): they run beside the configuration's parsing, which
        // takes as long, and are waited for before the log format is applied.
        final Thread logging = new Thread(Main::setUpLogging, "switchboard-logging-set-up");
        logging.setDaemon(true);
        loggingSetUp = logging;
        logging.start();
        System.exit(run(args));
    }

    /** The logging set-up begun by {@link #main}, or {@code null} (tests call {@link #run} alone). */
    private static volatile Thread loggingSetUp;

    /** Routes java.util.logging to SLF4J (Guice and the JDK log there) and initialises Logback. */
    private static void setUpLogging() {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        LoggerFactory.getILoggerFactory();
    }

    /** Waits for {@link #setUpLogging} begun by {@link #main}, if it was. */
    private static void awaitLoggingSetUp() {
        final Thread logging = loggingSetUp;
        if (logging == null) {
            return;
        }
        try {
            logging.join();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Runs the command line without exiting the JVM.
     *
     * @param args command-line arguments.
     * @return the exit code (see the class comment).
     */
    static int run(final String... args) {
        final Main plain = plainStart(args);
        if (plain != null) {
            try {
                return plain.call();
            } catch (final RuntimeException e) {
                e.printStackTrace(); // as picocli's default handler does, with its exit code
                return CommandLine.ExitCode.SOFTWARE;
            }
        }
        return new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    }

    /**
     * The usual start, {@code [--config FILE] [--log-format text|json]} (also {@code -c FILE},
     * {@code --config=FILE}, {@code --log-format=FORMAT}, each at most once), read without
     * picocli: its 170 classes and its reflection over the annotations cost about 0.3 s of a start
     * and stay in memory for nothing (docs/performance.md, "Footprint, third round"). Anything else
     * (help, version, {@code --check-config}, {@code status}, an unknown or repeated option, a
     * missing value, an unknown format) is left to picocli, which reads and reports it as before.
     *
     * @param args the command line
     * @return the parsed command, or {@code null} when picocli must read the command line
     */
    static @org.jetbrains.annotations.Nullable Main plainStart(final String... args) {
        final Main main = new Main();
        boolean config = false;
        boolean format = false;
        for (int i = 0; i < args.length; i++) {
            final String arg = args[i];
            final String name;
            final String value;
            final int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else if (i + 1 < args.length) {
                name = arg;
                value = args[++i];
            } else {
                return null;
            }
            if (value.isEmpty() || value.startsWith("-")) {
                return null;
            }
            if (!config && (name.equals("--config") || name.equals("-c") && eq < 0)) {
                try {
                    main.config = Path.of(value);
                } catch (final java.nio.file.InvalidPathException e) {
                    return null;
                }
                config = true;
            } else if (!format && name.equals("--log-format")) {
                if (value.equalsIgnoreCase("text")) {
                    main.logFormat = LogFormat.TEXT;
                } else if (value.equalsIgnoreCase("json")) {
                    main.logFormat = LogFormat.JSON;
                } else {
                    return null;
                }
                format = true;
            } else {
                return null;
            }
        }
        return main;
    }

    /** @return the configuration file this command reads (for tests). */
    Path configFile() {
        return config;
    }

    /** @return the log format this command sets (for tests). */
    LogFormat logFormat() {
        return logFormat;
    }

    /**
     * What a valid configuration may still get wrong: admin paths too short to stay secret (under
     * {@value AdminPaths#MIN_BITS} bits, see {@link AdminPaths#strengthBits}).
     *
     * @return one sentence per problem, naming the admin (never the path)
     */
    static java.util.List<String> warnings(final NodeConfig cfg) {
        final java.util.List<String> out = new java.util.ArrayList<>();
        for (final NodeConfig.Admin admin : cfg.lobby().admins()) {
            final double bits = AdminPaths.strengthBits(admin.path());
            if (bits < AdminPaths.MIN_BITS) {
                out.add(String.format(java.util.Locale.ROOT, "the secret path of admin '%s' has about %.0f bits, "
                        + "fewer than %d: anyone can guess it; use 22 or more random characters of A-Z a-z 0-9 - _",
                        admin.name(), bits, AdminPaths.MIN_BITS));
            }
        }
        return out;
    }

    @Override
    public Integer call() {
        final boolean explicit = !config.equals(Path.of("switchboard.yaml"));
        final NodeConfig cfg;
        try {
            cfg = ConfigLoader.load(config, explicit);
        } catch (final ConfigException e) {
            System.err.println("switchboard: " + e.getMessage());
            return 2;
        }
        if (checkOnly) {
            System.out.println(cfg);
            for (final String warning : warnings(cfg)) {
                System.err.println("switchboard: warning: " + warning);
            }
            return 0;
        }
        awaitLoggingSetUp();
        try {
            logFormat.apply();
        } catch (final IllegalStateException e) {
            System.err.println("switchboard: " + e.getMessage());
            return 2;
        }
        final Node node;
        try {
            node = Node.start(cfg, Node.Options.defaults().withConfigFile(config));
        } catch (final Exception e) {
            System.err.println("switchboard: could not start: " + e.getMessage());
            return 1;
        }
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            node.close();
            stopped.countDown();
        }, "switchboard-shutdown"));
        System.out.println();
        System.out.println("Switchboard is running. Open: " + node.url());
        if (node.certificateFingerprint() != null) {
            System.out.println("TLS certificate SHA-256: " + node.certificateFingerprint());
            System.out.println("(self-signed unless configured: compare this fingerprint with the one your browser shows)");
            final java.nio.file.Path pem = node.config().web().certificate() != null
                    ? node.config().web().certificate()
                    : node.config().dataDir().resolve(dev.switchboard.node.tls.CertificateStore.CERT_FILE);
            System.out.println("Certificate (PEM) for non-browser clients to trust: " + pem.toAbsolutePath());
        }
        System.out.println("Press Ctrl-C to stop.");
        try {
            stopped.await();
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
