package dev.ebpf4j.loader.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.uapi.bpf_prog_info;
import dev.ebpf4j.loader.netlink.NetlinkException;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.Rtnetlink;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.Opcode;
import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/** Each hook fires the attached program, and closing the link detaches it. */
class AttachTest {

    @BeforeEach
    void needsRoot() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "attaching programs needs root");
    }

    /** Counts its runs in slot 0 of an array map. */
    private static Fd counter(ProgramType type, Fd map) {
        List<Instruction> insns = List.of(
                Instruction.of(Opcode.ST | Opcode.MEM | Opcode.W, 10, 0, -4, 0),
                Instruction.mov64Reg(2, 10),
                Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, 2, 0, 0, -4),
                Instruction.loadMapFd(1, map.raw()),
                Instruction.callHelper(1),
                Instruction.of(Opcode.JMP | Opcode.JEQ | Opcode.K, 0, 0, 2, 0),
                Instruction.mov64(1, 1),
                Instruction.of(Opcode.STX | Opcode.ATOMIC | Opcode.DW, 0, 1, 0, Opcode.ADD),
                Instruction.mov64(0, 0),
                Instruction.exit());
        return Bpf.progLoad(type.value(), Instructions.encode(insns), "GPL", "e4j_count");
    }

    private static Fd countMap() {
        return Bpf.mapCreate(MapType.ARRAY.value(), 4, 8, 1, 0, "e4j_count");
    }

    private static long count(Fd map) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(ValueLayout.JAVA_INT);
            MemorySegment value = a.allocate(ValueLayout.JAVA_LONG);
            Bpf.mapLookup(map, key, value);
            return value.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    private static void syscalls() throws Exception {
        for (int i = 0; i < 20; i++) {
            Files.readAllBytes(Path.of("/proc/self/stat"));
        }
    }

    @Test
    void rawTracepointCountsSyscallsUntilClosed() throws Exception {
        try (Fd map = countMap(); Fd prog = counter(ProgramType.RAW_TRACEPOINT, map)) {
            Link link = Attach.rawTracepoint(prog, "sys_enter");
            assertEquals("raw_tracepoint sys_enter", link.describe());
            syscalls();
            assertTrue(count(map) >= 20, "count " + count(map));
            link.close();
            assertFalse(link.attached());
            long after = count(map);
            syscalls();
            assertEquals(after, count(map), "no runs after the link is closed");
            link.close(); // idempotent
        }
    }

    @Test
    void tracepointFiresOnExec() throws Exception {
        try (Fd map = countMap(); Fd prog = counter(ProgramType.TRACEPOINT, map);
             Link link = Attach.tracepoint(prog, "sched", "sched_process_exec")) {
            assertEquals(0, count(map));
            new ProcessBuilder("/bin/true").start().waitFor();
            assertTrue(count(map) >= 1, "count " + count(map));
        }
    }

    @Test
    void kprobeAndKretprobeFireOnOpen() throws Exception {
        TestObjects.skipIfKernelLacks(dev.ebpf4j.loader.tracefs.Tracefs.hasKprobePmu(), "no kprobe PMU (CONFIG_KPROBES)");
        try (Fd map = countMap(); Fd prog = counter(ProgramType.KPROBE, map);
             Fd retMap = countMap(); Fd retProg = counter(ProgramType.KPROBE, retMap);
             Link probe = Attach.kprobe(prog, "do_sys_openat2", 0, false);
             Link ret = Attach.kprobe(retProg, "do_sys_openat2", 0, true)) {
            syscalls();
            assertTrue(count(map) >= 20, "kprobe count " + count(map));
            assertTrue(count(retMap) >= 20, "kretprobe count " + count(retMap));
            assertEquals("kretprobe do_sys_openat2", ret.describe());
        }
    }

    @Test
    void unknownHooksSayWhat() {
        try (Fd map = countMap(); Fd prog = counter(ProgramType.TRACEPOINT, map)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Attach.tracepoint(prog, "sched", "no_such_event"));
            assertTrue(e.getMessage().startsWith("no tracepoint sched/no_such_event"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> Attach.tracepoint(prog, "..", "x"));
        }
        try (Fd map = countMap(); Fd prog = counter(ProgramType.KPROBE, map)) {
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> Attach.kprobe(prog, "ebpf4j_no_such_function", 0, false));
            if (dev.ebpf4j.loader.tracefs.Tracefs.hasKprobePmu()) {
                assertTrue(e.getMessage().contains("ebpf4j_no_such_function"), e.getMessage());
            } else {
                assertTrue(e.getMessage().startsWith("this kernel has no kprobe support"), e.getMessage());
            }
        }
    }

    @Test
    void xdpLinkOwnsTheAttachmentOnATestVeth() {
        byte[] pass = Instructions.encode(List.of(Instruction.mov64(0, 2), Instruction.exit()));
        try (TestNetwork net = TestNetwork.create();
             NetlinkSocket nl = NetlinkSocket.openRoute();
             Fd prog = Bpf.progLoad(ProgramType.XDP.value(), pass, "GPL", "e4j_pass");
             Fd other = Bpf.progLoad(ProgramType.XDP.value(), pass, "GPL", "e4j_other")) {
            int ifindex = Syscall.ifNameToIndex(net.hostSide());
            int id;
            try (Arena a = Arena.ofConfined()) {
                id = bpf_prog_info.id(Bpf.progInfo(prog, a));
            }
            try (Link link = Attach.xdp(prog, ifindex, Rtnetlink.XDP_FLAGS_SKB_MODE)) {
                Rtnetlink.XdpState state = Rtnetlink.link(nl, ifindex).xdp();
                assertEquals(Rtnetlink.XdpMode.GENERIC, state.mode());
                assertEquals(id, state.progId());
                // a link-owned attachment cannot be replaced by netlink
                assertThrows(NetlinkException.class, () -> Rtnetlink.attachXdp(nl, ifindex, other.raw(),
                        Rtnetlink.XDP_FLAGS_SKB_MODE, -1));
            }
            assertEquals(Rtnetlink.XdpState.NONE, Rtnetlink.link(nl, ifindex).xdp());
        }
    }
}
