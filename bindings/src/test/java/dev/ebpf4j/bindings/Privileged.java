package dev.ebpf4j.bindings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import dev.ebpf4j.object.testing.TestObjects;

/** What the kernel tests share: the privilege check, the descriptor count and the {@code >= 3} rule. */
final class Privileged {
    private Privileged() {}

    static final Path BPFFS = Path.of("/sys/fs/bpf");

    static boolean isRoot() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .anyMatch(l -> l.matches("Uid:\\s+0\\s+0\\s+0\\s+0\\s*"));
        } catch (IOException e) {
            return false;
        }
    }

    static boolean bpffsWritable() {
        try {
            boolean mounted = Files.readAllLines(Path.of("/proc/mounts")).stream()
                    .anyMatch(l -> l.matches("\\S+ /sys/fs/bpf bpf .*"));
            return mounted && Files.isWritable(BPFFS);
        } catch (IOException e) {
            return false;
        }
    }

    /** Skips (or, under EBPF4J_NO_SKIP=1, fails) unless this process may use bpf(2) and pin. */
    static void require() {
        TestObjects.skipUnless(isRoot() && bpffsWritable(), "needs root and a writable bpffs at /sys/fs/bpf");
    }

    /** The open descriptors of this process and what each points at. */
    static Map<String, String> openFds() {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : s.toList()) {
                try {
                    out.put(p.getFileName().toString(), Files.readSymbolicLink(p).toString());
                } catch (IOException gone) {
                    // the directory stream's own descriptor, closed by now
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What {@code /proc/self/fd/N} points at, e.g. {@code anon_inode:bpf-map}. */
    static String fdTarget(Fd fd) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd.raw())).toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every descriptor the layer hands out is open, owned and never stdin/stdout/stderr. */
    static Fd checked(Fd fd, String kind) {
        assertTrue(fd.raw() >= 3, "got fd " + fd.raw());
        assertEquals("anon_inode:" + kind, fdTarget(fd));
        return fd;
    }

    /** Fails naming each descriptor opened (or closed) since {@code before}. */
    static void assertNoLeak(Map<String, String> before) {
        Map<String, String> after = openFds();
        Map<String, String> opened = new TreeMap<>(after);
        opened.entrySet().removeAll(before.entrySet());
        Map<String, String> closed = new TreeMap<>(before);
        closed.entrySet().removeAll(after.entrySet());
        assertTrue(opened.isEmpty() && closed.isEmpty(),
                "descriptors left open by the test: " + opened + "; closed by it: " + closed);
    }

    /**
     * Opens what the JDK opens once per process and keeps (the JCA's /dev/random and /dev/urandom, used by
     * ProgramTag's MessageDigest), so that the first test to use it is not blamed.
     */
    static void warmUpJdk() {
        try {
            java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs a command and returns its standard output, closing every pipe to it (so that the descriptor
     * count of the test is not disturbed); fails the test when it exits non-zero.
     */
    static String run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out;
            try (var stdin = p.getOutputStream(); var stdout = p.getInputStream(); var stderr = p.getErrorStream()) {
                out = new String(stdout.readAllBytes());
            }
            int rc = p.waitFor();
            assertEquals(0, rc, String.join(" ", cmd) + " exit status");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
