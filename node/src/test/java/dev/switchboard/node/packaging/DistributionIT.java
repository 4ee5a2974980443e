package dev.switchboard.node.packaging;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarFile;

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
                Map.of("JAVA_HOME", System.getProperty("java.home"),
                        "SWITCHBOARD_JAVA_OPTS", "-XX:+PrintCommandLineFlags -version"), home,
                "bin/switchboard");
        assertEquals(0, result.exitCode(), result.output());
        assertTrue(result.output().contains("-XX:+UseSerialGC"), result.output());
        assertTrue(result.output().contains("version \""), result.output());
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
