package dev.ebpf4j.vm.jit;

import static dev.ebpf4j.object.insn.Opcode.*;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.vm.BpfLoadException;
import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.MemoryContext;
import dev.ebpf4j.vm.verifier.Verifier;
import dev.ebpf4j.vm.verifier.VerifierException;
import dev.ebpf4j.vm.verifier.VerifierOptions;

/**
 * Differential testing: random and mutated programs run on the interpreter and on the JIT. Whenever the verifier
 * accepts a program, both engines must agree exactly (r0 and instruction count, or fault type, instruction and
 * message). Programs the verifier refuses must still never crash either engine or hang (the budget stops them), and
 * must agree too unless they make BPF-to-BPF calls: a callee that reads the caller's r0/r6-r9, or a caller that
 * reads r1-r5 after a call, sees the interpreter's shared register file but the JIT's separate JVM locals (the
 * verifier refuses both).
 */
class JitDifferentialPropertiesTest {
    private static final VmOptions OPTIONS = VmOptions.defaults().withInstructionBudget(20_000).withRandomSeed(3)
            .withClock(() -> 1_000_000_007L); // a mutated call may reach bpf_ktime_get_*: same time on both engines

    private static BpfVm vm(Engine e) {
        return Engines.vm(OPTIONS.withHelpers(OPTIONS.helpers().with(5, (c, a1, a2, a3, a4, a5) -> a1 * 3 + a2)), e);
    }

