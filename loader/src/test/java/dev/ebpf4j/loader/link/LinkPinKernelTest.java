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
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.Opcode;
import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/** A pinned link outlives close (and the fds of its program); removing the pin detaches it. */
class LinkPinKernelTest {

    @BeforeEach
    void needsRoot() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "attaching programs needs root");
    }

    /** Raw tracepoint program counting its runs in slot 0 of {@code map}. */
    private static Fd counter(Fd map) {
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
        return Bpf.progLoad(ProgramType.RAW_TRACEPOINT.value(), Instructions.encode(insns), "GPL", "e4j_pin_count");
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
    void pinnedRawTracepointLinkOutlivesCloseUntilUnpinned() throws Exception {
        Path pin = Path.of("/sys/fs/bpf/ebpf4j-linkpin-" + ProcessHandle.current().pid());
        try (Fd map = Bpf.mapCreate(MapType.ARRAY.value(), 4, 8, 1, 0, "e4j_pin_count")) {
            try {
                try (Fd prog = counter(map)) {
                    Link link = Attach.rawTracepoint(prog, "sys_enter");
                    link.pin(pin);
                    link.close();
                    assertFalse(link.attached());
                }
                // no fd of ours holds the link or the program now: only the pin does
                long before = count(map);
                syscalls();
                assertTrue(count(map) >= before + 20, "the pinned link still runs the program: " + (count(map) - before));
                Files.delete(pin);
                // the link goes with its last reference; its release may trail the unlink by an RCU grace period
                long stopped = count(map);
                for (int i = 0; i < 50; i++) {
                    Thread.sleep(20);
                    stopped = count(map);
                    syscalls();
                    if (count(map) == stopped) {
                        break;
                    }
                }
                assertEquals(stopped, count(map), "removing the pin detached the program");
            } finally {
                Files.deleteIfExists(pin);
            }
        }
    }

    @Test
    void pinnedXdpLinkKeepsTheProgramOnTheInterface() throws Exception {
        Path pin = Path.of("/sys/fs/bpf/ebpf4j-linkpin-xdp-" + ProcessHandle.current().pid());
        try (TestNetwork net = TestNetwork.create()) {
            int ifindex = Syscall.ifNameToIndex(net.hostSide());
            try {
                int progId;
                try (Fd prog = Bpf.progLoad(ProgramType.XDP.value(), Instructions.encode(List.of(Instruction.mov64(0, 2),
                        Instruction.exit())), "GPL", "e4j_pin_xdp"); Arena a = Arena.ofConfined()) {
                    progId = dev.ebpf4j.bindings.uapi.bpf_prog_info.id(Bpf.progInfo(prog, a));
                    try (Link link = Attach.xdp(prog, ifindex, dev.ebpf4j.loader.netlink.Rtnetlink.XDP_FLAGS_SKB_MODE)) {
                        link.pin(pin);
                    }
                }
                try (var nl = dev.ebpf4j.loader.netlink.NetlinkSocket.openRoute()) {
                    assertEquals(progId, dev.ebpf4j.loader.netlink.Rtnetlink.link(nl, ifindex).xdp().progId());
                    Files.delete(pin);
                    dev.ebpf4j.loader.netlink.Rtnetlink.XdpState state = null;
                    for (int i = 0; i < 50; i++) {
                        state = dev.ebpf4j.loader.netlink.Rtnetlink.link(nl, ifindex).xdp();
                        if (state.progId() == 0) {
                            break;
                        }
                        Thread.sleep(20);
                    }
                    assertEquals(dev.ebpf4j.loader.netlink.Rtnetlink.XdpState.NONE, state);
                }
            } finally {
                Files.deleteIfExists(pin);
            }
        }
    }

    @Test
    void linksWithoutABpfLinkRefuseToPin() {
        try (TestNetwork net = TestNetwork.create();
             Fd prog = Bpf.progLoad(ProgramType.SCHED_CLS.value(), Instructions.encode(List.of(Instruction.mov64(0, 0),
                     Instruction.exit())), "GPL", "e4j_pin_tc");
             Link classic = Attach.tcClassic(prog, Syscall.ifNameToIndex(net.hostSide()), true)) {
            assertThrows(UnsupportedOperationException.class, () -> classic.pin(Path.of("/sys/fs/bpf/ebpf4j-never")));
        }
    }
}
