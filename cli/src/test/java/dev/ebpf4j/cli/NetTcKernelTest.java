package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.loader.link.TcAttachKernelTest;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.LinkInfo;
import dev.ebpf4j.loader.kernel.KernelProgram;
import dev.ebpf4j.loader.link.Attach;
import dev.ebpf4j.loader.link.Link;
import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/** The tc section of net list: a clsact filter as bpftool 7.1 shows it, a tcx link as bpftool 7.3+ does. */
class NetTcKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private String bpftool;

    @BeforeEach
    void needs() {
        bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
    }

    @Test
    void clsactFilterAndTcxLinkOnATestVeth() throws Exception {
        try (TestNetwork net = TestNetwork.create();
             BpfObject obj = BpfObject.open(TestObjects.example("globals.bpf.o"))
                     .load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL))) {
            String dev = net.hostSide();
            int ifindex = Syscall.ifNameToIndex(dev);
            KernelProgram classify = (KernelProgram) obj.program("classify");
            try (Link filter = Attach.tcClassic(classify.fd(), ifindex, true)) {
                String text = CliRun.of("net", "list", "dev", dev).out();
                assertEquals(TestObjects.run(bpftool, "net", "list", "dev", dev), text);
                assertTrue(text.contains(dev + "(" + ifindex + ") clsact/ingress classify:[" + classify.id() + "] id "
                        + classify.id() + "\n"), text);
                assertEquals(TestObjects.run(bpftool, "-j", "net", "list", "dev", dev), CliRun.of("-j", "net", "list", "dev", dev).out());
                assertEquals(TestObjects.run(bpftool, "-p", "net", "list", "dev", dev), CliRun.of("-p", "net", "list", "dev", dev).out());

                if (!TcAttachKernelTest.kernelHasTcx()) {
                    return; // before Linux 6.6 there are no tcx links to list
                }
                try (Link tcx = Attach.tcx(classify.fd(), ifindex, false)) {
                    int linkId = new Inspector().links().list().stream()
                            .filter(l -> l.progId() == classify.id() && l.typeName().equals("tcx"))
                            .mapToInt(LinkInfo::id).findFirst().orElseThrow();
                    String line = dev + "(" + ifindex + ") tcx/egress classify prog_id " + classify.id() + " link_id "
                            + linkId + " \n";
                    // bpftool 7.1 does not know tcx: ours is its listing with the tcx line first in the tc section
                    String theirs = TestObjects.run(bpftool, "net", "list", "dev", dev);
                    assertEquals(theirs.replace("tc:\n", "tc:\n" + line), CliRun.of("net", "list", "dev", dev).out());
                    JsonNode theirsJson = JSON.readTree(TestObjects.run(bpftool, "-j", "net", "list", "dev", dev));
                    ObjectNode tcxJson = JSON.createObjectNode();
                    tcxJson.put("devname", dev).put("ifindex", ifindex).put("kind", "tcx/egress").put("name", "classify")
                            .put("prog_id", classify.id());
                    tcxJson.putArray("prog_flags");
                    tcxJson.put("link_id", linkId);
                    tcxJson.putArray("link_flags");
                    ((ArrayNode) theirsJson.get(0).get("tc")).insert(0, tcxJson);
                    assertEquals(theirsJson, JSON.readTree(CliRun.of("-j", "net", "list", "dev", dev).out()));
                }
            }
            assertEquals("xdp:\n\ntc:\n\nflow_dissector:\n\n", CliRun.of("net", "list", "dev", dev).out());
            assertEquals(0, JSON.readTree(CliRun.of("-j", "net", "list", "dev", dev).out()).get(0).get("tc").size());
        }
    }
}
