package dev.ebpf4j.vm.jit;

import static dev.ebpf4j.object.insn.Opcode.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.RunOptions;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.ProgramContext;
import dev.ebpf4j.vm.context.SkBuffContext;
import dev.ebpf4j.vm.context.XdpContext;
import dev.ebpf4j.vm.verifier.VerifiedProgram;
import dev.ebpf4j.vm.verifier.Verifier;
import dev.ebpf4j.vm.verifier.VerifierOptions;

/**
 * The JIT with what the verifier proved: packet loads and stores proven inside the packet go straight to its array,
 * and the instruction budget is checked at checkpoints only (loop heads, function entries, after calls), the
 * interpreter finishing a function when the budget may run out before the next one. Both must leave every result,
 * fault and instruction count as the interpreter has them.
 */
class JitPacketFactsTest {

    static Instruction i(int op, int dst, int src, int off, int imm) {
        return Instruction.of(op, dst, src, off, imm);
    }

    /** The benchmarks' checksum loop as clang 14 builds it: the 16-bit sum of up to 750 halfwords of packet. */
    static final List<Instruction> CHECKSUM = List.of(
            Instruction.mov64(2, 0),
            i(LDX | MEM | W, 3, 1, 4, 0),
            i(LDX | MEM | W, 1, 1, 0, 0),
            Instruction.mov64Reg(4, 1),
            i(ALU64 | ADD | K, 4, 0, 0, 2),
            i(JMP | JGT | X, 4, 3, 13, 0),
            Instruction.mov64(4, 0),
            i(ALU64 | ADD | K, 1, 0, 0, 4),
            Instruction.mov64(2, 0),
            i(LDX | MEM | H, 5, 1, -4, 0), // 9: the loop's packet load
            i(ALU64 | ADD | X, 2, 5, 0, 0),
            Instruction.mov64Reg(5, 4),
            i(ALU64 | LSH | K, 5, 0, 0, 32),
            i(ALU64 | RSH | K, 5, 0, 0, 32),
            i(JMP | JGT | K, 5, 0, 4, 748),
            Instruction.mov64Reg(5, 1),
            i(ALU64 | ADD | K, 1, 0, 0, 2),
            i(ALU64 | ADD | K, 4, 0, 0, 1),
            i(JMP | JGE | X, 3, 5, -10, 0),
            Instruction.mov64Reg(0, 2), // 19
            Instruction.exit());

    /** Reads and writes the packet, moves its head with bpf_xdp_adjust_head, reads the new head. */
    static final List<Instruction> REWRITE = List.of(
            Instruction.mov64Reg(6, 1),
            i(LDX | MEM | W, 2, 6, 0, 0),
            i(LDX | MEM | W, 3, 6, 4, 0),
            Instruction.mov64Reg(4, 2),
            i(ALU64 | ADD | K, 4, 0, 0, 20),
            i(JMP | JGT | X, 4, 3, 14, 0),
            i(LDX | MEM | B, 5, 2, 12, 0), // 6
            i(STX | MEM | B, 2, 5, 0, 0), // 7
            i(ST | MEM | H, 2, 0, 2, 0x1234), // 8
            Instruction.mov64Reg(1, 6),
            Instruction.mov64(2, 14),
            Instruction.callHelper(44),
            i(LDX | MEM | W, 2, 6, 0, 0),
            i(LDX | MEM | W, 3, 6, 4, 0),
            Instruction.mov64Reg(4, 2),
            i(ALU64 | ADD | K, 4, 0, 0, 4),
            i(JMP | JGT | X, 4, 3, 3, 0),
            i(LDX | MEM | W, 0, 2, 0, 0), // 17
            i(ALU64 | AND | K, 0, 0, 0, 0xffff),
            Instruction.exit(),
            Instruction.mov64(0, 1),
            Instruction.exit());

    static byte[] packet(int size) {
        byte[] p = new byte[size];
        for (int k = 0; k < size; k++) {
            p[k] = (byte) (k * 7 + 3);
        }
        return p;
    }

    static VerifiedProgram verify(List<Instruction> insns, ProgramType type) {
        return Verifier.verify(insns, VerifierOptions.of(type));
    }

