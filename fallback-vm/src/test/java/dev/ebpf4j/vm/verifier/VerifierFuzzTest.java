package dev.ebpf4j.vm.verifier;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.ConformancePrograms;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Whatever it is given, the verifier either accepts or throws {@link VerifierException}, and finishes quickly.
 */
class VerifierFuzzTest {
    private static final long BUDGET_NANOS = 5_000_000_000L;

    private static final List<VerifierOptions> SEED_OPTIONS = new ArrayList<>();
    private static final List<List<Instruction>> SEEDS = seeds();

    private static List<List<Instruction>> seeds() {
        List<List<Instruction>> out = new ArrayList<>();
        for (Path p : TestObjects.exampleObjects()) {
            ObjectSpec o = ObjectSpec.open(p);
            for (ProgramSpec prog : o.programs()) {
                out.add(prog.linkedInstructions());
                SEED_OPTIONS.add(VerifierOptions.forProgram(o, prog));
            }
        }
        if (System.getProperty("ebpf4j.conformance.dir") != null) {
            for (ConformancePrograms.Program c : ConformancePrograms.all()) {
                out.add(Instructions.decode(c.bytes()));
                SEED_OPTIONS.add(VerifierOptions.conformance());
            }
        }
        return out;
    }

    static final MapInfo HASH = MapInfo.of("h", MapType.HASH, 4, 8, 16, false);
    static final MapInfo ARRAY = MapInfo.of("a", MapType.ARRAY, 4, 16, 1, false);

    /** Runs the verifier and checks the only outcomes allowed. */
    static void verifyOnly(List<Instruction> insns, VerifierOptions options) {
        long start = System.nanoTime();
        try {
            VerifiedProgram v = Verifier.verify(insns, options);
            assertTrue(v.processedInsns() <= options.maxProcessed());
            Statistics.collect("accepted");
        } catch (VerifierException e) {
            Statistics.collect(e.reason().replaceAll("-?[0-9]+", "N").replaceAll("'.*'|\\(.*\\)", "").trim());
            assertTrue(e.insnIndex() >= -1 && e.insnIndex() < Instructions.slotCount(insns) + 1, e.getMessage());
            assertTrue(!e.reason().isEmpty());
            assertTrue(!e.reason().startsWith("internal verifier error"), e.getMessage());
        }
        long took = System.nanoTime() - start;
        assertTrue(took < BUDGET_NANOS, "verification took " + took / 1_000_000 + " ms");
    }

    @Provide
    Arbitrary<Instruction> anyInstruction() {
        Arbitrary<Integer> reg = Arbitraries.integers().between(0, 11);
        Arbitrary<Integer> opcode = Arbitraries.oneOf(Arbitraries.integers().between(0, 255),
                Arbitraries.of(0x07, 0x0f, 0xb7, 0xbf, 0x15, 0x1d, 0x25, 0x2d, 0x55, 0x05, 0x85, 0x95, 0x61, 0x79,
                        0x63, 0x7b, 0x72, 0x7a, 0xdb, 0xc3, 0x57, 0x67, 0x77, 0x18, 0xa5, 0xb5, 0x16, 0x26, 0xe5));
        Arbitrary<Integer> off = Arbitraries.oneOf(Arbitraries.integers().between(-16, 16),
                Arbitraries.of(-512, -520, -8, -4, 0, 8, (int) Short.MIN_VALUE, (int) Short.MAX_VALUE));
        Arbitrary<Integer> imm = Arbitraries.oneOf(Arbitraries.integers().between(-16, 200),
                Arbitraries.of(Integer.MIN_VALUE, Integer.MAX_VALUE, 64, 32, 16, 181, 131, 132, 999, 0x1234));
        return Combinators.combine(opcode, reg, Arbitraries.integers().between(0, 11), off, imm)
                .as((op, dst, src, o, i) -> op == 0x18
                        ? Instruction.loadImm64(dst, src % 7, i, o)
                        : Instruction.of(op, dst, src, o, i));
    }

    @Provide
    Arbitrary<VerifierOptions> anyOptions() {
        return Arbitraries.of(VerifierOptions.conformance(), VerifierOptions.of(ProgramType.KPROBE),
                        VerifierOptions.of(ProgramType.XDP), VerifierOptions.of(ProgramType.SOCKET_FILTER),
                        VerifierOptions.of(ProgramType.SCHED_CLS), VerifierOptions.of(ProgramType.TRACEPOINT))
                .map(o -> o.withMap(0, HASH).withMap(1, ARRAY).withMap(2,
                        MapInfo.of("rb", MapType.RINGBUF, 0, 0, 4096, false)).withMaxProcessed(200_000));
    }

