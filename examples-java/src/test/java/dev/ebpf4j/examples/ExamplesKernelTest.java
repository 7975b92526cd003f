package dev.ebpf4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/** The examples that need the kernel, run as their users would; they skip only without root. */
class ExamplesKernelTest {

    static void requireRoot() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root (CAP_BPF) to load into the kernel");
    }

    @Test
    void helloXdpCountsThePacketsOfATestVeth() {
        try (TestNetwork net = TestNetwork.create()) {   // skips without root and iproute2
            int counted = HelloXdp.countPackets(TestObjects.example("hello.bpf.o"), net.hostSide(),
                    () -> assertEquals(0, net.inNamespace("ping", "-c", "4", "-i", "0.2", "-W", "1", TestNetwork.HOST_ADDRESS)));
            assertTrue(counted >= 4, "4 echo requests (and ARP) arrive on " + net.hostSide() + ": " + counted);
        }
    }

    @Test
    void syscallCounterCountsWhatItSees() throws Exception {
        requireRoot();
        Path probe = Files.createTempFile("ebpf4j-syscalls", ".txt");
        try {
            SyscallCounter.Counts c = SyscallCounter.count(TestObjects.example("syscall_counter.bpf.o"), () -> {
                for (int i = 0; i < 50; i++) {
                    try {
                        Files.writeString(probe, "x" + i);
                        Files.readString(probe);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }
            });
            assertTrue(c.total() >= 200, "at least open/write/read/close x 50: " + c.total());
            assertEquals(c.total(), c.bySyscall().values().stream().mapToLong(Long::longValue).sum(),
                    "every counted call is in the array map once");
        } finally {
            Files.deleteIfExists(probe);
        }
    }

    @Test
    void packetFilterInTheKernelBlocksAPortAndLeavesNoPin() throws Exception {
        requireRoot();
        try (PacketFilter filter = new PacketFilter(TestObjects.example("packet_filter.bpf.o"), RuntimeKind.KERNEL)) {
            assertTrue(filter.runtime().startsWith("kernel"), filter.runtime());
            PacketFilterChecks.blocksOnePort(filter);
        }
        try (var s = Files.list(Path.of("/sys/fs/bpf"))) {
            String mine = "ebpf4j-packet-filter-" + ProcessHandle.current().pid() + "-";
            assertFalse(s.anyMatch(p -> p.getFileName().toString().startsWith(mine)), "pins removed");
        }
    }

    @Test
    void ringBufferEventsSeeOurChildExec() throws Exception {
        requireRoot();
        AtomicLong child = new AtomicLong();
        List<RingBufferEvents.Event> seen = RingBufferEvents.watchExecs(TestObjects.example("task_info.bpf.o"), () -> {
            try {
                Process p = new ProcessBuilder("/bin/true").start();
                child.set(p.pid());
                p.waitFor();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, e -> e.pid() == child.get(), Duration.ofSeconds(5));
        RingBufferEvents.Event want = new RingBufferEvents.Event((int) child.get(), (int) ProcessHandle.current().pid(), 1, "true");
        assertTrue(seen.contains(want), "exec event " + want + " among " + seen);
    }
}