    /** The program on both engines, the JIT's with the verifier's facts. */
    record Pair(VmProgram interpreted, VmProgram compiled) {
        Engines.Outcome[] run(ProgramContext ctx, long budget) {
            RunOptions o = RunOptions.defaults().withInstructionBudget(budget);
            return new Engines.Outcome[] {Engines.Outcome.of(() -> interpreted.run(ctx, o)),
                    Engines.Outcome.of(() -> compiled.run(ctx, o))};
        }
    }

    static Pair pair(String name, ProgramType type, List<Instruction> insns) {
        VmProgram a = Engines.vm(VmOptions.defaults(), Engine.INTERPRETER).program(name, type, insns);
        VmProgram b = Engines.vm(VmOptions.defaults(), Engine.JIT).program(name, type, insns);
        b.verified(verify(insns, type));
        assertNotNull(b.compilation().program(), b.compilation().refusal());
        return new Pair(a, b);
    }

    @Test
    void theVerifierNamesThePacketAccessesAndOnlyThem() {
        assertEquals(List.of(9), verify(CHECKSUM, ProgramType.XDP).packetAccesses(),
                "the loop's load; the two context loads are not packet accesses");
        assertEquals(List.of(6, 7, 8, 17), verify(REWRITE, ProgramType.XDP).packetAccesses());
        // a load that sees the packet on one path and the stack on another is not proven
        List<Instruction> mixed = List.of(
                i(LDX | MEM | W, 2, 1, 0, 0),
                i(LDX | MEM | W, 3, 1, 4, 0),
                Instruction.mov64Reg(4, 2),
                i(ALU64 | ADD | K, 4, 0, 0, 8),
                i(JMP | JLE | X, 4, 3, 3, 0),
                i(ST | MEM | DW, 10, 0, -8, 7),
                Instruction.mov64Reg(2, 10),
                i(ALU64 | ADD | K, 2, 0, 0, -8),
                i(LDX | MEM | W, 0, 2, 0, 0), // 8: packet or stack
                Instruction.exit());
        assertEquals(List.of(), verify(mixed, ProgramType.XDP).packetAccesses());
    }

    @Test
    void provenAccessesGiveTheInterpretersResults() {
        Pair checksum = pair("checksum", ProgramType.XDP, CHECKSUM);
        Pair rewrite = pair("rewrite", ProgramType.XDP, REWRITE);
        for (int size : new int[] {0, 1, 2, 3, 14, 19, 20, 21, 33, 64, 1499, 1500, 1501, 4000}) {
            for (Pair p : List.of(checksum, rewrite)) {
                Engines.Outcome[] o = p.run(XdpContext.of(packet(size)), 0);
                assertTrue(o[0].sameAs(o[1]), size + " bytes: interpreter " + o[0] + " / jit " + o[1]);
                assertTrue(!o[0].faulted(), o[0].toString());
            }
        }
        Engines.Outcome[] o = rewrite.run(XdpContext.of(packet(60)), 0);
        assertEquals(60 - 14, o[1].packet().length, "the head moved");
    }

    @Test
    void everyBudgetStopsAtTheSameInstructionWithProvenAccesses() {
        for (Pair p : List.of(pair("checksum", ProgramType.XDP, CHECKSUM), pair("rewrite", ProgramType.XDP, REWRITE))) {
            XdpContext ctx = XdpContext.of(packet(64));
            long full = p.run(ctx, 0)[0].instructions();
            for (long budget = 1; budget <= full + 1; budget++) {
                Engines.Outcome[] o = p.run(ctx, budget);
                assertTrue(o[0].sameAs(o[1]), "budget " + budget + ": interpreter " + o[0] + " / jit " + o[1]);
                assertEquals(budget < full, o[1].faulted(), "budget " + budget + " of " + full + ": " + o[1]);
            }
        }
    }

