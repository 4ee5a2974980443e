package dev.switchboard.node.packaging;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The .tar.gz distribution that {@code mvn package} makes: its layout, and its launcher
 * {@code bin/switchboard} run from the unpacked archive (the Debian package's launcher is the same
 * file; {@link PackageInstallIT} runs that one as a service would).
 */
class DistributionIT {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The JDK running this test: the launcher must honour JAVA_HOME. */
    private static final Map<String, String> JAVA = Map.of("JAVA_HOME", System.getProperty("java.home"));

    @TempDir
    static Path unpacked;
    private static Path home;

    @BeforeAll
    static void unpack() throws Exception {
        final Path target = Path.of(System.getProperty("switchboard.target.dir", "target"));
        final String version = System.getProperty("switchboard.version", "0.1.0-SNAPSHOT");
        final Path archive = target.resolve("switchboard-" + version + ".tar.gz");
        assertTrue(Files.isRegularFile(archive), archive + " missing: run mvn package first");
        Commands.run(TIMEOUT, "tar", "-xzf", archive.toString(), "-C", unpacked.toString())
                .expectSuccess(java.util.List.of("tar"));
        home = unpacked.resolve("switchboard-" + version);
    }

    @Test
    void archive_layout_hasLauncherJarLibrariesExampleLicenseAndInstall() throws Exception {
        final Set<PosixFilePermission> launcher = Files.getPosixFilePermissions(home.resolve("bin/switchboard"));
        assertTrue(launcher.contains(PosixFilePermission.OWNER_EXECUTE), launcher.toString());
        assertTrue(launcher.contains(PosixFilePermission.OTHERS_EXECUTE), launcher.toString());
        for (final String file : new String[] {"switchboard.jar", "switchboard.yaml", "LICENSE", "INSTALL"}) {
            assertTrue(Files.isRegularFile(home.resolve(file)), file);
        }
        // Every jar the manifest names is in lib/, and lib/ holds nothing else.
        final String classPath;
        try (JarFile jar = new JarFile(home.resolve("switchboard.jar").toFile())) {
            classPath = jar.getManifest().getMainAttributes().getValue("Class-Path");
        }
        final Set<String> named = Set.of(classPath.trim().split("\\s+"));
        final Set<String> present;
        try (var files = Files.list(home.resolve("lib"))) {
            present = files.map(p -> "lib/" + p.getFileName()).collect(java.util.stream.Collectors.toSet());
        }
        assertEquals(named, present);
        // The footprint work: none of HiveMQ's file stores.
        assertFalse(present.stream().anyMatch(j -> j.contains("rocksdbjni") || j.contains("xodus")
                || j.contains("eclipse-collections") || j.contains("kotlin")), present.toString());
        // Nor OSHI and JNA (the broker's oshi package answers HiveMQ's one question).
        assertFalse(present.stream().anyMatch(j -> j.startsWith("lib/oshi-") || j.startsWith("lib/jna-")),
                present.toString());
    }

    @Test
    void libraries_carryNoSignaturesNorPerClassManifestSections() throws Exception {
        // The JDK keeps every manifest section of a class-path jar in the heap and verifies each
        // class of a signed jar; BouncyCastle's and Paho's signatures are stripped at package time
        // (src/build/UnsignJars.java, docs/performance.md "Footprint").
        try (var files = Files.list(home.resolve("lib"))) {
            for (final Path lib : files.toList()) {
                try (JarFile jar = new JarFile(lib.toFile(), false)) {
                    final var signatures = jar.stream().map(java.util.zip.ZipEntry::getName)
                            .filter(n -> n.matches("META-INF/[^/]+\\.(SF|RSA|DSA|EC)")).toList();
                    assertEquals(java.util.List.of(), signatures, lib.toString());
                    if (jar.getManifest() != null) {
                        assertEquals(Set.of(), jar.getManifest().getEntries().keySet(), lib.toString());
                    }
                }
            }
        }
        // Still the same classes: the unsigned BouncyCastle has its provider and its module info.
        try (JarFile bc = new JarFile(home.resolve("lib").toFile().listFiles(
                (d, n) -> n.startsWith("bcprov-"))[0], false)) {
            assertTrue(bc.getEntry("org/bouncycastle/jce/provider/BouncyCastleProvider.class") != null);
            assertTrue(bc.getEntry("META-INF/versions/9/module-info.class") != null);
            assertTrue(bc.isMultiRelease());
        }
    }