    private static final byte[] MEMORY = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, -1, -2, -3, -4, -5, -6, -7, -8,
            0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77};

    /** Runs {@code insns} on both engines; returns true when they agreed. */
    static boolean compare(List<Instruction> insns, byte[] memory, boolean mustAgree) {
        boolean verified;
        try {
            Verifier.verify(insns, VerifierOptions.conformance());
            verified = true;
        } catch (VerifierException e) {
            verified = false;
        }
        // fresh VMs: addresses (and so fault messages) depend on what a VM loaded before
        VmProgram a;
        VmProgram b;
        try {
            a = vm(Engine.INTERPRETER).program("diff", ProgramType.UNSPEC, insns);
        } catch (BpfLoadException e) {
            Statistics.label("outcome").collect("refused at load");
            return true;
        }
        b = vm(Engine.JIT).program("diff", ProgramType.UNSPEC, insns);
        Engines.Outcome x = Engines.Outcome.of(() -> a.run(MemoryContext.of(memory.clone())));
        Engines.Outcome y = Engines.Outcome.of(() -> b.run(MemoryContext.of(memory.clone())));
        for (Engines.Outcome o : List.of(x, y)) {
            if (o.faulted() && !o.exception().equals(BpfRuntimeException.class.getName())) {
                throw new AssertionError("not a BpfRuntimeException: " + o + " for\n" + listing(insns));
            }
            if (o.faulted() && o.message().contains("internal error")) {
                throw new AssertionError("an internal error: " + o + " for\n" + listing(insns));
            }
        }
        boolean calls = insns.stream().anyMatch(i -> i.isBpfToBpfCall() || i.isCallx());
        boolean agree = x.sameAs(y);
        Statistics.label("outcome").collect((verified ? "verified, " : "refused by the verifier, ") + (x.faulted() ? "fault" : "r0"));
        Statistics.label("agreement").collect(agree ? "agree" : "differ (BPF-to-BPF calls, unverified)");
        if (!agree && (verified || !calls || mustAgree)) {
            throw new AssertionError("interpreter " + x + "\njit " + y + "\nverified " + verified + "\n" + listing(insns));
        }
        return agree;
    }

    static String listing(List<Instruction> insns) {
        StringBuilder sb = new StringBuilder();
        for (Instruction i : insns) {
            sb.append("  ").append(i).append('\n');
        }
        return sb.toString();
    }

    // ---- structured programs the verifier mostly accepts ----

    @Provide
    Arbitrary<Instruction> bodyInstruction() {
        Arbitrary<Integer> reg = Arbitraries.integers().between(0, 9);
        Arbitrary<Integer> imm = Arbitraries.oneOf(Arbitraries.integers().between(-70, 70), Arbitraries.integers(),
                Arbitraries.of(0, 1, -1, 16, 31, 32, 63, 64, Integer.MIN_VALUE, Integer.MAX_VALUE));
        Arbitrary<Integer> aluOp = Arbitraries.of(ADD, SUB, MUL, DIV, OR, AND, LSH, RSH, NEG, MOD, XOR, MOV, ARSH);
        Arbitrary<Integer> cls = Arbitraries.of(ALU, ALU64);
        Arbitrary<Integer> size = Arbitraries.of(B, H, W, DW);
        Arbitrary<Integer> slot = Arbitraries.integers().between(1, 16);
        Arbitrary<Integer> fwd = Arbitraries.integers().between(0, 6);
        Arbitrary<Integer> jmpOp = Arbitraries.of(JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE);
        return Arbitraries.frequencyOf(
                Tuple.of(10, Combinators.combine(aluOp, cls, reg, imm).as((op, c, d, k) ->
                        Instruction.of(c | op | K, d, 0, 0, (op == LSH || op == RSH || op == ARSH) ? Math.floorMod(k, c == ALU ? 32 : 64) : k))),
                Tuple.of(10, Combinators.combine(aluOp, cls, reg, reg).as((op, c, d, s) ->
                        Instruction.of(c | op | (op == NEG ? K : X), d, op == NEG ? 0 : s, 0, 0))),
                Tuple.of(2, Combinators.combine(Arbitraries.of(DIV, MOD), cls, reg, reg, imm).as((op, c, d, s, k) ->
                        k % 2 == 0 ? Instruction.of(c | op | X, d, s, 1, 0) : Instruction.of(c | op | K, d, 0, 1, k))),
                Tuple.of(2, Combinators.combine(cls, reg, reg, Arbitraries.of(8, 16, 32)).as((c, d, s, o) ->
                        Instruction.of(c | MOV | X, d, s, c == ALU && o == 32 ? 0 : o, 0))),
                Tuple.of(2, Combinators.combine(reg, Arbitraries.of(16, 32, 64), Arbitraries.of(ALU | END | TO_LE, ALU | END | TO_BE, ALU64 | END))
                        .as((d, w, op) -> Instruction.of(op, d, 0, 0, w))),
                Tuple.of(4, Combinators.combine(reg, Arbitraries.longs()).as(Instruction::loadImm64)),
                Tuple.of(6, Combinators.combine(size, reg, slot, Arbitraries.of(false, true)).as((sz, d, s, sx) ->
                        Instruction.of(LDX | (sx && sz != DW ? MEMSX : MEM) | sz, d, 10, -8 * s, 0))),
                Tuple.of(5, Combinators.combine(size, reg, slot).as((sz, s, o) -> Instruction.of(STX | MEM | sz, 10, s, -8 * o, 0))),
                Tuple.of(3, Combinators.combine(size, slot, imm).as((sz, o, k) -> Instruction.of(ST | MEM | sz, 10, 0, -8 * o, k))),
                Tuple.of(2, Combinators.combine(Arbitraries.of(W, DW), reg, slot,
                        Arbitraries.of(ATOMIC_ADD, ATOMIC_OR, ATOMIC_AND, ATOMIC_XOR, ATOMIC_ADD | FETCH, ATOMIC_OR | FETCH,
                                ATOMIC_AND | FETCH, ATOMIC_XOR | FETCH, XCHG, CMPXCHG))
                        .as((sz, s, o, k) -> Instruction.of(STX | ATOMIC | sz, 10, s, -8 * o, k))),
                Tuple.of(3, Combinators.combine(size, reg, Arbitraries.integers().between(0, 24)).as((sz, d, o) ->
                        Instruction.of(LDX | MEM | sz, d, 1, Math.min(o, 32 - (sz == DW ? 8 : sz == W ? 4 : sz == H ? 2 : 1)), 0))),
                Tuple.of(6, Combinators.combine(jmpOp, Arbitraries.of(JMP, JMP32), reg, imm, fwd).as((op, c, d, k, o) ->
                        Instruction.of(c | op | K, d, 0, o, k))),
                Tuple.of(6, Combinators.combine(jmpOp, Arbitraries.of(JMP, JMP32), reg, reg, fwd).as((op, c, d, s, o) ->
                        Instruction.of(c | op | X, d, s, o, 0))),
                Tuple.of(1, fwd.map(Instruction::ja)),
                Tuple.of(1, fwd.map(o -> Instruction.of(GOTOL_OP, 0, 0, 0, o))),
                Tuple.of(1, Arbitraries.just(Instruction.callHelper(5))));
    }

    /** r1 = memory (kept in r9 too), every other register and 128 bytes of stack initialised, then the body. */
    static List<Instruction> structured(List<Instruction> body, List<Long> init, int loops) {
        List<Instruction> insns = new ArrayList<>();
        insns.add(Instruction.mov64Reg(9, 1));
        for (int r = 0; r <= 8; r++) {
            if (r != 1) {
                insns.add(Instruction.loadImm64(r, init.get(r)));
            }
        }
        for (int s = 1; s <= 16; s++) {
            insns.add(Instruction.of(STX | MEM | DW, 10, s % 9 == 1 ? 0 : s % 9, -8 * s, 0));
        }
        if (loops > 0) {
            // a bounded loop around the body: r6 counts down in a stack slot the body does not touch
            insns.add(Instruction.of(ST | MEM | DW, 10, 0, -256, loops));
        }
        int loopStart = Instructions.slotCount(insns);
        for (Instruction i : body) {
            insns.add(i.opcode() == (LDX | MEM | i.size()) && i.src() == 1 ? Instruction.of(i.opcode(), i.dst(), 9, i.off(), 0) : i);
        }
        if (loops > 0) {
            insns.add(Instruction.of(LDX | MEM | DW, 1, 10, -256, 0));
            insns.add(Instruction.of(ALU64 | SUB | K, 1, 0, 0, 1));
            insns.add(Instruction.of(STX | MEM | DW, 10, 1, -256, 0));
            int here = Instructions.slotCount(insns);
            insns.add(Instruction.of(JMP | JNE | K, 1, 0, loopStart - here - 1, 0));
        }
        insns.add(Instruction.exit());
        // forward jumps past the end land on the exit, jumps into a lddw on the instruction after it
        List<Instruction> out = new ArrayList<>();
        java.util.Set<Integer> secondSlots = new java.util.HashSet<>();
        int at = 0;
        for (Instruction i : insns) {
            if (i.isLoadImm64()) {
                secondSlots.add(at + 1);
            }
            at += i.slots();
        }
        int slot = 0;
        int total = Instructions.slotCount(insns);
        for (Instruction i : insns) {
            if (i.hasJumpTarget() && !i.isBpfToBpfCall()) {
                int rel = i.jumpOffset();
                if (secondSlots.contains(slot + 1 + rel)) {
                    rel++;
                }
                if (slot + 1 + rel >= total) {
                    rel = total - 1 - slot - 1;
                }
                i = i.opcode() == GOTOL_OP ? i.withImm(rel) : i.withOff(rel);
            }
            out.add(i);
            slot += i.slots();
        }
        return out;
    }

    @Property(tries = 3000, edgeCases = net.jqwik.api.EdgeCasesMode.NONE)
    void structuredProgramsAgree(@ForAll @Size(min = 1, max = 40) List<@net.jqwik.api.From("bodyInstruction") Instruction> body,
                                 @ForAll @Size(9) List<Long> init, @ForAll("loops") int loops) {
        compare(structured(body, init, loops), MEMORY, false);
    }

    @Provide
    Arbitrary<Integer> loops() {
        return Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 50)));
    }

    // ---- mutated conformance programs ----

    private static final List<JitConformanceTest.Case> SEEDS = seeds();

    private static List<JitConformanceTest.Case> seeds() {
        try {
            if (System.getProperty("ebpf4j.conformance.dir") == null) {
                return List.of();
            }
            List<JitConformanceTest.Case> out = new ArrayList<>();
            for (Path f : JitConformanceTest.files()) {
                out.add(JitConformanceTest.parse(f));
            }
            return out;
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    record Mutation(int where, int field, int value) {}

    @Provide
    Arbitrary<Mutation> mutation() {
        return Combinators.combine(Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(0, 5),
                Arbitraries.oneOf(Arbitraries.integers().between(-20, 20), Arbitraries.integers())).as(Mutation::new);
    }

    @Property(tries = 2000, edgeCases = net.jqwik.api.EdgeCasesMode.NONE)
    void mutatedConformanceProgramsAgree(@ForAll("seedIndex") int seed, @ForAll @Size(max = 3) List<@net.jqwik.api.From("mutation") Mutation> mutations) {
        if (SEEDS.isEmpty()) {
            return;
        }
        JitConformanceTest.Case c = SEEDS.get(seed % SEEDS.size());
        List<Instruction> insns = new ArrayList<>(Instructions.decode(c.program()));
        for (Mutation m : mutations) {
            int k = m.where() % insns.size();
            Instruction i = insns.get(k);
            int v = m.value();
            Instruction changed = switch (m.field()) {
                case 0 -> i.isLoadImm64() ? i : i.withImm(v);
                case 1 -> i.withOff((short) v);
                case 2 -> i.isLoadImm64() ? i : Instruction.of(i.opcode(), Math.floorMod(v, 10), i.src(), i.off(), i.imm());
                case 3 -> i.isLoadImm64() || i.isCall() ? i : Instruction.of(i.opcode(), i.dst(), Math.floorMod(v, 11), i.off(), i.imm());
                case 4 -> i.isLoadImm64() ? i : Instruction.of((i.opcode() & 0x0f) | (Math.floorMod(v, 16) << 4), i.dst(), i.src(), i.off(), i.imm());
                default -> i.isLoadImm64() ? i : Instruction.of(Math.floorMod(v, 256) == 0x18 ? i.opcode() : Math.floorMod(v, 256),
                        i.dst(), i.src(), i.off(), i.imm());
            };
            insns.set(k, changed);
        }
        byte[] mem = c.memory().length == 0 ? MEMORY : c.memory();
        compare(insns, mem, false);
    }

    @Provide
    Arbitrary<Integer> seedIndex() {
        return Arbitraries.integers().between(0, 10_000);
    }
}
