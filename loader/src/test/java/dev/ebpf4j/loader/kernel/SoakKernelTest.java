package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.XdpMode;
import dev.ebpf4j.loader.link.Link;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.Rtnetlink;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * The whole cycle many times in one JVM: open, load, pin, attach XDP to a test veth, send a packet, read the counter,
 * detach, unpin, close. Descriptors, BPF map mappings and kernel objects return to where they were. CI runs
 * {@code -Debpf4j.soak.cycles} (default 200); the documented long run is 10,000 (docs/reliability.md).
 */
class SoakKernelTest {

    @Test
    void loadPinAttachDetachUnpinCloseManyTimes() throws Exception {
        KernelTests.requireKernel();
        TestObjects.skipUnless(TestObjects.findTool("ping").isPresent(), "ping is not installed (apt-get install iputils-ping)");
        int cycles = Integer.getInteger("ebpf4j.soak.cycles", 200);
        ObjectSpec hello = ObjectSpec.open(TestObjects.example("hello.bpf.o"));
        Path pins = KernelTests.pinDir("soak");
        Set<Integer> progIds = new HashSet<>();
        try (TestNetwork net = TestNetwork.create(); NetlinkSocket nl = NetlinkSocket.openRoute()) {
            int ifindex = Syscall.ifNameToIndex(net.hostSide());
            cycle(hello, net, pins, 0, progIds); // warm-up: lazily loaded classes and probes are not leaks
            int fds = KernelTests.openFds();
            long mappings = bpfMappings();
            Runtime rt = Runtime.getRuntime();
            System.gc();
            long heap = rt.totalMemory() - rt.freeMemory();
            long start = System.nanoTime();
            for (int i = 1; i <= cycles; i++) {
                cycle(hello, net, pins, i, progIds);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(fds, KernelTests.openFds(), "descriptors after " + cycles + " cycles");
            assertEquals(mappings, bpfMappings(), "BPF map mappings after " + cycles + " cycles");
            assertEquals(Rtnetlink.XdpState.NONE, Rtnetlink.link(nl, ifindex).xdp());
            try (var s = Files.list(pins)) {
                assertEquals(0, s.count(), "pins left behind");
            }
            System.gc();
            long heapAfter = rt.totalMemory() - rt.freeMemory();
            assertTrue(heapAfter < heap + 64L * 1024 * 1024, "heap grew from " + heap + " to " + heapAfter);
            // the kernel frees programs after an RCU grace period
            Set<Integer> live = new HashSet<>();
            for (int attempt = 0; attempt < 50; attempt++) {
                live.clear();
                for (int id : progIds) {
                    try (var fd = Bpf.progGetFdById(id)) {
                        live.add(id);
                    } catch (RuntimeException gone) {
                        // freed
                    }
                }
                if (live.isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertTrue(live.isEmpty(), "programs still in the kernel: " + live);
            System.out.printf("soak: %d cycles in %d ms (%.2f ms/cycle), fds %d, bpf mappings %d, heap %d -> %d KiB%n",
                    cycles, millis, (double) millis / cycles, fds, mappings, heap / 1024, heapAfter / 1024);
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    private static void cycle(ObjectSpec hello, TestNetwork net, Path pins, int i, Set<Integer> progIds) throws Exception {
        Path pin = pins.resolve("hello-" + i);
        try (BpfObject obj = BpfObject.of(hello).load(KernelTests.kernel(pins))) {
            progIds.add(((KernelProgram) obj.program("hello")).id());
            obj.program("hello").pin(pin);
            Globals bss = obj.globals(".bss");
            try (Link link = obj.program("hello").attachXdp(net.hostSide(), XdpMode.GENERIC)) {
                if (i % 20 == 0) {
                    assertEquals(0, net.inNamespace("ping", "-c", "1", "-W", "1", TestNetwork.HOST_ADDRESS));
                    assertEquals(1, bss.getInt("counter"));
                }
            }
            Files.delete(pin);
        }
    }

    /** When the interface goes away under an attached link, closing the link is quiet and nothing is left. */
    @Test
    void interfaceDeletedUnderAnAttachedProgram() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("gone");
        try (BpfObject obj = BpfObject.open(TestObjects.example("hello.bpf.o")).load(KernelTests.kernel(pins))) {
            Link link;
            try (TestNetwork net = TestNetwork.create()) {
                link = obj.program("hello").attachXdp(net.hostSide(), XdpMode.GENERIC);
            } // the pair is deleted here, with the program still attached
            link.close();
            assertFalse(link.attached());
            link.close();
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    private static long bpfMappings() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("bpf-map")).count();
    }
}
