import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Enumeration;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the node's package (node/pom.xml, phase prepare-package): rewrites every signed jar
 * in a folder without its signature (META-INF/*.SF, *.RSA, *.DSA, *.EC) and without the manifest's
 * per-entry sections (one "Name:" section with a digest per class), keeping the manifest's main
 * attributes and every other entry unchanged. Jars without either are left alone, so a second run
 * changes nothing.
 *
 * <p>Why: the JDK keeps the whole manifest of a class-path jar, one {@code java.util.jar.Attributes}
 * per section, and verifies every class it loads from a signed jar. BouncyCastle's three jars and
 * Paho's carry 7,700 sections: about 2 MB of the idle node's heap and work at every start. The
 * node uses BouncyCastle as a library, never as a JCA provider, so the signatures (which only a
 * JCE provider needs, on JDKs that check) buy nothing; Maven checked the jars' checksums when it
 * downloaded them. docs/performance.md, "Footprint".
 *
 * <p>Run with the JDK's source launcher: {@code java UnsignJars.java FOLDER}.
 */
public final class UnsignJars {

    private UnsignJars() {
    }

    public static void main(final String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java UnsignJars.java FOLDER");
            System.exit(2);
        }
        final List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(Path.of(args[0]), "*.jar")) {
            listing.forEach(jars::add);
        }
        int rewritten = 0;
        for (final Path jar : jars) {
            if (unsign(jar)) {
                rewritten++;
            }
        }
        System.out.println("unsign-jars: rewrote " + rewritten + " signed jar(s) in " + args[0]);
    }

    static boolean isSignature(final String name) {
        if (!name.startsWith("META-INF/") || name.indexOf('/', "META-INF/".length()) >= 0) {
            return false;
        }
        return name.endsWith(".SF") || name.endsWith(".RSA") || name.endsWith(".DSA") || name.endsWith(".EC");
    }

    private static boolean unsign(final Path jar) throws IOException {
        final Manifest manifest;
        boolean signed = false;
        try (JarFile in = new JarFile(jar.toFile(), false)) {
            manifest = in.getManifest();
            for (final Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
                signed |= isSignature(e.nextElement().getName());
            }
        }
        if (!signed && (manifest == null || manifest.getEntries().isEmpty())) {
            return false;
        }
        final Path out = jar.resolveSibling(jar.getFileName() + ".unsigned");
        try (ZipFile in = new ZipFile(jar.toFile());
             ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            if (manifest != null) {
                final Manifest main = new Manifest();
                main.getMainAttributes().putAll(manifest.getMainAttributes());
                final ZipEntry entry = new ZipEntry(JarFile.MANIFEST_NAME);
                final ZipEntry old = in.getEntry(JarFile.MANIFEST_NAME);
                if (old != null) {
                    entry.setTime(old.getTime());
                }
                zip.putNextEntry(entry);
                main.write(zip);
                zip.closeEntry();
            }
            for (final Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
                final ZipEntry entry = e.nextElement();
                if (isSignature(entry.getName()) || entry.getName().equals(JarFile.MANIFEST_NAME)) {
                    continue;
                }
                final ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                zip.putNextEntry(copy);
                if (!entry.isDirectory()) {
                    try (InputStream data = in.getInputStream(entry)) {
                        data.transferTo(zip);
                    }
                }
                zip.closeEntry();
            }
        }
        Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING);
        return true;
    }
}