    /** Instructions that pass the field checks, so that programs reach the dataflow pass. */
    @Provide
    Arbitrary<Instruction> wellFormed() {
        Arbitrary<Integer> reg = Arbitraries.integers().between(0, 9);
        Arbitrary<Integer> base = Arbitraries.of(0, 1, 2, 6, 10);
        Arbitrary<Integer> small = Arbitraries.integers().between(-3, 3);
        Arbitrary<Integer> stackOff = Arbitraries.of(-520, -512, -16, -8, -4, -1, 0, 4, 8, 16);
        Arbitrary<Integer> imm = Arbitraries.oneOf(Arbitraries.integers().between(-4, 64),
                Arbitraries.of(0, 1, 2, 5, 7, 12, 14, 131, 132, 181, 999));
        Arbitrary<Integer> aluOp = Arbitraries.of(0x00, 0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0x90, 0xa0, 0xb0,
                0xc0);
        Arbitrary<Integer> jmpOp = Arbitraries.of(0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0);
        Arbitrary<Integer> size = Arbitraries.of(0x00, 0x08, 0x10, 0x18);
        return Arbitraries.oneOf(
                Combinators.combine(aluOp, Arbitraries.of(0x04, 0x07), reg, imm)
                        .as((op, cls, d, i) -> Instruction.of(op | cls, d, 0, 0, i)),
                Combinators.combine(aluOp, Arbitraries.of(0x0c, 0x0f), reg, Arbitraries.integers().between(0, 10))
                        .as((op, cls, d, sr) -> Instruction.of(op | cls, d, sr, 0, 0)),
                Combinators.combine(size, reg, base, stackOff)
                        .as((sz, d, b, o) -> Instruction.of(0x61 | sz, d, b, o, 0)),
                Combinators.combine(size, base, reg, stackOff)
                        .as((sz, b, sr, o) -> Instruction.of(0x63 | sz, b, sr, o, 0)),
                Combinators.combine(size, base, stackOff, imm)
                        .as((sz, b, o, i) -> Instruction.of(0x62 | sz, b, 0, o, i)),
                Combinators.combine(jmpOp, reg, small, imm)
                        .as((op, d, o, i) -> Instruction.of(op | 0x05, d, 0, o, i)),
                Combinators.combine(jmpOp, reg, reg, small)
                        .as((op, d, sr, o) -> Instruction.of(op | 0x0d, d, sr, o, 0)),
                imm.map(Instruction::callHelper),
                small.map(Instruction::callBpf),
                Arbitraries.of(0, 1, 2).map(fd -> Instruction.loadMapFd(1, fd)),
                reg.map(d -> Instruction.mov64Reg(d, 10)),
                Arbitraries.just(Instruction.exit()));
    }

    @Property(tries = 400)
    void wellFormedProgramsOnlyEverRaiseVerifierExceptions(
            @ForAll("wellFormedPrograms") List<Instruction> insns, @ForAll("anyOptions") VerifierOptions options) {
        verifyOnly(insns, options);
    }

    @Provide
    Arbitrary<List<Instruction>> wellFormedPrograms() {
        return wellFormed().list().ofMinSize(1).ofMaxSize(30).map(l -> {
            List<Instruction> out = new ArrayList<>();
            out.add(Instruction.mov64(0, 0));
            out.addAll(l);
            out.add(Instruction.exit());
            return out;
        });
    }

    @Property(tries = 400)
    void randomProgramsOnlyEverRaiseVerifierExceptions(
            @ForAll("programs") List<Instruction> insns, @ForAll("anyOptions") VerifierOptions options) {
        verifyOnly(insns, options);
    }

    @Provide
    Arbitrary<List<Instruction>> programs() {
        return anyInstruction().list().ofMinSize(0).ofMaxSize(40).map(l -> {
            List<Instruction> out = new ArrayList<>(l);
            if (!out.isEmpty() && out.size() % 2 == 0) {
                out.add(Instruction.exit()); // half of them end properly and get to the dataflow pass
            }
            return out;
        });
    }

    @Property(tries = 400)
    void mutatedRealProgramsOnlyEverRaiseVerifierExceptions(
            @ForAll("seedIndex") int seed, @ForAll("mutations") List<Mutation> mutations) {
        List<Instruction> insns = new ArrayList<>(SEEDS.get(seed));
        for (Mutation m : mutations) {
            m.apply(insns);
        }
        verifyOnly(insns, SEED_OPTIONS.get(seed).withMaxProcessed(200_000));
    }

    @Provide
    Arbitrary<Integer> seedIndex() {
        return Arbitraries.integers().between(0, SEEDS.size() - 1);
    }

    /** One edit of an instruction list. */
    record Mutation(int kind, int position, int value, Instruction insn) {
        void apply(List<Instruction> insns) {
            if (insns.isEmpty()) {
                insns.add(insn);
                return;
            }
            int i = Math.floorMod(position, insns.size());
            Instruction at = insns.get(i);
            switch (kind) {
                case 0 -> insns.set(i, insn);
                case 1 -> insns.add(i, insn);
                case 2 -> insns.remove(i);
                case 3 -> insns.set(i, at.withOff((short) value));
                case 4 -> insns.set(i, at.withImm(value));
                case 5 -> insns.set(i, at.withDst(Math.floorMod(value, 16)).withSrc(Math.floorMod(value >> 4, 16)));
                default -> insns.set(i, at.withOpcode(Math.floorMod(value, 256)));
            }
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> value = Arbitraries.oneOf(Arbitraries.integers().between(-600, 600),
                Arbitraries.integers().between(Short.MIN_VALUE, Short.MAX_VALUE));
        Arbitrary<Mutation> one = Combinators.combine(Arbitraries.integers().between(0, 6),
                Arbitraries.integers().between(0, 10_000), value, anyInstruction()).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(4);
    }

    @Property(tries = 20)
    void unmodifiedSeedsAreAccepted(@ForAll("seedIndex") int seed) {
        List<Instruction> insns = SEEDS.get(seed);
        VerifierOptions o = SEED_OPTIONS.get(seed);
        if (insns.stream().anyMatch(Instruction::isCallx)) {
            return; // the one documented refusal (callx.data)
        }
        Verifier.verify(insns, o);
    }
}
