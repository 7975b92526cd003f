package dev.ebpf4j.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.uapi.bpf_link_info;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.kernel.KernelProgram;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.TrafficControl;
import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/** globals' tc classifier counts the packets of a ping on a test veth, through tcx and through a clsact filter. */
public class TcAttachKernelTest {
    private static final int BPF_LINK_TYPE_TCX = 11;

    @BeforeEach
    void needs() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "attaching programs needs root");
        TestObjects.skipUnless(TestObjects.findTool("ping").isPresent(), "ping is not installed");
    }

    private static BpfObject globals() {
        return BpfObject.open(TestObjects.example("globals.bpf.o"))
                .load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL));
    }

    private static int ping(TestNetwork net, int count) {
        return net.inNamespace("ping", "-c", String.valueOf(count), "-i", "0.2", "-W", "1", TestNetwork.HOST_ADDRESS);
    }

    private static List<TrafficControl.Filter> ingressFilters(int ifindex) {
        try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
            return TrafficControl.filters(nl, ifindex, TrafficControl.PARENT_INGRESS);
        }
    }

    /** tcx links arrived in Linux 6.6. */
    public static boolean kernelHasTcx() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)").matcher(System.getProperty("os.version", ""));
        return m.find() && (Integer.parseInt(m.group(1)) > 6 || Integer.parseInt(m.group(1)) == 6 && Integer.parseInt(m.group(2)) >= 6);
    }

    @Test
    void tcxLinkCountsPacketsAndDetachesOnClose() {
        try (TestNetwork net = TestNetwork.create(); BpfObject obj = globals()) {
            Globals bss = obj.globals(".bss");
            long before = bss.getLong("seen_packets");
            int ifindex = Syscall.ifNameToIndex(net.hostSide());
            try (Link link = obj.program("classify").attachTc(net.hostSide(), true)) {
                if (!kernelHasTcx()) {
                    // before 6.6 the same call falls back to clsact + cls_bpf, and still counts
                    assertTrue(link.describe().contains("clsact"), link.describe() + ": no tcx before Linux 6.6");
                    assertEquals(0, ping(net, 3));
                    assertTrue(bss.getLong("seen_packets") >= before + 3, "counted " + (bss.getLong("seen_packets") - before));
                    return;
                }
                assertTrue(link.describe().startsWith("tcx ingress"), link.describe() + ": this kernel has tcx");
                assertTrue(link instanceof FdLink, link.toString());
                try (Fd fd = Bpf.objGet(pinTmp(link)); Arena a = Arena.ofConfined()) {
                    MemorySegment info = Bpf.linkInfo(fd, a);
                    assertEquals(BPF_LINK_TYPE_TCX, bpf_link_info.type(info));
                    assertEquals(((KernelProgram) obj.program("classify")).id(), bpf_link_info.prog_id(info));
                } finally {
                    TestObjects.run("rm", "-f", pinTmpPath(link));
                }
                assertTrue(ingressFilters(ifindex).isEmpty(), "tcx adds no clsact filter");
                assertEquals(0, ping(net, 3));
                long counted = bss.getLong("seen_packets") - before;
                assertTrue(counted >= 3, counted + " packets counted after 3 pings");
            }
            long after = bss.getLong("seen_packets");
            assertEquals(0, ping(net, 2));
            assertEquals(after, bss.getLong("seen_packets"), "no packets counted once the tcx link is closed");
        }
    }

    @Test
    void classicClsactFilterCountsPacketsAndIsDeletedOnClose() {
        try (TestNetwork net = TestNetwork.create(); BpfObject obj = globals()) {
            Globals bss = obj.globals(".bss");
            KernelProgram classify = (KernelProgram) obj.program("classify");
            int ifindex = Syscall.ifNameToIndex(net.hostSide());
            long before = bss.getLong("seen_packets");
            try (Link link = Attach.tcClassic(classify.fd(), ifindex, true)) {
                List<TrafficControl.Filter> filters = ingressFilters(ifindex);
                assertEquals(1, filters.size(), filters.toString());
                TrafficControl.Filter f = filters.getFirst();
                assertEquals(classify.id(), f.bpfProgId());
                assertEquals("classify:[" + classify.id() + "]", f.bpfName());
                assertEquals(TrafficControl.TCA_BPF_FLAG_ACT_DIRECT, f.bpfFlags() & TrafficControl.TCA_BPF_FLAG_ACT_DIRECT);
                assertEquals(((TcFilterLink) link).filter().handle(), f.handle());
                assertEquals(((TcFilterLink) link).filter().priority(), f.priority());
                assertTrue(f.handle() != 0 && f.priority() != 0, f.toString());
                assertTrue(TestObjects.run("tc", "qdisc", "show", "dev", net.hostSide()).contains("clsact"));
                assertEquals(0, ping(net, 3));
                long counted = bss.getLong("seen_packets") - before;
                assertTrue(counted >= 3, counted + " packets counted after 3 pings");
            }
            assertTrue(ingressFilters(ifindex).isEmpty(), "the filter is deleted on close");
            assertFalse(TestObjects.run("tc", "qdisc", "show", "dev", net.hostSide()).contains("clsact"),
                    "the clsact qdisc this link created is deleted with it");
            long after = bss.getLong("seen_packets");
            assertEquals(0, ping(net, 2));
            assertEquals(after, bss.getLong("seen_packets"), "no packets counted once the filter is deleted");
        }
    }

    @Test
    void classicFilterLeavesAQdiscItDidNotCreate() {
        TestObjects.requireTool("tc");
        try (TestNetwork net = TestNetwork.create(); BpfObject obj = globals()) {
            TestObjects.run("tc", "qdisc", "add", "dev", net.hostSide(), "clsact");
            KernelProgram classify = (KernelProgram) obj.program("classify");
            int ifindex = Syscall.ifNameToIndex(net.hostSide());
            try (Link egress = Attach.tcClassic(classify.fd(), ifindex, false, 5, 7)) {
                try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
                    List<TrafficControl.Filter> f = TrafficControl.filters(nl, ifindex, TrafficControl.PARENT_EGRESS);
                    assertEquals(1, f.size(), f.toString());
                    assertEquals(5, f.getFirst().handle());
                    assertEquals(7, f.getFirst().priority());
                }
                assertTrue(egress.attached());
            }
            assertTrue(TestObjects.run("tc", "qdisc", "show", "dev", net.hostSide()).contains("clsact"),
                    "a qdisc someone else added stays");
        }
    }

    private static String pinTmpPath(Link link) {
        return "/sys/fs/bpf/ebpf4j-tcx-" + ProcessHandle.current().pid() + "-" + System.identityHashCode(link);
    }

    /** Pins the link to read its info through a fresh fd. */
    private static String pinTmp(Link link) {
        String path = pinTmpPath(link);
        link.pin(java.nio.file.Path.of(path));
        return path;
    }
}