    @Test
    void aLegacyLoadEndsTheProgramInsideAResumedFunction() {
        // LD_IND walks the packet until it runs past the end, which ends the program with r0 = 0; with budgets just
        // enough, the end comes in the interpreter that finishes the function for the JIT
        List<Instruction> walk = List.of(
                Instruction.mov64Reg(6, 1),
                Instruction.mov64(7, 0),
                i(LD | IND | B, 0, 7, 0, 0),
                i(ALU64 | ADD | K, 7, 0, 0, 1),
                i(JMP | JLT | K, 7, 0, -3, 1000),
                Instruction.mov64(0, 7),
                Instruction.exit());
        VmProgram a = Engines.vm(VmOptions.defaults(), Engine.INTERPRETER).program("walk", ProgramType.SOCKET_FILTER, walk);
        VmProgram b = Engines.vm(VmOptions.defaults(), Engine.JIT).program("walk", ProgramType.SOCKET_FILTER, walk);
        Pair p = new Pair(a, b);
        SkBuffContext ctx = SkBuffContext.of(packet(60));
        Engines.Outcome[] whole = p.run(ctx, 0);
        assertEquals(0L, whole[0].r0(), whole[0].toString());
        long full = whole[0].instructions();
        for (long budget = full - 12; budget <= full + 1; budget++) {
            Engines.Outcome[] o = p.run(ctx, budget);
            assertTrue(o[0].sameAs(o[1]), "budget " + budget + ": interpreter " + o[0] + " / jit " + o[1]);
        }
    }

    @Test
    void aFactTheVerifierDidNotProveCannotLeaveThePacketsArray() {
        // an access 5000 bytes past data declared proven: it must still end in the VM's fault, not a JVM crash
        List<Instruction> far = List.of(i(LDX | MEM | W, 2, 1, 0, 0), i(LDX | MEM | W, 0, 2, 5000, 0), Instruction.exit());
        VmProgram p = Engines.vm(VmOptions.defaults(), Engine.JIT).program("far", ProgramType.XDP, far);
        p.verified(new VerifiedProgram(far, List.of(0), List.of(0), 1, 3, List.of(1), ""));
        BpfRuntimeException e = assertThrows(BpfRuntimeException.class, () -> p.run(XdpContext.of(packet(60))));
        assertEquals(1, e.instruction(), e.getMessage());
    }

    @Test
    void factsOfOtherInstructionsAreRefused() {
        VmProgram p = Engines.vm(VmOptions.defaults(), Engine.JIT).program("checksum", ProgramType.XDP, CHECKSUM);
        VerifiedProgram other = verify(REWRITE, ProgramType.XDP);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.verified(other));
        assertTrue(e.getMessage().contains("differ"), e.getMessage());
    }

    @Test
    void aLoopHeadChecksTheBudgetOncePerIteration() {
        // a runaway loop with a packet load in it taken as proven still stops at the budget, at the interpreter's
        // instruction
        List<Instruction> spin = List.of(
                i(LDX | MEM | W, 2, 1, 0, 0),
                i(LDX | MEM | W, 3, 1, 4, 0),
                Instruction.mov64Reg(4, 2),
                i(ALU64 | ADD | K, 4, 0, 0, 1),
                i(JMP | JGT | X, 4, 3, 3, 0),
                i(LDX | MEM | B, 0, 2, 0, 0), // 5
                Instruction.ja(-2),
                Instruction.exit(),
                Instruction.mov64(0, 0),
                Instruction.exit());
        VmProgram a = Engines.vm(VmOptions.defaults(), Engine.INTERPRETER).program("spin", ProgramType.XDP, spin);
        VmProgram b = Engines.vm(VmOptions.defaults(), Engine.JIT).program("spin", ProgramType.XDP, spin);
        // the verifier refuses the endless loop; the fact it would have proven is given by hand
        b.verified(new VerifiedProgram(spin, List.of(0), List.of(0), 1, 10, List.of(5), ""));
        Pair p = new Pair(a, b);
        for (long budget : new long[] {1_000, 1_001, 1_002, 12_345, 100_000}) {
            Engines.Outcome[] o = p.run(XdpContext.of(packet(60)), budget);
            assertTrue(o[1].faulted() && o[0].sameAs(o[1]), "budget " + budget + ": interpreter " + o[0] + " / jit " + o[1]);
            assertTrue(o[1].message().contains("budget"), o[1].message());
        }
    }
}
