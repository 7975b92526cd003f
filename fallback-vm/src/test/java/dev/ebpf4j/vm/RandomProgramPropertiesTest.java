package dev.ebpf4j.vm;

import static dev.ebpf4j.object.insn.Opcode.*;

import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.context.MemoryContext;
import dev.ebpf4j.vm.context.XdpContext;

/**
 * Random instruction sequences either run to completion, or are refused at load, or stop with a
 * BpfRuntimeException: never another exception, never a hang (the instruction budget bounds every run).
 */
class RandomProgramPropertiesTest {
    private static final BpfVm VM = new BpfVm(VmOptions.defaults().withInstructionBudget(20_000));

    private static final int[] OPCODES;

    static {
        List<Integer> ops = new ArrayList<>();
        for (int cls : new int[] {ALU, ALU64}) {
            for (int op = 0; op <= 0xd0; op += 0x10) {
                ops.add(cls | op | K);
                if (op != NEG && !(op == END && cls == ALU64)) {
                    ops.add(cls | op | X);
                }
            }
        }
        for (int cls : new int[] {JMP, JMP32}) {
            for (int op = 0; op <= 0xe0; op += 0x10) {
                if (cls == JMP32 && (op == CALL || op == EXIT || op == JCOND)) {
                    continue;
                }
                ops.add(cls | op | K);
                if (op != JA && op != EXIT && op != JCOND) {
                    ops.add(cls | op | X);
                }
            }
        }
        for (int size : new int[] {B, H, W, DW}) {
            ops.add(LDX | MEM | size);
            if (size != DW) {
                ops.add(LDX | MEMSX | size);
                ops.add(LD | ABS | size);
                ops.add(LD | IND | size);
            }
            ops.add(ST | MEM | size);
            ops.add(STX | MEM | size);
            ops.add(STX | ATOMIC | size);
        }
        ops.add(LD_IMM64);
        OPCODES = ops.stream().mapToInt(Integer::intValue).toArray();
    }

    @Provide
    Arbitrary<Instruction> instruction() {
        Arbitrary<Integer> opcode = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(30, Arbitraries.of(toList(OPCODES))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 255)));
        Arbitrary<Integer> dstReg = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(200, Arbitraries.integers().between(0, 9)),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(10)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(11, 15)));
        Arbitrary<Integer> reg = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(200, Arbitraries.integers().between(0, 10)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(11, 15)));
        Arbitrary<Integer> memOff = Arbitraries.oneOf(Arbitraries.integers().between(-16, 16),
                Arbitraries.of(-512, -8, -4, 1, 8, 16, 32, 64, 0x7fff, -0x8000));
        Arbitrary<Integer> aluOff = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(60, Arbitraries.just(0)),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(1, 8, 16, 32)), net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-4, 40)));
        Arbitrary<Integer> jumpOff = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(20, Arbitraries.integers().between(0, 4)),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(-6, -1)), net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(-50, 50)));
        Arbitrary<Integer> imm = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, Arbitraries.of(16, 32, 64)),
                net.jqwik.api.Tuple.of(10, Arbitraries.oneOf(Arbitraries.integers().between(-8, 70),
                Arbitraries.of(0, 1, 5, 6, 7, 12, 16, 32, 64, 113, 181, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x100, 0x110,
                        0xe1, 0xf1, 0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1),
                Arbitraries.integers())));
        return Combinators.combine(opcode, dstReg, reg, Combinators.combine(memOff, aluOff, jumpOff).as(List::of), imm,
                Arbitraries.integers()).as((o, d, s, offs, im, next) -> {
                    int cls = o & CLASS_MASK;
                    int off = cls == ALU || cls == ALU64 ? offs.get(1) : cls == JMP || cls == JMP32 ? offs.get(2) : offs.get(0);
                    if (o == LD_IMM64) {
                        return new Instruction(o, d, s % 7 == 4 ? 0 : s % 7, (short) 0, im, next);
                    }
                    if (o == CALL_OP) {
                        return new Instruction(o, 0, s % 2 == 0 ? 0 : 1, (short) 0, s % 2 == 0 ? im : off, 0);
                    }
                    boolean fix = Math.floorMod(next, 10) != 0;
                    if (fix && (o & OP_MASK) == END && (cls == ALU || cls == ALU64)) {
                        im = 16 << Math.floorMod(im, 3);
                    }
                    if (fix && (o & ~SIZE_MASK) == (STX | ATOMIC)) {
                        int[] valid = {ATOMIC_ADD, ATOMIC_OR, ATOMIC_AND, ATOMIC_XOR, ATOMIC_ADD | FETCH, ATOMIC_OR | FETCH,
                                ATOMIC_AND | FETCH, ATOMIC_XOR | FETCH, XCHG, CMPXCHG, LOAD_ACQ, STORE_REL};
                        im = valid[Math.floorMod(im, valid.length)];
                    }
                    return new Instruction(o, d, s, (short) off, im, 0);
                });
    }

    @Provide
    Arbitrary<Boolean> mostly() {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(9, Arbitraries.just(true)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(false)));
    }

    /** Points every jump and local call at an instruction of the program (the generator's targets mostly miss). */
    static List<Instruction> repairTargets(List<Instruction> insns) {
        List<Integer> starts = new ArrayList<>();
        int slot = 0;
        for (Instruction i : insns) {
            starts.add(slot);
            slot += i.slots();
        }
        List<Instruction> out = new ArrayList<>();
        for (int k = 0; k < insns.size(); k++) {
            Instruction i = insns.get(k);
            if (i.hasJumpTarget()) {
                int at = starts.get(k);
                int want = starts.get(Math.floorMod(k + 1 + i.jumpOffset(), insns.size()));
                int rel = want - at - 1;
                i = i.opcode() == GOTOL_OP || i.isBpfToBpfCall() ? i.withImm(rel) : i.withOff(rel);
            }
            out.add(i);
        }
        return out;
    }

    private static List<Integer> toList(int[] a) {
        List<Integer> l = new ArrayList<>();
        for (int i : a) {
            l.add(i);
        }
        return l;
    }

    @Property(tries = 3000, edgeCases = net.jqwik.api.EdgeCasesMode.NONE)
    void randomProgramsEndCleanly(@ForAll @Size(min = 1, max = 25) List<@net.jqwik.api.From("instruction") Instruction> body,
                                  @ForAll boolean xdp, @ForAll("mostly") boolean repair) {
        List<Instruction> insns = new ArrayList<>(body);
        insns.add(Instruction.exit());
        if (repair) {
            insns = repairTargets(insns);
        }
        VmProgram p;
        try {
            p = VM.program("random", xdp ? ProgramType.XDP : ProgramType.SOCKET_FILTER, insns);
        } catch (BpfLoadException refused) {
            net.jqwik.api.statistics.Statistics.collect("refused");
            return;
        }
        try {
            if (xdp) {
                p.run(XdpContext.of(new byte[64]));
            } else {
                p.run(MemoryContext.of(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}));
            }
            net.jqwik.api.statistics.Statistics.collect("completed");
        } catch (BpfRuntimeException stopped) {
            net.jqwik.api.statistics.Statistics.collect("stopped");
            if (stopped.getMessage() == null || stopped.getMessage().isBlank()) {
                throw new AssertionError("a runtime fault without a message", stopped);
            }
            if (stopped.getMessage().contains("internal error")) {
                throw new AssertionError("an unexpected exception escaped into a BpfRuntimeException", stopped);
            }
        }
    }
}
