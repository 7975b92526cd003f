package dev.ebpf4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Where the benchmarks find their objects and tools, and a veth pair of their own for the XDP attach benchmark. */
final class BenchFiles {
    private BenchFiles() {}

    /** The repository root: the first directory above the working directory that has {@code examples/}. */
    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isDirectory(dir.resolve("examples")) && Files.isDirectory(dir.resolve("benchmarks"))) {
                return dir;
            }
        }
        throw new IllegalStateException("the repository root (with examples/ and benchmarks/) is not above "
                + Path.of("").toAbsolutePath());
    }

    /** Removes {@code dir} and what is in it (pins included: unlinking a pin is how bpffs unpins); absent is fine. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot remove " + dir, e);
        }
    }

    /** {@code benchmarks/target/c/bench.bpf.o} when the build compiled it, else the committed copy. */
    static Path benchObject() {
        return cObject("bench.bpf.o");
    }

    /** {@code benchmarks/target/c/NAME} when the build compiled it, else the committed copy in src/main/c. */
    static Path cObject(String name) {
        Path built = root().resolve("benchmarks/target/c").resolve(name);
        return Files.isRegularFile(built) ? built : root().resolve("benchmarks/src/main/c").resolve(name);
    }

    /**
     * A veth pair made for one benchmark: the host side in this process's namespace (where the XDP program is
     * attached), the peer in a network namespace of its own. {@link #close()} deletes both, which also detaches
     * whatever is attached to them. Never touches any other interface.
     */
    static final class Veth implements AutoCloseable {
        final String namespace;
        final String host;

        private Veth(String namespace, String host) {
            this.namespace = namespace;
            this.host = host;
        }

        static Veth create() {
            long pid = ProcessHandle.current().pid() % 100000;
            Veth v = new Veth("ebpf4j-bench-" + pid, "e4jb" + pid + "h");
            String peer = "e4jb" + pid + "p";
            try {
                run("ip", "netns", "add", v.namespace);
                run("ip", "link", "add", v.host, "type", "veth", "peer", "name", peer, "netns", v.namespace);
                run("ip", "link", "set", v.host, "up");
                run("ip", "-n", v.namespace, "link", "set", peer, "up");
                return v;
            } catch (RuntimeException e) {
                v.close();
                throw e;
            }
        }

        @Override
        public void close() {
            exec("ip", "link", "del", host);
            exec("ip", "netns", "del", namespace);
        }
    }

    static void run(String... command) {
        int rc = exec(command);
        if (rc != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + rc);
        }
    }

    static int exec(String... command) {
        try {
            Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
