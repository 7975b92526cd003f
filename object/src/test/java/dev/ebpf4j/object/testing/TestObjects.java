package dev.ebpf4j.object.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * Where the test objects and external oracles (llvm-objdump, bpftool) are, and the one rule for
 * skipping: a test may skip when something outside the repo is missing, unless the environment
 * variable {@code EBPF4J_NO_SKIP=1} is set (as CI does), which turns every such skip into a failure.
 */
public final class TestObjects {
    private TestObjects() {}

    /** The repository's top directory (from the build, or found by walking up to {@code examples/}). */
    public static Path repoDir() {
        String prop = System.getProperty("ebpf4j.repo.dir");
        if (prop != null && Files.isDirectory(Path.of(prop, "examples"))) {
            return Path.of(prop).toAbsolutePath().normalize();
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("examples")) && Files.exists(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException("cannot find the repository's examples/ directory");
    }

    /** A committed example object or source, e.g. {@code example("hello.bpf.o")}. */
    public static Path example(String name) {
        return repoDir().resolve("examples").resolve(name);
    }

    /** Every committed {@code examples/*.bpf.o}, sorted by name. */
    public static List<Path> exampleObjects() {
        try (Stream<Path> s = Files.list(repoDir().resolve("examples"))) {
            return s.filter(p -> p.getFileName().toString().endsWith(".bpf.o")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when CI asked that nothing be skipped. */
    public static boolean noSkip() {
        return "1".equals(System.getenv("EBPF4J_NO_SKIP")) || "true".equalsIgnoreCase(System.getenv("EBPF4J_NO_SKIP"));
    }

    /** Skips the calling test with {@code why}, or fails it when {@code EBPF4J_NO_SKIP=1}. */
    public static void skipUnless(boolean condition, String why) {
        if (condition) {
            return;
        }
        if (noSkip()) {
            Assertions.fail("EBPF4J_NO_SKIP=1 forbids this skip: " + why);
        }
        Assumptions.abort(why);
    }

    /**
     * Skips the calling test when the running kernel lacks a feature it was built without (e.g. CONFIG_KPROBES):
     * not a missing install or privilege, so this skip is allowed under {@code EBPF4J_NO_SKIP=1} too. Such tests
     * run in the qemu kernel matrix, whose kernels have the feature.
     */
    public static void skipIfKernelLacks(boolean present, String why) {
        Assumptions.assumeTrue(present, "the running kernel lacks this: " + why);
    }

    /** An executable on PATH, if there is one. */
    public static Optional<Path> findTool(String name) {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin:/usr/sbin:/sbin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /** An executable on PATH, or the test skips (fails under {@code EBPF4J_NO_SKIP=1}). */
    public static Path requireTool(String name) {
        Optional<Path> tool = findTool(name);
        skipUnless(tool.isPresent(), name + " is not installed (apt-get install clang llvm bpftool)");
        return tool.orElseThrow();
    }

    /** Runs a command and returns its standard output; fails the test when it exits non-zero. */
    public static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
            byte[] out = p.getInputStream().readAllBytes();
            byte[] err = p.getErrorStream().readAllBytes();
            int rc = p.waitFor();
            if (rc != 0) {
                Assertions.fail(String.join(" ", command) + " exited " + rc + ": " + new String(err));
            }
            return new String(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
