package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.XdpMode;
import dev.ebpf4j.loader.link.Attach;
import dev.ebpf4j.loader.link.Link;
import dev.ebpf4j.loader.netlink.NetlinkException;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.Rtnetlink;
import dev.ebpf4j.loader.tracefs.TracePipe;
import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/** The walkthrough from Java: hello attached to a test veth, packets flow, the .bss counter climbs, lines arrive. */
class AttachKernelTest {

    @Test
    void helloCountsPacketsOnATestVethAndPrintsThem() throws Exception {
        KernelTests.requireKernel();
        TestObjects.skipUnless(TestObjects.findTool("ping").isPresent(), "ping is not installed (apt-get install iputils-ping)");
        Path pins = KernelTests.pinDir("hello-attach");
        try (TestNetwork net = TestNetwork.create();
             BpfObject obj = BpfObject.open(TestObjects.example("hello.bpf.o")).load(KernelTests.kernel(pins));
             TracePipe trace = TracePipe.open()) {
            Globals bss = obj.globals(".bss");
            assertTrue(bss.live(), "the counter is read through the mmap'ed map");
            assertEquals(0, bss.getInt("counter"));
            Path pin = pins.resolve("hello");
            obj.program("hello").pin(pin);
            try (Link link = obj.program("hello").attachXdp(net.hostSide(), XdpMode.GENERIC)) {
                assertEquals(0, net.inNamespace("ping", "-c", "5", "-i", "0.2", "-W", "1", TestNetwork.HOST_ADDRESS));
                // IPv6 is off and neighbours are static on the test pair: exactly the five echo requests arrive
                assertEquals(5, bss.getInt("counter"));
                assertNotNull(trace.await("Hello World", 5000), "no Hello World line in trace_pipe");
                try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
                    Rtnetlink.XdpState xdp = Rtnetlink.link(nl, Syscall.ifNameToIndex(net.hostSide())).xdp();
                    assertEquals(((KernelProgram) obj.program("hello")).id(), xdp.progId());
                }
            }
            assertEquals(0, net.inNamespace("ping", "-c", "2", "-i", "0.2", "-W", "1", TestNetwork.HOST_ADDRESS));
            assertEquals(5, bss.getInt("counter"), "no packets counted once the link is closed");
            java.nio.file.Files.delete(pin);
            try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
                assertEquals(Rtnetlink.XdpState.NONE, Rtnetlink.link(nl, Syscall.ifNameToIndex(net.hostSide())).xdp());
            }
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    @Test
    void netlinkAttachmentNeverReplacesAndDetachesOnlyItsOwn() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("hello-netlink");
        try (TestNetwork net = TestNetwork.create();
             BpfObject a = BpfObject.open(TestObjects.example("hello.bpf.o")).load(KernelTests.kernel(pins));
             BpfObject b = BpfObject.open(TestObjects.example("hello.bpf.o")).load(KernelTests.kernel(pins))) {
            int ifindex = Syscall.ifNameToIndex(net.hostSide());
            KernelProgram first = (KernelProgram) a.program("hello");
            KernelProgram second = (KernelProgram) b.program("hello");
            Link link = Attach.xdpByNetlink(first.fd(), ifindex, XdpMode.GENERIC.flags(), false);
            NetlinkException busy = assertThrows(NetlinkException.class,
                    () -> Attach.xdpByNetlink(second.fd(), ifindex, XdpMode.GENERIC.flags(), false));
            assertEquals("EBUSY", busy.errnoName());
            // someone replaces it on purpose: closing our link must leave theirs alone
            Link theirs = Attach.xdpByNetlink(second.fd(), ifindex, XdpMode.GENERIC.flags(), true);
            link.close();
            try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
                assertEquals(second.id(), Rtnetlink.link(nl, ifindex).xdp().progId());
                theirs.close();
                assertEquals(Rtnetlink.XdpState.NONE, Rtnetlink.link(nl, ifindex).xdp());
            }
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    @Test
    void sectionNamesGiveTheAttachPoint() throws Exception {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("syscall-attach");
        try (BpfObject obj = BpfObject.open(TestObjects.example("syscall_counter.bpf.o")).load(KernelTests.kernel(pins))) {
            BpfProgram p = obj.program("count_syscalls");
            try (Link link = p.attach()) {
                assertEquals("raw_tracepoint sys_enter", link.describe());
                for (int i = 0; i < 50; i++) {
                    Files.readAllBytes(Path.of("/proc/self/stat"));
                }
                long total = obj.globals(".bss").getLong("total_calls");
                assertTrue(total >= 50, "total_calls " + total);
                // per syscall id: openat (257 on x86-64, 56 on arm64) & 511
                int openat = "aarch64".equals(System.getProperty("os.arch")) ? 56 : 257;
                byte[] key = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(openat).array();
                long opens = ByteBuffer.wrap(obj.map("syscall_counts").lookup(key).orElseThrow())
                        .order(ByteOrder.LITTLE_ENDIAN).getLong();
                assertTrue(opens >= 50, "openat count " + opens);
            }
            try (BpfObject hello = BpfObject.open(TestObjects.example("hello.bpf.o")).load(KernelTests.kernel(pins))) {
                UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                        () -> hello.program("hello").attach());
                assertTrue(e.getMessage().contains("attachXdp(ifname, mode)"), e.getMessage());
            }
        } finally {
            KernelTests.deleteTree(pins);
        }
    }
}
