package dev.switchboard.node.packaging;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Debian package on this machine: {@code dpkg -i}, the unit accepted by
 * {@code systemd-analyze verify}, the installed launcher run as the installed user with the
 * installed settings (systemd is not PID 1 in CI, so the test starts the unit's ExecStart itself)
 * serving the web page over HTTPS, {@code /readyz} and {@code /metrics} on the monitoring address
 * and STUN on loopback, a reinstall that keeps the operator's settings and the node's state, and
 * {@code dpkg --purge} removing files, state, user and group.
 *
 * <p>Needs root and dpkg; skipped otherwise. It changes the machine it runs on, so it runs under a
 * machine-wide lock (several builds may run at once) and refuses to touch a switchboard package it
 * did not install itself. Whatever fails, it stops the node and purges the package.
 */
class PackageInstallIT {

    private static final String PACKAGE = "switchboard";
    private static final Path ETC_CONFIG = Path.of("/etc/switchboard/switchboard.yaml");
    private static final Path STATE = Path.of("/var/lib/switchboard");
    private static final Path UNIT = Path.of("/usr/lib/systemd/system/switchboard.service");
    private static final Path HOME = Path.of("/usr/share/switchboard");
    private static final Path LAUNCHER = Path.of("/usr/bin/switchboard");
    /** Written by this test after installing; a package without it is someone else's. */
    private static final Path MARKER = STATE.resolve(".installed-by-PackageInstallIT");
    private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"),
            "switchboard-PackageInstallIT.lock");

    private static final Duration DPKG_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration NODE_START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration SHORT = Duration.ofSeconds(30);
    private static final Pattern NODE_ID = Pattern.compile("node (\\S+) started");
    private static final Pattern FINGERPRINT = Pattern.compile("TLS certificate SHA-256: (\\S+)");

    private static Path deb;
    private static String architecture;

    @BeforeAll
    static void preconditions() {
        assumeTrue(Commands.onPath("dpkg") && Commands.onPath("dpkg-deb"),
                "skipped: dpkg is missing (the Debian package test needs a Debian-like machine)");
        assumeTrue("root".equals(System.getProperty("user.name"))
                        && Files.isWritable(Path.of("/var/lib/dpkg")),
                "skipped: not root (installing a package needs root; CI runs as root)");
        final Path target = Path.of(System.getProperty("switchboard.target.dir", "target"));
        final String version = System.getProperty("switchboard.version", "0.1.0-SNAPSHOT")
                .replaceFirst("-SNAPSHOT$", "~snapshot").replace('-', '~');
        // the package is for the build machine's architecture: its jar holds the relay's native library
        architecture = Commands.run(SHORT, "dpkg", "--print-architecture")
                .expectSuccess(List.of("dpkg", "--print-architecture")).output().trim();
        deb = target.resolve("switchboard_" + version + "_" + architecture + ".deb");
        assertTrue(Files.isRegularFile(deb), deb + " missing although dpkg-deb exists: run mvn package");
    }

    @Test
    void debianPackage_installRunReinstallPurge_servesKeepsSettingsAndLeavesNothing() throws Exception {
        try (FileChannel channel = FileChannel.open(LOCK, StandardOpenOption.CREATE,
                StandardOpenOption.WRITE)) {
            final AtomicReference<FileLock> lock = new AtomicReference<>();
            await("the machine-wide lock of " + LOCK).atMost(Duration.ofMinutes(6))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> {
                        lock.set(channel.tryLock());
                        return lock.get() != null;
                    });
            try {
                assumeTrue(!installed() || Files.exists(MARKER),
                        "skipped: a switchboard package not installed by this test is on this "
                                + "machine; the test would replace and purge it");
                installRunReinstallPurge();
            } finally {
                if (installed()) {
                    dpkg("--purge", PACKAGE);
                }
                lock.get().release();
            }
        }
    }

    private static void installRunReinstallPurge() throws Exception {
        assertEquals(architecture, Commands.run(SHORT, "dpkg-deb", "--field", deb.toString(), "Architecture")
                .expectSuccess(List.of("dpkg-deb", "--field")).output().trim());
        dpkg("--install", deb.toString()).expectSuccess(List.of("dpkg", "--install"));
        Files.writeString(MARKER, "");
        assertTrue(installed());

        // Files, user, modes.
        assertTrue(Files.isSymbolicLink(LAUNCHER));
        assertEquals(HOME.resolve("bin/switchboard"), LAUNCHER.toRealPath());
        assertTrue(Files.isRegularFile(HOME.resolve("switchboard.jar")));
        assertTrue(Files.isRegularFile(UNIT));
        assertTrue(Files.isRegularFile(Path.of("/usr/share/doc/switchboard/copyright")));
        final String passwd = Commands.run(SHORT, "getent", "passwd", PACKAGE)
                .expectSuccess(List.of("getent")).output().trim();
        assertTrue(passwd.endsWith(":/var/lib/switchboard:/usr/sbin/nologin"), passwd);
        final int uid = Integer.parseInt(passwd.split(":")[2]);
        assertTrue(uid < 1000, "not a system user: " + passwd);
        final PosixFileAttributes state = Files.readAttributes(STATE, PosixFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        assertEquals(PACKAGE, state.owner().getName());
        assertEquals("rwxr-x---", PosixFilePermissions.toString(state.permissions()));
        final PosixFileAttributes config = Files.readAttributes(ETC_CONFIG, PosixFileAttributes.class);
        assertEquals(PACKAGE, config.group().getName());
        assertEquals("rw-r-----", PosixFilePermissions.toString(config.permissions()));
        assertTrue(Files.readAllLines(ETC_CONFIG).contains("dataDir: /var/lib/switchboard"));
        final String conffiles = Commands.run(SHORT, "dpkg-query", "--showformat=${Conffiles}",
                "--show", PACKAGE).expectSuccess(List.of("dpkg-query")).output();
        assertTrue(conffiles.contains(ETC_CONFIG.toString()), conffiles);

        // The unit as systemd would load it (ExecStart's binary, user, every directive known).
        final Commands.Result verify = Commands.run(Duration.ofSeconds(60), "systemd-analyze",
                "verify", UNIT.toString());
        assertEquals(0, verify.exitCode(), "systemd-analyze verify: " + verify.output());
        assertFalse(verify.output().contains("switchboard.service"), verify.output());

        final String nodeId = runInstalledNodeAndProbe();

        // Upgrade path: the operator's edit to the settings survives a reinstall, and so does
        // the node's state (its key, hence its id).
        Files.writeString(ETC_CONFIG, "# edited by the operator\n", StandardOpenOption.APPEND);
        dpkg("--install", deb.toString()).expectSuccess(List.of("dpkg", "--install", "(again)"));
        assertTrue(Files.readString(ETC_CONFIG).endsWith("# edited by the operator\n"));
        assertFalse(Files.exists(Path.of(ETC_CONFIG + ".dpkg-dist")));
        assertEquals(nodeId, runInstalledNodeAndProbe(), "the node's key did not survive");

        dpkg("--purge", PACKAGE).expectSuccess(List.of("dpkg", "--purge"));
        assertFalse(installed());
        for (final Path gone : List.of(HOME, LAUNCHER, UNIT, STATE, ETC_CONFIG.getParent(),
                Path.of("/usr/share/doc/switchboard"))) {
            assertFalse(Files.exists(gone, LinkOption.NOFOLLOW_LINKS), gone + " is still there");
        }
        assertEquals(2, Commands.run(SHORT, "getent", "passwd", PACKAGE).exitCode(), "user left");
        assertEquals(2, Commands.run(SHORT, "getent", "group", PACKAGE).exitCode(), "group left");
    }

    /**
     * Runs the unit's command as the unit's user from the unit's working directory, checks the web
     * page (HTTPS, with exactly the certificate the node made) and a STUN binding answer on
     * loopback, and stops it with SIGTERM as systemd would.
     *
     * @return the node's id.
     */
    private static String runInstalledNodeAndProbe() throws Exception {
        final Path log = Files.createTempFile("switchboard-installed-", ".log");
        // As the unit runs it: its user, working directory and ExecStart, systemd's clean
        // environment (java from the PATH, as the package's dependency installs it).
        final ProcessBuilder builder = new ProcessBuilder("runuser", "-u", PACKAGE, "--",
                LAUNCHER.toString(), "--config", ETC_CONFIG.toString());
        builder.environment().clear();
        builder.environment().putAll(Commands.CLEAN_ENVIRONMENT);
        final Process process = builder
                .directory(STATE.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .start();
        try {
            await("the installed node to start").atMost(NODE_START_TIMEOUT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        final String out = Files.readString(log, StandardCharsets.UTF_8);
                        if (!process.isAlive()) {
                            throw new AssertionError("the installed node exited with "
                                    + process.exitValue() + ":\n" + out);
                        }
                        return out.contains("Switchboard is running");
                    });
            final String out = Files.readString(log, StandardCharsets.UTF_8);
            final Matcher id = NODE_ID.matcher(out);
            assertTrue(id.find(), out);
            final Matcher fingerprint = FINGERPRINT.matcher(out);
            assertTrue(fingerprint.find(), out);
            // the installed jar's native library loads: the relay and STUN move datagrams in batches
            assertTrue(out.contains("UDP relay ready") && out.contains("recvmmsg/sendmmsg batches")
                    && !out.contains("one system call per datagram"), out);

            // It runs as the switchboard user.
            final List<String> users = process.descendants()
                    .map(p -> p.info().user().orElse("?")).distinct().toList();
            assertEquals(List.of(PACKAGE), users);

            // The web page over HTTPS, trusting only the certificate the node wrote to its state.
            final X509Certificate certificate;
            try (InputStream in = Files.newInputStream(STATE.resolve("tls/self-signed-cert.pem"))) {
                certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                        .generateCertificate(in);
            }
            assertEquals(fingerprint.group(1), HexFormat.ofDelimiter(":").withUpperCase()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded())));
            // Retried: on a busy machine the node's first TLS handshake (cold JIT) can outlast
            // Netty's 10 s handshake timeout.
            final SSLContext trusting = trusting(certificate);
            final AtomicReference<String> response = new AtomicReference<>();
            await("the web page over HTTPS").atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofSeconds(1)).ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> {
                        response.set(get(trusting, 8443));
                        return true;
                    });
            final String page = response.get();
            assertTrue(page.startsWith("HTTP/1.1 200"), page);
            assertTrue(page.toLowerCase(Locale.ROOT).contains("<html"), page);

            // The monitoring endpoint (plain HTTP on 127.0.0.1:9464 by default): every part ready,
            // and the node's metrics.
            final AtomicReference<String> ready = new AtomicReference<>();
            await("/readyz").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptionsInstanceOf(IOException.class)
                    .until(() -> {
                        ready.set(plainGet(9464, "/readyz"));
                        return ready.get().startsWith("HTTP/1.1 200");
                    });
            final String metrics = plainGet(9464, "/metrics");
            assertTrue(metrics.startsWith("HTTP/1.1 200"), metrics);
            assertTrue(metrics.contains("switchboard_connections"), metrics);

            // A STUN binding answer (RFC 8489) on the configured port.
            final Commands.Result stun = Commands.run(SHORT, "turnutils_stunclient", "-p", "3478",
                    "127.0.0.1");
            assertEquals(0, stun.exitCode(), stun.output());
            assertTrue(stun.output().contains("UDP reflexive addr: 127.0.0.1:"), stun.output());

            // systemd stops it with SIGTERM (runuser passes it on).
            process.destroy();
            assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the node did not stop on SIGTERM");
            return id.group(1);
        } catch (final Exception | AssertionError e) {
            throw new AssertionError(e + "\nthe installed node's output:\n"
                    + Files.readString(log, StandardCharsets.UTF_8), e);
        } finally {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(log);
        }
    }

    private static SSLContext trusting(final X509Certificate certificate) throws Exception {
        final KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("node", certificate);
        final TrustManagerFactory factory = TrustManagerFactory.getInstance(
                TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        final SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
    }

    /**
     * GET / over HTTPS on 127.0.0.1 with a plain TLS socket (checking the host name against the
     * certificate, as browsers do).
     *
     * @return the whole response, head and body.
     */
    private static String get(final SSLContext context, final int port) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    (int) SHORT.toMillis());
            socket.setSoTimeout((int) SHORT.toMillis());
            final SSLParameters parameters = socket.getSSLParameters();
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            parameters.setServerNames(List.of());
            socket.setSSLParameters(parameters);
            socket.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** @return the whole response to GET {@code path} over plain HTTP/1.1 on 127.0.0.1. */
    private static String plainGet(final int port, final String path) throws IOException {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port),
                    (int) SHORT.toMillis());
            socket.setSoTimeout((int) SHORT.toMillis());
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static boolean installed() {
        final Commands.Result status = Commands.run(SHORT, "dpkg-query", "--showformat=${Status}",
                "--show", PACKAGE);
        return status.exitCode() == 0 && status.output().contains("installed")
                && !status.output().contains("not-installed") && !status.output().contains("config-files");
    }

    /** dpkg, waiting while another dpkg or apt holds its lock (at most two minutes). */
    private static Commands.Result dpkg(final String... args) {
        final String[] command = new String[args.length + 1];
        command[0] = "dpkg";
        System.arraycopy(args, 0, command, 1, args.length);
        final AtomicReference<Commands.Result> result = new AtomicReference<>();
        await("dpkg's lock").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(2))
                .until(() -> {
                    result.set(Commands.run(DPKG_TIMEOUT, Map.of(), null, command));
                    return result.get().exitCode() == 0 || !result.get().output().contains("lock");
                });
        return result.get();
    }
}
