package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.uapi.bpf_link_info;
import dev.ebpf4j.loader.link.Attach;
import dev.ebpf4j.loader.link.Link;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.Rtnetlink;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/** link list/show/pin/detach for an XDP link and a raw_tp link made here, compared with bpftool 7.1. */
class LinkCommandKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private String bpftool;

    @BeforeEach
    void needs() {
        bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
    }

    private static Fd program(ProgramType type, int retval, String name) {
        return Bpf.progLoad(type.value(), Instructions.encode(List.of(Instruction.mov64(0, retval), Instruction.exit())),
                "GPL", name);
    }

    /** The link's id, through a pin (links hide their fds). */
    private static int linkId(Link link, Path pin) {
        link.pin(pin);
        try (Fd fd = Bpf.objGet(pin.toString()); Arena a = Arena.ofConfined()) {
            return bpf_link_info.id(Bpf.linkInfo(fd, a));
        }
    }

    /** The text entries of a link list that belong to {@code id} (an entry starts with "ID: "). */
    private static String entry(String list, int id) {
        StringBuilder sb = new StringBuilder();
        boolean in = false;
        for (String line : list.split("(?<=\n)")) {
            if (!line.startsWith("\t")) {
                in = line.startsWith(id + ": ");
            }
            if (in) {
                sb.append(line);
            }
        }
        return sb.toString();
    }

    private static JsonNode jsonEntry(String list, int id) throws Exception {
        for (JsonNode n : JSON.readTree(list)) {
            if (n.get("id").asInt() == id) {
                return n;
            }
        }
        return null;
    }

    @Test
    void showsPinsAndDetachesLikeBpftool() throws Exception {
        long pid = ProcessHandle.current().pid();
        Path xdpPin = Path.of("/sys/fs/bpf/ebpf4j-link-test-" + pid + "-xdp");
        Path rawPin = Path.of("/sys/fs/bpf/ebpf4j-link-test-" + pid + "-raw");
        Path ourPin = Path.of("/sys/fs/bpf/ebpf4j-link-test-" + pid + "-ours");
        Path theirPin = Path.of("/sys/fs/bpf/ebpf4j-link-test-" + pid + "-theirs");
        try (TestNetwork net = TestNetwork.create();
             Fd xdp = program(ProgramType.XDP, 2, "e4j_link_xdp");
             Fd raw = program(ProgramType.RAW_TRACEPOINT, 0, "e4j_link_raw")) {
            int ifindex = Syscall.ifNameToIndex(net.hostSide());
            try (Link xdpLink = Attach.xdp(xdp, ifindex, Rtnetlink.XDP_FLAGS_SKB_MODE);
                 Link rawLink = Attach.rawTracepoint(raw, "sys_enter")) {
                int xdpId = linkId(xdpLink, xdpPin);
                int rawId = linkId(rawLink, rawPin);
                for (int id : new int[] {xdpId, rawId}) {
                    String idArg = String.valueOf(id);
                    assertEquals(TestObjects.run(bpftool, "link", "show", "id", idArg), CliRun.of("link", "show", "id", idArg).out());
                    assertEquals(TestObjects.run(bpftool, "-j", "link", "show", "id", idArg), CliRun.of("-j", "link", "show", "id", idArg).out());
                    assertEquals(TestObjects.run(bpftool, "-p", "link", "show", "id", idArg), CliRun.of("-p", "link", "show", "id", idArg).out());
                    assertEquals(TestObjects.run(bpftool, "-f", "link", "show", "id", idArg), CliRun.of("-f", "link", "show", "id", idArg).out());
                    assertEquals(TestObjects.run(bpftool, "-f", "-p", "link", "show", "id", idArg),
                            CliRun.of("-f", "-p", "link", "show", "id", idArg).out());
                }
                assertTrue(CliRun.of("link", "show", "id", String.valueOf(rawId)).out().contains("\ttp 'sys_enter'"));
                assertTrue(CliRun.of("-f", "link", "show", "id", String.valueOf(rawId)).out().contains("\n\tpinned " + rawPin + "\n"));
                assertEquals(TestObjects.run(bpftool, "link", "show", "pinned", rawPin.toString()),
                        CliRun.of("link", "show", "pinned", rawPin.toString()).out());

                // the whole list, compared entry by entry for our links (others may come and go meanwhile)
                String theirs = TestObjects.run(bpftool, "link", "list");
                String ours = CliRun.of("link", "list").out();
                String theirsJson = TestObjects.run(bpftool, "-j", "link", "list");
                String oursJson = CliRun.of("-j", "link").out();
                for (int id : new int[] {xdpId, rawId}) {
                    assertFalse(entry(ours, id).isEmpty(), ours);
                    assertEquals(entry(theirs, id), entry(ours, id));
                    assertEquals(jsonEntry(theirsJson, id), jsonEntry(oursJson, id));
                }

                // link pin: a second pin of the same link, bpftool's output for it (null with -j)
                CliRun pin = CliRun.of("-j", "link", "pin", "id", String.valueOf(rawId), ourPin.toString());
                assertEquals(0, pin.exitCode(), pin.err());
                assertEquals(TestObjects.run(bpftool, "-j", "link", "pin", "id", String.valueOf(rawId), theirPin.toString()),
                        pin.out());
                assertEquals(TestObjects.run(bpftool, "link", "show", "pinned", ourPin.toString()),
                        CliRun.of("link", "show", "pinned", theirPin.toString()).out());

                // link detach: the XDP program leaves the interface though the link is still open and pinned
                try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
                    assertEquals(Rtnetlink.XdpMode.GENERIC, Rtnetlink.link(nl, ifindex).xdp().mode());
                    CliRun detach = CliRun.of("link", "detach", "pinned", xdpPin.toString());
                    assertEquals(0, detach.exitCode(), detach.err());
                    assertEquals("", detach.out());
                    assertEquals(Rtnetlink.XdpState.NONE, Rtnetlink.link(nl, ifindex).xdp());
                }

                CliRun missing = CliRun.of("link", "show", "id", "4000000000");
                assertEquals(1, missing.exitCode());
                assertEquals("Error: failed to get link with ID 4000000000: No such file or directory", missing.err().strip());
            }
        } finally {
            for (Path p : new Path[] {xdpPin, rawPin, ourPin, theirPin}) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Test
    void badHandlesAreRefused() {
        CliRun r = CliRun.of("link", "show", "tag", "x");
        assertEquals(1, r.exitCode());
        assertEquals("Error: expected 'id' or 'pinned', got: 'tag'?", r.err().strip());
        List<String> none = new ArrayList<>();
        assertEquals(2, CliRun.of("link", "show", "id").exitCode(), none.toString());
    }
}
