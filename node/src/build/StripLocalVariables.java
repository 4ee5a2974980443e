import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Build step of the node's package (node/pom.xml, phase prepare-package, after UnsignJars): rewrites
 * every jar in a folder without the classes' local variable tables (the {@code LocalVariableTable}
 * and {@code LocalVariableTypeTable} attributes of JVMS §4.7.13 and §4.7.14), and with each class's
 * constant pool rebuilt without the names and descriptors only those tables used. Everything else
 * stays: code, stack map frames, line numbers and source file names (stack traces keep their
 * lines), generic signatures, annotations, parameter names ({@code MethodParameters}), and every
 * entry that is not a class, byte for byte. Jars whose classes carry no such table are left alone,
 * so a second run changes nothing.
 *
 * <p>Why: the JVM keeps a loaded class's local variable table in its metadata, which is resident
 * for the whole run (in the class data archive the launcher maps, or in Metaspace), although only
 * a debugger reads it. Most libraries are compiled with {@code -g}: for the 6,800 classes a node
 * loads that was about 2 MB of the archive and 1.6 MB of RSS idle. docs/performance.md, "Footprint,
 * sixth round".
 *
 * <p>Run with the JDK's source launcher and ASM on the class path:
 * {@code java -cp asm.jar StripLocalVariables.java FOLDER}.
 */
public final class StripLocalVariables {

    private StripLocalVariables() {
    }

    public static void main(final String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java -cp asm.jar StripLocalVariables.java FOLDER");
            System.exit(2);
        }
        final List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(Path.of(args[0]), "*.jar")) {
            listing.forEach(jars::add);
        }
        final long[] bytes = new long[2];
        int rewritten = 0;
        for (final Path jar : jars) {
            if (strip(jar, bytes)) {
                rewritten++;
            }
        }
        System.out.println("strip-local-variables: rewrote " + rewritten + " jar(s) in " + args[0]
                + "; their classes " + bytes[0] + " -> " + bytes[1] + " bytes");
    }

    /** @return the class without local variable tables, or null if it has none (or ASM cannot read it) */
    static byte[] stripClass(final byte[] original) {
        final ClassReader reader;
        try {
            reader = new ClassReader(original);
        } catch (final IllegalArgumentException e) {
            return null; // a class file version newer than this ASM knows: kept as it is
        }
        final boolean[] found = new boolean[1];
        // No ClassReader given to the writer: the constant pool is built afresh, so the entries only
        // the dropped tables referred to go too.
        final ClassWriter writer = new ClassWriter(0);
        reader.accept(new ClassVisitor(Opcodes.ASM9, writer) {
            @Override
            public MethodVisitor visitMethod(final int access, final String name, final String descriptor,
                                             final String signature, final String[] exceptions) {
                return new MethodVisitor(Opcodes.ASM9,
                        super.visitMethod(access, name, descriptor, signature, exceptions)) {
                    @Override
                    public void visitLocalVariable(final String varName, final String varDescriptor,
                                                   final String varSignature, final Label start,
                                                   final Label end, final int index) {
                        found[0] = true;
                    }
                };
            }
        }, 0);
        return found[0] ? writer.toByteArray() : null;
    }

    private static boolean strip(final Path jar, final long[] bytes) throws IOException {
        final Path out = jar.resolveSibling(jar.getFileName() + ".stripped");
        boolean changed = false;
        long before = 0;
        long after = 0;
        try (ZipFile in = new ZipFile(jar.toFile());
             ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            for (final Enumeration<? extends ZipEntry> e = in.entries(); e.hasMoreElements(); ) {
                final ZipEntry entry = e.nextElement();
                final ZipEntry copy = new ZipEntry(entry.getName());
                copy.setTime(entry.getTime());
                zip.putNextEntry(copy);
                if (!entry.isDirectory()) {
                    final byte[] data;
                    try (InputStream stream = in.getInputStream(entry)) {
                        data = stream.readAllBytes();
                    }
                    byte[] written = data;
                    if (entry.getName().endsWith(".class")) {
                        final byte[] stripped = stripClass(data);
                        if (stripped != null) {
                            written = stripped;
                            changed = true;
                        }
                        before += data.length;
                        after += written.length;
                    }
                    zip.write(written);
                }
                zip.closeEntry();
            }
        } catch (final IOException | RuntimeException e) {
            Files.deleteIfExists(out);
            throw new IOException("strip-local-variables: cannot rewrite " + jar + ": " + e, e);
        }
        if (!changed) {
            Files.delete(out);
            return false;
        }
        Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING);
        bytes[0] += before;
        bytes[1] += after;
        return true;
    }
}