    @Test
    void classes_keepLineNumbers_butNoLocalVariableTables() throws Exception {
        // Only debuggers read local variable tables; the JVM keeps them resident with each loaded
        // class (src/build/StripLocalVariables.java, docs/performance.md "Footprint, sixth round").
        final List<Path> jars;
        try (var files = Files.list(home.resolve("lib"))) {
            jars = new java.util.ArrayList<>(files.sorted().toList());
        }
        jars.add(home.resolve("switchboard.jar"));
        int classes = 0;
        final Set<String> withLines = new java.util.HashSet<>();
        for (final Path path : jars) {
            try (JarFile jar = new JarFile(path.toFile(), false)) {
                for (final var entry : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
                    final byte[] bytes;
                    try (var in = jar.getInputStream(entry)) {
                        bytes = in.readAllBytes();
                    }
                    final int[] found = new int[2];
                    new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9) {
                        @Override
                        public MethodVisitor visitMethod(final int access, final String name,
                                                         final String descriptor, final String signature,
                                                         final String[] exceptions) {
                            return new MethodVisitor(Opcodes.ASM9) {
                                @Override
                                public void visitLocalVariable(final String n, final String d, final String g,
                                                               final Label start, final Label end, final int index) {
                                    found[0]++;
                                }

                                @Override
                                public void visitLineNumber(final int line, final Label start) {
                                    found[1]++;
                                }
                            };
                        }
                    }, 0);
                    assertEquals(0, found[0], path.getFileName() + "!" + entry.getName());
                    classes++;
                    if (found[1] > 0) {
                        withLines.add(entry.getName());
                    }
                }
            }
        }
        assertTrue(classes > 20_000, classes + " classes");
        // Stack traces keep their line numbers (classes that had them, from the node and from libraries).
        for (final String kept : List.of("dev/switchboard/node/Node.class",
                "dev/switchboard/broker/EmbeddedBroker.class",
                "com/hivemq/embedded/internal/EmbeddedHiveMQImpl.class",
                "io/netty/channel/AbstractChannel.class",
                "com/fasterxml/jackson/databind/ObjectMapper.class",
                "com/google/common/collect/ImmutableList.class")) {
            assertTrue(withLines.contains(kept), kept);
        }
    }

    @Test
    void launcher_checkConfig_acceptsTheExampleSettings() {
        final Commands.Result result = Commands.run(TIMEOUT, JAVA, home,
                "bin/switchboard", "--check-config", "--config", "switchboard.yaml");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("dataDir=switchboard-data"), result.output());
    }

    @Test
    void launcher_javaOptions_comeAfterTheDefaults() {
        // -version makes the JVM print its version and exit: the options reached it.
        final Commands.Result result = Commands.run(TIMEOUT,
                Map.of("JAVA_HOME", System.getProperty("java.home"), "SWITCHBOARD_CDS_DIR", "off",
                        "SWITCHBOARD_JAVA_OPTS", "-XX:+PrintCommandLineFlags -version"), home,
                "bin/switchboard");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("-XX:+UseSerialGC"), result.output());
        assertTrue(result.output().contains("version \""), result.output());
    }

    /**
     * Class data sharing: the first run writes its archive under a temporary name when it stops;
     * the next start checks it (a damaged one is deleted: the JVM would crash on it), keeps it
     * under its final name and runs with it.
     */
    @Test
    void launcher_classDataArchive_madeAtFirstStop_checked_usedFromTheSecondStart() throws Exception {
        final Path work = Files.createDirectories(unpacked.resolve("cds-run"));
        final Path cds = work.resolve("cds");
        final Path config = work.resolve("switchboard.yaml");
        Files.writeString(config, String.join("\n",
                "dataDir: " + work.resolve("data"),
                "web: {bind: 127.0.0.1, port: 0}",
                "broker: {bind: 127.0.0.1, webSocketPort: 0, tcpPort: -1}",
                "stun: {bind: 127.0.0.1, port: 0}",
                "relay: {bind: 127.0.0.1, portRange: 47800-47899, maxSessions: 50}",
                "metrics: {bind: 127.0.0.1, port: 0}", ""));

        final Path classLog = work.resolve("classes.log");
        final List<String> first = runNodeUntilRunningThenStop(work, cds, config, "first",
                "-Xlog:class+load=info:file=" + classLog);
        assertFalse(first.stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile")), first.toString());
        // Netty's buffer pool in one small arena (docs/performance.md, "Footprint, third round")
        assertTrue(first.containsAll(List.of("-Dio.netty.allocator.numDirectArenas=1",
                "-Dio.netty.allocator.numHeapArenas=1", "-Dio.netty.allocator.maxOrder=7")), first.toString());
        // C1 only, at its usual thresholds (docs/performance.md, "Figures: the fourth round")
        assertTrue(first.contains("-XX:TieredStopAtLevel=1"), first.toString());
        assertFalse(first.stream().anyMatch(o -> o.startsWith("-XX:CompileThresholdScaling")), first.toString());
        loadedNothingItDoesNotUse(classLog, work.resolve("first.log"));
        final List<Path> parts = list(cds, ".part.");
        assertEquals(1, parts.size(), parts.toString());
        // A damaged copy, checked first (".part.0" sorts before every process id).
        final Path part = parts.get(0);
        final String name = part.getFileName().toString();
        final Path damaged = part.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".0");
        Files.copy(part, damaged);
        damaged.toFile().setWritable(true);
        try (RandomAccessFile file = new RandomAccessFile(damaged.toFile(), "rw")) {
            file.seek(file.length() / 2);
            file.write(new byte[64]);
        }

        final List<String> second = runNodeUntilRunningThenStop(work, cds, config, "second", null);
        final Path archive = cds.resolve(name.substring(0, name.indexOf(".part.")));
        assertTrue(second.contains("-XX:SharedArchiveFile=" + archive), second.toString());
        assertTrue(Files.isRegularFile(archive), archive.toString());
        assertEquals(List.of(), list(cds, ".part."), "the damaged and the checked part are gone");
        // Where this java knows the option (asked once, the answer kept beside the archive), the
        // node hands the C heap's free pages back to the system every 5 s.
        final boolean trims = Commands.run(TIMEOUT, JAVA, work, System.getProperty("java.home") + "/bin/java",
                "-XX:TrimNativeHeapInterval=5000", "-version").exitCode() == 0;
        assertEquals(trims, second.contains("-XX:TrimNativeHeapInterval=5000"), second.toString());
        assertEquals(1, list(cds, ".trim").size(), "one answer, kept");
    }

    /**
     * The footprint work (docs/performance.md, "Footprint"): from start to "running" and its stop,
     * the packaged node loads no JAXB and no XML parser (HiveMQ gets its configuration as objects,
     * Logback is set up in code), no BouncyCastle JCA provider (Netty's probe is skipped) and no
     * JMX MBean server (no native memory metrics without native memory tracking), no picocli (a
     * plain {@code --config FILE} is read without it), no OSHI and JNA, and logs in the
     * text format with the node's levels.
     *
     * @param classLog the JVM's class loading log of that run
     * @param nodeLog  the node's standard output
     */
    private static void loadedNothingItDoesNotUse(final Path classLog, final Path nodeLog) throws Exception {
        final List<String> loaded = Files.readAllLines(classLog, StandardCharsets.UTF_8);
        assertTrue(loaded.stream().anyMatch(l -> l.contains(" com.hivemq.embedded.")), "class log of the run");
        for (final String absent : List.of(" org.glassfish.jaxb.", " com.sun.org.apache.xerces.",
                " ch.qos.logback.classic.joran.", " ch.qos.logback.core.model.",
                " org.bouncycastle.jce.provider.", " org.bouncycastle.jcajce.provider.",
                " com.sun.jmx.mbeanserver.JmxMBeanServer ",
                // nor OSHI's view of the hardware, nor JNA (the broker's oshi package)
                " oshi.hardware.platform.", " com.sun.jna.",
                // a plain start (--config FILE) is read without picocli (Main.plainStart)
                " picocli.")) {
            assertEquals(List.of(), loaded.stream().filter(l -> l.contains(absent)).limit(5).toList(), absent);
        }
        final List<String> lines = Files.readAllLines(nodeLog, StandardCharsets.UTF_8);
        assertTrue(lines.stream().anyMatch(l -> l.matches("\\d\\d:\\d\\d:\\d\\d\\.\\d{3} INFO  d\\.\\S+ - .+")),
                String.join("\n", lines));
        // HiveMQ gets its processor count without a warning
        assertFalse(lines.stream().anyMatch(l -> l.contains("physical cores")), String.join("\n", lines));
        // HiveMQ's and Netty's (com.*, io.*) INFO lines stay out
        assertFalse(lines.stream().anyMatch(l -> l.matches(".* INFO  (c|io)\\..*")), String.join("\n", lines));
    }

    /**
     * @param javaOptions SWITCHBOARD_JAVA_OPTS for this run, or null for none
     * @return the JVM's arguments, as the launcher gave them.
     */
    private static List<String> runNodeUntilRunningThenStop(final Path work, final Path cds,
                                                            final Path config, final String name,
                                                            final String javaOptions)
            throws Exception {
        final Path log = work.resolve(name + ".log");
        final ProcessBuilder builder = new ProcessBuilder(home.resolve("bin/switchboard").toString(),
                "--config", config.toString());
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().put("SWITCHBOARD_CDS_DIR", cds.toString());
        builder.environment().remove("SWITCHBOARD_JAVA_OPTS");
        if (javaOptions != null) {
            builder.environment().put("SWITCHBOARD_JAVA_OPTS", javaOptions);
        }
        final Process node = builder.directory(work.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        try {
            await(name + " node running").atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        final String out = Files.readString(log, StandardCharsets.UTF_8);
                        if (!node.isAlive()) {
                            throw new AssertionError(name + " node exited with " + node.exitValue()
                                    + ":\n" + out);
                        }
                        return out.contains("Switchboard is running");
                    });
            final List<String> arguments = List.of(node.info().arguments().orElseThrow());
            node.destroy(); // SIGTERM, as systemd stops it; the archive is written on the way out
            assertTrue(node.waitFor(180, TimeUnit.SECONDS), name + " node did not stop");
            return arguments;
        } finally {
            node.destroyForcibly();
        }
    }

    private static List<Path> list(final Path dir, final String containing) throws Exception {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().contains(containing)).sorted().toList();
        }
    }

    @Test
    void launcher_badJavaHome_exits2WithAMessage() {
        final Commands.Result result = Commands.run(TIMEOUT,
                Map.of("JAVA_HOME", home.resolve("no-such-java").toString()), home,
                "bin/switchboard", "--help");
        assertEquals(2, result.exitCode(), result.output());
        assertTrue(result.output().contains("JAVA_HOME is"), result.output());
    }

    @Test
    void launcher_startedThroughASymbolicLink_findsItsHome() throws Exception {
        final Path link = Files.createSymbolicLink(unpacked.resolve("switchboard-link"),
                home.resolve("bin/switchboard"));
        final Commands.Result result = Commands.run(TIMEOUT, JAVA, unpacked,
                link.toString(), "--version");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("Switchboard"), result.output());
    }
}
