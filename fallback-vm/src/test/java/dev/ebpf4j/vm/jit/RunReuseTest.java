package dev.ebpf4j.vm.jit;

import static dev.ebpf4j.object.insn.Opcode.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.RunOptions;
import dev.ebpf4j.vm.RunResult;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.context.MemoryContext;
import dev.ebpf4j.vm.context.ProgramContext;
import dev.ebpf4j.vm.context.RawContext;
import dev.ebpf4j.vm.context.XdpContext;

/**
 * Runs reuse an idle execution (address space, frames, the bound context); every run must still start as a fresh
 * one would. And the JIT's region cache: faults through it are the interpreter's faults.
 */
class RunReuseTest {
    private static final int ADJUST_HEAD = 44;

    static Instruction i(int op, int dst, int src, int off, int imm) {
        return Instruction.of(op, dst, src, off, imm);
    }

    private static VmProgram program(Engine engine, ProgramType type, List<Instruction> insns) {
        BpfVm vm = Engines.vm(VmOptions.defaults(), engine);
        VmProgram p = vm.program("reuse", type, insns);
        if (engine == Engine.JIT) {
            assertNotNull(p.compilation().program(), p.compilation().refusal());
        }
        return p;
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "JIT"})
    void everyRunStartsWithAZeroedFrame(Engine engine) {
        // r0 = *(u64 *)(fp - 8); *(u64 *)(fp - 8) = 42: a run that saw the previous run's stack would return 42
        VmProgram p = program(engine, ProgramType.UNSPEC, List.of(i(LDX | MEM | DW, 0, 10, -8, 0),
                i(ST | MEM | DW, 10, 0, -8, 42), Instruction.exit()));
        for (int n = 0; n < 3; n++) {
            assertEquals(0, p.run(MemoryContext.empty()).returnValue());
            assertEquals(0, p.run(MemoryContext.empty(), RunOptions.defaults().withRepeat(4)).returnValue());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "JIT"})
    void aCalleesFrameIsZeroedWhenItsCallerNeverTouchesTheStack(Engine engine) {
        // the entry function names no r10 (the JIT does not zero its frame); the callee reads and writes its own
        VmProgram p = program(engine, ProgramType.UNSPEC, List.of(Instruction.callBpf(1), Instruction.exit(),
                i(LDX | MEM | DW, 0, 10, -8, 0), i(ST | MEM | DW, 10, 0, -8, 42), Instruction.exit()));
        for (int n = 0; n < 3; n++) {
            assertEquals(0, p.run(MemoryContext.empty(), RunOptions.defaults().withRepeat(3)).returnValue());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "JIT"})
    void everyRunOfARepeatSeesTheOriginalPacket(Engine engine) {
        // r0 = data[0]; data[0] = 0xff
        VmProgram p = program(engine, ProgramType.XDP, List.of(
                i(LDX | MEM | W, 2, 1, 0, 0), i(LDX | MEM | W, 3, 1, 4, 0),
                Instruction.mov64Reg(4, 2), i(ALU64 | ADD | K, 4, 0, 0, 1), i(JMP | JGT | X, 4, 3, 3, 0),
                i(LDX | MEM | B, 0, 2, 0, 0), i(ST | MEM | B, 2, 0, 0, 0xff), Instruction.exit(),
                Instruction.mov64(0, -1), Instruction.exit()));
        byte[] packet = new byte[60];
        packet[0] = 7;
        XdpContext ctx = XdpContext.of(packet);
        for (int repeat : new int[] {1, 5, 1, 3}) {
            RunResult r = p.run(ctx, RunOptions.defaults().withRepeat(repeat));
            assertEquals(7, r.returnValue(), "repeat " + repeat);
            assertEquals((byte) 0xff, r.packet()[0]);
            assertEquals(60, r.packet().length);
        }
        assertEquals(7, ctx.packet()[0], "the caller's context is not changed");
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "JIT"})
    void headroomIsZeroAgainAfterARunThatMovedTheHead(Engine engine) {
        // adjust_head(ctx, -4); r0 = *(u32 *)data; *(u32 *)data = 0x12345678: the next run must read 0 again
        VmProgram p = program(engine, ProgramType.XDP, List.of(
                Instruction.mov64Reg(6, 1), Instruction.mov64(2, -4), Instruction.callHelper(ADJUST_HEAD),
                i(JMP | JNE | K, 0, 0, 8, 0),
                i(LDX | MEM | W, 2, 6, 0, 0), i(LDX | MEM | W, 3, 6, 4, 0),
                Instruction.mov64Reg(4, 2), i(ALU64 | ADD | K, 4, 0, 0, 4), i(JMP | JGT | X, 4, 3, 3, 0),
                i(LDX | MEM | W, 0, 2, 0, 0), i(ST | MEM | W, 2, 0, 0, 0x12345678), Instruction.exit(),
                Instruction.mov64(0, -1), Instruction.exit()));
        XdpContext ctx = XdpContext.of(new byte[60]);
        for (int repeat : new int[] {1, 3, 1}) {
            RunResult r = p.run(ctx, RunOptions.defaults().withRepeat(repeat));
            assertEquals(0, r.returnValue(), "repeat " + repeat);
            assertEquals(64, r.packet().length);
            assertEquals(0x78, r.packet()[0] & 0xff);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Engine.class, names = {"INTERPRETER", "JIT"})
    void concurrentRunsOfOneProgramKeepTheirOwnMemory(Engine engine) throws Exception {
        // r0 = (data_end - data) << 8 | data[0]; data[0] += 1; the frame is written and read back
        VmProgram p = program(engine, ProgramType.XDP, List.of(
                i(LDX | MEM | W, 2, 1, 0, 0), i(LDX | MEM | W, 3, 1, 4, 0),
                i(LDX | MEM | DW, 5, 10, -8, 0), i(JMP | JNE | K, 5, 0, 12, 0),
                Instruction.mov64Reg(4, 2), i(ALU64 | ADD | K, 4, 0, 0, 1), i(JMP | JGT | X, 4, 3, 9, 0),
                i(STX | MEM | DW, 10, 3, -8, 0),
                Instruction.mov64Reg(0, 3), i(ALU64 | SUB | X, 0, 2, 0, 0), i(ALU64 | LSH | K, 0, 0, 0, 8),
                i(LDX | MEM | B, 4, 2, 0, 0), i(ALU64 | OR | X, 0, 4, 0, 0),
                i(ALU64 | ADD | K, 4, 0, 0, 1), i(STX | MEM | B, 2, 4, 0, 0), Instruction.exit(),
                Instruction.mov64(0, -1), Instruction.exit()));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int len = 20 + t;
                byte[] packet = new byte[len];
                packet[0] = (byte) t;
                done.add(pool.submit(() -> {
                    int runs = 0;
                    for (int n = 0; n < 1500; n++) {
                        // a fresh context now and then, the same one otherwise
                        ProgramContext ctx = XdpContext.of(packet);
                        RunResult r = p.run(ctx, RunOptions.defaults().withRepeat(1 + n % 3));
                        assertEquals(((long) len << 8) | (len - 20), r.returnValue(), "packet of " + len);
                        assertEquals(len - 19, r.packet()[0]);
                        runs++;
                    }
                    return runs;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertEquals(8 * 1500, total);
        } finally {
            pool.shutdownNow();
        }
    }

    private static BpfMap map(BpfVm vm, String name, MapType type, int max) {
        return vm.createMap(new MapSpec(name, name, MapSpec.Kind.BTF, ".maps", type, 4, 8, max, 0, MapSpec.Pinning.NONE,
                0, 0, 0, 0, null, null, List.of()));
    }

    @Test
    void hashValueRegionsKeptForLaterRunsAreReachableOnlyThroughALookup() {
        Engines.Outcome[] stale = new Engines.Outcome[2];
        int e = 0;
        for (Engine engine : new Engine[] {Engine.INTERPRETER, Engine.JIT}) {
            BpfVm vm = Engines.vm(VmOptions.defaults(), engine);
            BpfMap h = map(vm, "h", MapType.HASH, 8);
            BpfMap arr = map(vm, "arr", MapType.ARRAY, 2);
            // arr[1] != 0: dereference the pointer a normal run left in arr[0]; else h[7] += 1 through the looked-up
            // pointer (inserted as 1 when missing) and arr[0] = that pointer
            List<Instruction> insns = List.of(
                    i(ST | MEM | W, 10, 0, -8, 1), Instruction.loadMapFd(1, arr.fd()), Instruction.mov64Reg(2, 10),
                    i(ALU64 | ADD | K, 2, 0, 0, -8), Instruction.callHelper(1), i(JMP | JEQ | K, 0, 0, 12, 0),
                    i(LDX | MEM | DW, 1, 0, 0, 0), i(JMP | JEQ | K, 1, 0, 10, 0),
                    i(ST | MEM | W, 10, 0, -8, 0), Instruction.loadMapFd(1, arr.fd()), Instruction.mov64Reg(2, 10),
                    i(ALU64 | ADD | K, 2, 0, 0, -8), Instruction.callHelper(1), i(JMP | JEQ | K, 0, 0, 2, 0),
                    i(LDX | MEM | DW, 1, 0, 0, 0), i(LDX | MEM | DW, 0, 1, 0, 0), Instruction.exit(),
                    // normal run
                    i(ST | MEM | W, 10, 0, -4, 7), Instruction.loadMapFd(1, h.fd()), Instruction.mov64Reg(2, 10),
                    i(ALU64 | ADD | K, 2, 0, 0, -4), Instruction.callHelper(1), i(JMP | JEQ | K, 0, 0, 14, 0),
                    i(LDX | MEM | DW, 1, 0, 0, 0), i(ALU64 | ADD | K, 1, 0, 0, 1), i(STX | MEM | DW, 0, 1, 0, 0),
                    Instruction.mov64Reg(6, 0),
                    i(ST | MEM | W, 10, 0, -8, 0), Instruction.loadMapFd(1, arr.fd()), Instruction.mov64Reg(2, 10),
                    i(ALU64 | ADD | K, 2, 0, 0, -8), Instruction.callHelper(1), i(JMP | JEQ | K, 0, 0, 1, 0),
                    i(STX | MEM | DW, 0, 6, 0, 0), Instruction.mov64(0, 0), Instruction.exit(),
                    i(ST | MEM | DW, 10, 0, -16, 1), Instruction.loadMapFd(1, h.fd()), Instruction.mov64Reg(2, 10),
                    i(ALU64 | ADD | K, 2, 0, 0, -4), Instruction.mov64Reg(3, 10), i(ALU64 | ADD | K, 3, 0, 0, -16),
                    Instruction.mov64(4, 0), Instruction.callHelper(2), Instruction.mov64(0, 0), Instruction.exit());
            VmProgram p = vm.program("kept", ProgramType.UNSPEC, insns);
            if (engine == Engine.JIT) {
                assertNotNull(p.compilation().program(), p.compilation().refusal());
            }
            byte[] one = dev.ebpf4j.vm.maps.Bytes.u32(1);
            for (int n = 0; n < 6; n++) {
                assertEquals(0, p.run(MemoryContext.empty(), RunOptions.defaults().withRepeat(n + 1)).returnValue());
            }
            assertEquals(21, dev.ebpf4j.vm.maps.Bytes.toLong(h.lookup(dev.ebpf4j.vm.maps.Bytes.u32(7)), 0, 8),
                    engine + ": 1 + 2 + ... + 6 runs counted");
            arr.update(one, dev.ebpf4j.vm.maps.Bytes.u64(1));
            stale[e] = Engines.Outcome.of(() -> p.run(MemoryContext.empty()));
            assertTrue(stale[e].faulted(), engine + ": a pointer from an earlier run is not mapped: " + stale[e]);
            assertTrue(stale[e].message().contains("unmapped"), stale[e].message());
            arr.update(one, dev.ebpf4j.vm.maps.Bytes.u64(0));
            assertEquals(0, p.run(MemoryContext.empty(), RunOptions.defaults().withRepeat(2)).returnValue());
            assertEquals(23, dev.ebpf4j.vm.maps.Bytes.toLong(h.lookup(dev.ebpf4j.vm.maps.Bytes.u32(7)), 0, 8));
            e++;
        }
        assertTrue(stale[0].sameAs(stale[1]), "interpreter " + stale[0] + " / jit " + stale[1]);
    }

    @Test
    void aProgramTooLargeWithInlinedAccessesIsCompiledWithOneCallPerAccess() {
        // 1000 loads through r1: too much bytecode with every access inlined, fits with one call per access
        List<Instruction> insns = new ArrayList<>();
        insns.add(Instruction.mov64(0, 0));
        for (int k = 0; k < 1000; k++) {
            insns.add(i(LDX | MEM | B, 2, 1, k % 16, 0));
            insns.add(i(ALU64 | ADD | X, 0, 2, 0, 0));
        }
        insns.add(Instruction.exit());
        byte[] bytes = new byte[16];
        long expected = 0;
        for (int k = 0; k < 16; k++) {
            bytes[k] = (byte) (k * 13 + 1);
        }
        for (int k = 0; k < 1000; k++) {
            expected += bytes[k % 16] & 0xff;
        }
        VmProgram p = program(Engine.JIT, ProgramType.UNSPEC, insns);
        assertTrue(p.compilation().program().largestMethod() <= 65535);
        assertEquals(expected, p.run(MemoryContext.of(bytes)).returnValue());
        assertEquals(expected, p.run(MemoryContext.of(bytes), RunOptions.defaults().withRepeat(2)).returnValue());
    }

    record Case(String name, ProgramType type, List<Instruction> insns, ProgramContext ctx) {}

    @Test
    void faultsThroughTheRegionCacheAreTheInterpretersFaults() {
        List<Case> cases = new ArrayList<>();
        List<Instruction> packetPointers = List.of(i(LDX | MEM | W, 2, 1, 0, 0), i(LDX | MEM | W, 3, 1, 4, 0));
        cases.add(new Case("past the end of a cached packet", ProgramType.XDP, concat(packetPointers,
                i(LDX | MEM | B, 0, 2, 0, 0), i(LDX | MEM | B, 0, 2, 59, 0), i(LDX | MEM | H, 0, 2, 59, 0),
                Instruction.exit()), XdpContext.of(new byte[60])));
        cases.add(new Case("below the packet after other regions", ProgramType.XDP, concat(packetPointers,
                i(LDX | MEM | B, 0, 2, 10, 0), Instruction.mov64Reg(4, 10), i(ST | MEM | DW, 4, 0, -16, 5),
                i(LDX | MEM | DW, 5, 4, -16, 0), i(STX | MEM | B, 2, 5, 1, 0), i(LDX | MEM | B, 0, 2, -1, 0),
                Instruction.exit()), XdpContext.of(new byte[60])));
        cases.add(new Case("store to a cached read-only context", ProgramType.RAW_TRACEPOINT, List.of(
                i(LDX | MEM | B, 0, 1, 0, 0), i(LDX | MEM | B, 0, 1, 15, 0), i(ST | MEM | B, 1, 0, 0, 1),
                Instruction.exit()), RawContext.of(new byte[16])));
        cases.add(new Case("old packet pointer after adjust_head", ProgramType.XDP, List.of(
                Instruction.mov64Reg(6, 1), i(LDX | MEM | W, 7, 1, 0, 0), i(LDX | MEM | B, 0, 7, 0, 0),
                Instruction.mov64Reg(1, 6), Instruction.mov64(2, 14), Instruction.callHelper(ADJUST_HEAD),
                i(LDX | MEM | B, 0, 7, 14, 0), i(LDX | MEM | B, 0, 7, 0, 0), Instruction.exit()),
                XdpContext.of(new byte[60])));
        cases.add(new Case("stack below the frame through a copy", ProgramType.UNSPEC, List.of(
                Instruction.mov64Reg(2, 10), i(ST | MEM | W, 2, 0, -4, 3), i(LDX | MEM | W, 0, 2, -4, 0),
                i(STX | MEM | DW, 2, 0, -520, 0), Instruction.exit()), MemoryContext.empty()));
        BpfVm interp = Engines.vm(VmOptions.defaults(), Engine.INTERPRETER);
        BpfVm jit = Engines.vm(VmOptions.defaults(), Engine.JIT);
        for (Case c : cases) {
            VmProgram a = interp.program(c.name(), c.type(), c.insns());
            VmProgram b = jit.program(c.name(), c.type(), c.insns());
            assertNotNull(b.compilation().program(), c.name() + ": " + b.compilation().refusal());
            for (int n = 0; n < 2; n++) {
                Engines.Outcome x = Engines.Outcome.of(() -> a.run(c.ctx()));
                Engines.Outcome y = Engines.Outcome.of(() -> b.run(c.ctx()));
                assertTrue(x.faulted(), c.name() + ": " + x);
                assertTrue(x.sameAs(y), c.name() + ": interpreter " + x + " / jit " + y);
            }
        }
    }

    private static List<Instruction> concat(List<Instruction> head, Instruction... tail) {
        List<Instruction> all = new ArrayList<>(head);
        all.addAll(List.of(tail));
        return all;
    }
}
