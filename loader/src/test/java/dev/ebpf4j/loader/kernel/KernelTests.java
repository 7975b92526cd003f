package dev.ebpf4j.loader.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.object.testing.TestObjects;

/** What the kernel tests share: the root/bpffs check, a private pin directory, and its removal. */
final class KernelTests {
    private KernelTests() {}

    static final Path BPFFS = Path.of("/sys/fs/bpf");
    private static final AtomicInteger DIRS = new AtomicInteger();

    /** Skips (fails under EBPF4J_NO_SKIP=1) unless bpf() works here and bpffs is writable. */
    static void requireKernel() {
        TestObjects.skipUnless(KernelProbes.bpfUnavailable().isEmpty(),
                "the kernel runtime is unavailable: " + KernelProbes.bpfUnavailable().orElse(""));
        TestObjects.skipUnless(Files.isWritable(BPFFS), "needs a writable bpffs at /sys/fs/bpf");
    }

    /** A new empty directory /sys/fs/bpf/ebpf4j-test-PID-N-what; remove it with {@link #deleteTree}. */
    static Path pinDir(String what) {
        Path dir = BPFFS.resolve("ebpf4j-test-" + ProcessHandle.current().pid() + "-" + DIRS.incrementAndGet() + "-" + what);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** Kernel runtime, pins by name under {@code pinRoot}. */
    static LoadOptions kernel(Path pinRoot) {
        return LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL).withPinRoot(pinRoot);
    }

    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Open descriptors of this process of the kinds ebpf4j makes: BPF objects, BTF, links, perf events, epoll
     * instances ({@code anon_inode:...}) and sockets (netlink). Files other code opens and closes on its own threads
     * meanwhile (the JVM, a trace pipe reader finishing) are not counted, so a difference is a leak of ours.
     */
    static int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.filter(fd -> {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    return target.startsWith("anon_inode:") || target.startsWith("socket:");
                } catch (IOException gone) {
                    return false; // closed while listing
                }
            }).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A 64-byte Ethernet/IPv4/UDP packet to {@code dstPort} (host order), or plain zeros past the headers. */
    static byte[] udpPacket(int dstPort) {
        byte[] p = new byte[64];
        // Ethernet: dst, src MAC, ethertype IPv4
        for (int i = 0; i < 6; i++) {
            p[i] = (byte) 0x02;
            p[6 + i] = (byte) 0x04;
        }
        p[12] = 0x08;
        p[13] = 0x00;
        // IPv4: version 4, IHL 5, total length 50, TTL 64, protocol UDP (17), 10.0.0.1 -> 10.0.0.2 (never sent)
        int ip = 14;
        p[ip] = 0x45;
        p[ip + 2] = 0;
        p[ip + 3] = 50;
        p[ip + 8] = 64;
        p[ip + 9] = 17;
        p[ip + 12] = 10;
        p[ip + 15] = 1;
        p[ip + 16] = 10;
        p[ip + 19] = 2;
        int udp = ip + 20;
        p[udp] = (byte) 0x30;
        p[udp + 1] = 0x39; // source port 12345
        p[udp + 2] = (byte) (dstPort >> 8);
        p[udp + 3] = (byte) dstPort;
        p[udp + 5] = 30; // length
        return p;
    }
}
