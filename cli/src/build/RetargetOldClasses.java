import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Build step of the cli module (run by Maven with the JDK's source launcher after the shaded jar is made): rewrites
 * the classes under a package prefix that are older than class file version 50 (Java 6) as version 52 (Java 8), with
 * the stack map frames the JDK generates for them. The bytecode is otherwise the same.
 *
 * <p>Why: picocli is compiled for Java 5. The JVM verifies such classes with the old type-inferring verifier at every
 * start, and the JDK's AOT cache refuses to store them, so the 175 picocli classes a command loads were parsed and
 * verified on every run: about 0.1 s of the CLI's start-up. Version 52 classes are verified once, when the cache is
 * made, and then mapped from it.
 *
 * <p>Usage: {@code java RetargetOldClasses.java JAR PREFIX}, e.g. {@code target/ebpf4j.jar picocli/}.
 */
public final class RetargetOldClasses {
    private static final int OLDEST_KEPT = 50;
    private static final int TARGET = 52;

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            throw new IllegalArgumentException("usage: RetargetOldClasses JAR PREFIX");
        }
        Path jar = Path.of(args[0]);
        String prefix = args[1];
        Path out = jar.resolveSibling(jar.getFileName() + ".retargeted");
        int rewritten = 0;
        try (URLClassLoader classes = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null);
             ZipInputStream in = new ZipInputStream(Files.newInputStream(jar));
             ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(out))) {
            // stack maps need the common super class of two types: JDK classes, else read from the jar itself
            ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                    ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                            .orElse(ClassHierarchyResolver.ofResourceParsing(classes))));
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] bytes = in.readAllBytes();
                if (!e.isDirectory() && e.getName().startsWith(prefix) && e.getName().endsWith(".class")) {
                    ClassModel model = cf.parse(bytes);
                    if (model.majorVersion() < OLDEST_KEPT) {
                        bytes = retarget(cf, model);
                        rewritten++;
                    }
                }
                ZipEntry copy = new ZipEntry(e.getName());
                copy.setTime(e.getTime());
                zip.putNextEntry(copy);
                zip.write(bytes);
                zip.closeEntry();
            }
        }
        Files.move(out, jar, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("RetargetOldClasses: " + rewritten + " classes under " + prefix + " in " + jar
                + " rewritten as class file version " + TARGET);
    }

    /** The class at version 52, every method body re-emitted so that its stack map frames are generated. */
    private static byte[] retarget(ClassFile cf, ClassModel model) {
        ClassTransform version = (builder, element) -> {
            if (element instanceof ClassFileVersion) {
                builder.withVersion(TARGET, 0);
            } else {
                builder.with(element);
            }
        };
        return cf.transformClass(model, version.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)));
    }

    private RetargetOldClasses() {}
}
