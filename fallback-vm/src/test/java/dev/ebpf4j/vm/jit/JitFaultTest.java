package dev.ebpf4j.vm.jit;

import dev.ebpf4j.vm.Packets;
import static dev.ebpf4j.object.insn.Opcode.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.RunOptions;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.MemoryContext;
import dev.ebpf4j.vm.context.ProgramContext;
import dev.ebpf4j.vm.context.SkBuffContext;
import dev.ebpf4j.vm.context.XdpContext;

/** Faults on the JIT: same exception type, same instruction index, same message as on the interpreter. */
class JitFaultTest {

    static Instruction i(int op, int dst, int src, int off, int imm) {
        return Instruction.of(op, dst, src, off, imm);
    }

    static Instruction mov(int dst, int imm) {
        return Instruction.mov64(dst, imm);
    }

    static Instruction exit() {
        return Instruction.exit();
    }

    record Case(String name, ProgramType type, List<Instruction> insns, ProgramContext ctx, long budget) {}

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        ProgramType u = ProgramType.UNSPEC;
        c.add(new Case("stack above the frame", u, List.of(mov(0, 0), i(LDX | MEM | DW, 0, 10, 0, 0), exit()), null, 0));
        c.add(new Case("stack below the frame", u, List.of(i(ST | MEM | DW, 10, 0, -520, 1), exit()), null, 0));
        c.add(new Case("stack straddling the top", u, List.of(i(STX | MEM | DW, 10, 1, -4, 0), exit()), null, 0));
        c.add(new Case("through a copy of r10", u, List.of(Instruction.mov64Reg(2, 10), i(LDX | MEM | W, 0, 2, 8, 0), exit()), null, 0));
        c.add(new Case("null pointer", u, List.of(mov(1, 0), i(LDX | MEM | W, 0, 1, 0, 0), exit()), null, 0));
        c.add(new Case("scalar pointer", u, List.of(mov(1, 1234), i(STX | MEM | W, 1, 1, 0, 0), exit()), null, 0));
        c.add(new Case("unmapped", u, List.of(Instruction.loadImm64(1, 0x7777_0000_0000L), i(LDX | MEM | B, 0, 1, 0, 0), exit()), null, 0));
        c.add(new Case("deep recursion", u, List.of(Instruction.callBpf(-1), exit()), null, 0));
        c.add(new Case("recursion after work", u, List.of(mov(6, 1), i(STX | MEM | DW, 10, 6, -8, 0), Instruction.callBpf(-3), exit()), null, 0));
        c.add(new Case("runaway loop", u, List.of(mov(0, 0), Instruction.ja(-1), exit()), null, 10_000));
        c.add(new Case("runaway loop with stores", u, List.of(mov(0, 0), i(ALU64 | ADD | K, 0, 0, 0, 1),
                i(STX | MEM | DW, 10, 0, -8, 0), i(ALU64 | MUL | K, 0, 0, 0, 3), Instruction.ja(-4), exit()), null, 1001));
        c.add(new Case("budget inside a callee", u, List.of(Instruction.callBpf(1), exit(), mov(0, 1),
                i(ALU64 | ADD | K, 0, 0, 0, 1), i(JMP | JNE | K, 0, 0, -2, 0), exit()), null, 777));
        c.add(new Case("off the end", u, List.of(mov(0, 1)), null, 0));
        c.add(new Case("off the end with budget", u, List.of(mov(0, 1), mov(0, 2)), null, 2));
        c.add(new Case("unknown helper", u, List.of(Instruction.callHelper(9999), exit()), null, 0));
        c.add(new Case("missing helper", u, List.of(Instruction.callHelper(51), exit()), null, 0));
        c.add(new Case("not a map", u, List.of(mov(1, 5), Instruction.callHelper(1), exit()), null, 0));
        c.add(new Case("misaligned atomic", u, List.of(mov(1, 1), i(STX | ATOMIC | DW, 10, 1, -12, ATOMIC_ADD), exit()), null, 0));
        c.add(new Case("atomic on the context", ProgramType.XDP, List.of(mov(2, 1), i(STX | ATOMIC | W, 1, 2, 0, ATOMIC_ADD), exit()),
                XdpContext.of(new byte[60]), 0));
        c.add(new Case("atomic on the packet", ProgramType.XDP, List.of(i(LDX | MEM | W, 2, 1, 0, 0), mov(3, 1),
                i(STX | ATOMIC | W, 2, 3, 8, ATOMIC_ADD), mov(0, 0), exit()), XdpContext.of(new byte[60]), 0));
        // a packet pointer kept across a helper that moves an end of the packet: the access it made before faults after
        c.add(new Case("packet shrunk by adjust_tail", ProgramType.XDP, List.of(Instruction.mov64Reg(6, 1),
                i(LDX | MEM | W, 7, 1, 0, 0), i(LDX | MEM | H, 0, 7, 50, 0), Instruction.mov64Reg(1, 6), mov(2, -20),
                Instruction.callHelper(65), i(LDX | MEM | H, 0, 7, 50, 0), exit()), XdpContext.of(new byte[60]), 0));
        c.add(new Case("packet head moved by adjust_head", ProgramType.XDP, List.of(Instruction.mov64Reg(6, 1),
                i(LDX | MEM | W, 7, 1, 0, 0), i(STX | MEM | W, 7, 7, 0, 0), Instruction.mov64Reg(1, 6), mov(2, 14),
                Instruction.callHelper(44), i(STX | MEM | W, 7, 7, 0, 0), exit()), XdpContext.of(new byte[60]), 0));
        c.add(new Case("packet past data_end", ProgramType.XDP, List.of(i(LDX | MEM | W, 2, 1, 0, 0), i(LDX | MEM | W, 0, 2, 58, 0), exit()),
                XdpContext.of(new byte[60]), 0));
        c.add(new Case("read-only context", ProgramType.XDP, List.of(i(ST | MEM | W, 1, 0, 0, 0), mov(0, 0), exit()),
                XdpContext.of(new byte[60]), 0));
        c.add(new Case("ld_abs past the packet", ProgramType.SOCKET_FILTER, List.of(mov(0, 9), mov(6, 1),
                i(LD | ABS | W, 0, 0, 0, 100), exit()), SkBuffContext.of(new byte[60]), 0));
        c.add(new Case("ld_ind in the packet", ProgramType.SOCKET_FILTER, List.of(Instruction.mov64Reg(6, 1), mov(7, 10),
                i(LD | IND | H, 0, 7, 0, 2), exit()), SkBuffContext.of(Packets.udp(53, 4)), 0));
        c.add(new Case("ld_abs without a packet", u, List.of(i(LD | ABS | B, 0, 0, 0, 0), exit()), null, 0));
        c.add(new Case("callx to a number", u, List.of(mov(1, 5), i(JMP | CALL | X, 1, 0, 0, 0), exit()), null, 0));
        c.add(new Case("may_goto loop", u, List.of(mov(0, 0), i(JMP | JCOND, 0, 0, 2, 0), i(ALU64 | ADD | K, 0, 0, 0, 1),
                Instruction.ja(-3), exit()), null, 100_000_000));
        return c;
    }

    @Test
    void faultsAreTheInterpretersFaults() {
        BpfVm interp = Engines.vm(VmOptions.defaults(), Engine.INTERPRETER);
        BpfVm jit = Engines.vm(VmOptions.defaults(), Engine.JIT);
        int faults = 0;
        for (Case c : cases()) {
            VmProgram a = interp.program(c.name(), c.type(), c.insns());
            VmProgram b = jit.program(c.name(), c.type(), c.insns());
            assertNotNull(b.compilation().program(), c.name() + ": " + b.compilation().refusal());
            RunOptions o = RunOptions.defaults().withInstructionBudget(c.budget());
            ProgramContext ctx = c.ctx() == null ? MemoryContext.empty() : c.ctx();
            Engines.Outcome x = Engines.Outcome.of(() -> a.run(ctx, o));
            Engines.Outcome y = Engines.Outcome.of(() -> b.run(ctx, o));
            assertTrue(x.sameAs(y), c.name() + ": interpreter " + x + " / jit " + y);
            faults += x.faulted() ? 1 : 0;
        }
        assertTrue(faults >= 20, faults + " faults");
    }

    @Test
    void everyBudgetStopsAtTheSameInstruction() {
        // a loop with a load, a store, a helper call and a subprogram call (which reads only its argument, as the
        // verifier requires): stop it at every possible point
        List<Instruction> p = List.of(mov(6, 0), mov(0, 0),
                i(STX | MEM | DW, 10, 6, -8, 0),
                i(LDX | MEM | DW, 7, 10, -8, 0),
                Instruction.callHelper(7), // get_prandom_u32
                i(ALU64 | ADD | K, 6, 0, 0, 1),
                Instruction.mov64Reg(1, 7), mov(8, 5),
                Instruction.callBpf(3),
                i(JMP | JLT | K, 6, 0, -9, 20),
                exit(),
                exit(),
                i(ALU64 | MOV | X, 0, 1, 0, 0), i(ALU64 | ADD | K, 0, 0, 0, 2), exit());
        BpfVm interp = Engines.vm(VmOptions.defaults().withRandomSeed(1), Engine.INTERPRETER);
        BpfVm jit = Engines.vm(VmOptions.defaults().withRandomSeed(1), Engine.JIT);
        VmProgram a = interp.program("b", ProgramType.UNSPEC, p);
        VmProgram b = jit.program("b", ProgramType.UNSPEC, p);
        long full = a.run(MemoryContext.empty()).instructions();
        assertTrue(full > 100, "instructions " + full);
        int stopped = 0;
        for (long budget = 1; budget <= full + 1; budget++) {
            RunOptions o = RunOptions.defaults().withInstructionBudget(budget);
            Engines.Outcome x = Engines.Outcome.of(() -> a.run(MemoryContext.empty(), o));
            Engines.Outcome y = Engines.Outcome.of(() -> b.run(MemoryContext.empty(), o));
            assertTrue(x.sameAs(y), "budget " + budget + ": interpreter " + x + " / jit " + y);
            stopped += x.faulted() ? 1 : 0;
        }
        assertEquals(full - 1 + 1, stopped + 1, "every budget below the full count stops the run");
    }

    @Test
    void aHugeProgramFallsBackToTheInterpreterWithTheReason() {
        List<Instruction> insns = new ArrayList<>();
        insns.add(mov(0, 0));
        for (int k = 0; k < 12_000; k++) {
            insns.add(i(STX | MEM | DW, 10, 0, -8, 0));
            insns.add(i(LDX | MEM | DW, 1, 10, -8, 0));
            insns.add(i(ALU64 | ADD | X, 0, 1, 0, 0));
            insns.add(i(ALU64 | ADD | K, 0, 0, 0, 1));
        }
        insns.add(exit());
        BpfVm auto = Engines.vm(VmOptions.defaults().withInstructionBudget(10_000_000), Engine.AUTO);
        VmProgram p = auto.program("huge", ProgramType.UNSPEC, insns);
        assertNull(p.compilation().program());
        assertTrue(p.compilation().refusal().contains("64 KiB") || p.compilation().refusal().contains("65535"),
                p.compilation().refusal());
        long expected = 0;
        for (int k = 0; k < 12_000; k++) {
            expected = expected + expected + 1;
        }
        assertEquals(expected, p.run(MemoryContext.empty()).returnValue(), "the interpreter ran it");

        BpfVm strict = Engines.vm(VmOptions.defaults(), Engine.JIT);
        VmProgram q = strict.program("huge", ProgramType.UNSPEC, insns);
        var e = org.junit.jupiter.api.Assertions.assertThrows(dev.ebpf4j.vm.BpfLoadException.class,
                () -> q.run(MemoryContext.empty()));
        assertTrue(e.getMessage().contains("cannot be compiled by the JIT"), e.getMessage());
    }

    @Test
    void theDefaultEngineCompilesSmallPrograms() {
        BpfVm vm = Engines.vm(VmOptions.defaults(), Engine.AUTO);
        VmProgram p = vm.program("small", ProgramType.UNSPEC, List.of(mov(0, 42), exit()));
        assertEquals(42, p.run(MemoryContext.empty()).returnValue());
        assertNotNull(p.compilation().program());
        assertTrue(p.compilation().program().bytecodeSize() > 0);
    }
}
