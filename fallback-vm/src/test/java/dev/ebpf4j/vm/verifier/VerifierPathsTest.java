package dev.ebpf4j.vm.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static dev.ebpf4j.object.insn.Instruction.exit;
import static dev.ebpf4j.object.insn.Instruction.ja;
import static dev.ebpf4j.object.insn.Instruction.mov64;
import static dev.ebpf4j.object.insn.Instruction.mov64Reg;
import static dev.ebpf4j.object.insn.Opcode.*;
import static dev.ebpf4j.vm.verifier.VerifierRejectsTest.insn;

import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Programs the kernel accepts only because it explores paths separately (a bounded loop over the packet, a loop over
 * a ring buffer record, a parser whose header pointer differs by path), compiled by clang from
 * {@code src/test/c/paths_ok.bpf.c}, are accepted; their twins in {@code paths_bad.bpf.c}, each reading past what
 * its checks prove, are refused at the instruction and with the words the kernel's verifier uses for them.
 */
class VerifierPathsTest {

    static Path testObject(String name) {
        return TestObjects.repoDir().resolve("fallback-vm/src/test/c").resolve(name);
    }

    static VerifiedProgram verify(String object, String program) {
        ObjectSpec o = ObjectSpec.open(testObject(object));
        ProgramSpec p = o.program(program).orElseThrow();
        return Verifier.verify(p.linkedInstructions(), VerifierOptions.forProgram(o, p).withLogLevel(1));
    }

    static void refused(String program, int index, String reason) {
        VerifierException e = assertThrows(VerifierException.class, () -> verify("paths_bad.bpf.o", program));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(index, e.insnIndex(), e.getMessage());
    }

    @Test
    void boundedLoopOverThePacketIsAccepted() {
        VerifiedProgram v = verify("paths_ok.bpf.o", "checksum");
        // the loop is walked iteration by iteration, as the kernel walks it (750 iterations of 10 instructions)
        assertTrue(v.processedInsns() > 7_000 && v.processedInsns() < 100_000, v.log());
    }

    @Test
    void fillLoopOverARingBufferRecordIsAccepted() {
        VerifiedProgram v = verify("paths_ok.bpf.o", "fill_1k");
        assertTrue(v.processedInsns() > 128 * 5, v.log());
    }

    @Test
    void headerAtDifferentOffsetsOnDifferentPathsIsAccepted() {
        verify("paths_ok.bpf.o", "vlan_parser");
    }

    @Test
    void theBenchmarkObjectsTheVerifierUsedToRefuseAreAccepted() {
        for (String name : new String[] {"checksum.bpf.o", "ringbuf.bpf.o", "bench.bpf.o"}) {
            ObjectSpec o = ObjectSpec.open(TestObjects.repoDir().resolve("benchmarks/src/main/c").resolve(name));
            for (ProgramSpec p : o.programs()) {
                VerifiedProgram v = Verifier.verify(p.linkedInstructions(), VerifierOptions.forProgram(o, p));
                System.out.println(name + "/" + p.name() + ": processed " + v.processedInsns() + " insns");
            }
        }
        for (String program : new String[] {"checksum", "fill_1k", "vlan_parser"}) {
            System.out.println("paths_ok/" + program + ": processed " + verify("paths_ok.bpf.o", program).processedInsns()
                    + " insns");
        }
    }

    @Test
    void packetLoopWithoutTheDataEndCheckIsRefused() {
        refused("checksum_unchecked", 5, "invalid access to packet, off=0 size=2, R4(id=0,off=0,r=0)");
    }

    @Test
    void packetLoopReadingOneWordPastItsCheckIsRefused() {
        refused("checksum_off_by_one", 11, "invalid access to packet, off=2 size=2, R5(id=0,off=2,r=2)");
    }

    @Test
    void fillLoopOneWordPastTheRecordIsRefused() {
        refused("fill_1k_off_by_one", 8, "invalid access to memory, mem_size=1024 off=1024 size=8");
    }

    @Test
    void vlanPathWithoutItsCheckIsRefused() {
        refused("vlan_unchecked", 11, "invalid access to packet, off=16 size=2, R3(id=0,off=16,r=14)");
    }

    private static final VerifierOptions KPROBE = VerifierOptions.of(ProgramType.KPROBE);

    /** A path whose state an explored path does not cover is explored too, and its error found. */
    @Test
    void aStateThatIsNotCoveredIsExploredAndRefused() {
        // r0 = ctx[0]; r2 = fp; if r0 == 0 goto B; r2 += -8; goto W; B: r2 += -16; W: *(u64 *)(r2 + 0) = 0;
        // r0 = *(u64 *)(fp - 8); exit      (on path B fp-8 was never written)
        List<Instruction> p = List.of(insn(LDX | MEM | DW, 0, 1, 0, 0), mov64Reg(2, 10),
                insn(JMP | JEQ | K, 0, 0, 2, 0), insn(ALU64 | ADD | K, 2, 0, 0, -8), ja(1),
                insn(ALU64 | ADD | K, 2, 0, 0, -16), insn(ST | MEM | DW, 2, 0, 0, 0),
                insn(LDX | MEM | DW, 0, 10, -8, 0), exit());
        VerifierException e = assertThrows(VerifierException.class, () -> Verifier.verify(p, KPROBE));
        assertEquals(7, e.insnIndex(), e.getMessage());
        assertTrue(e.reason().startsWith("invalid read from stack"), e.getMessage());
        // with both paths writing fp-8 it is fine
        List<Instruction> ok = new ArrayList<>(p);
        ok.set(5, insn(ALU64 | ADD | K, 2, 0, 0, -8));
        Verifier.verify(ok, KPROBE);
    }

    /** Paths that meet in equal states are explored once: 40 diamonds in a row stay linear, not 2^40. */
    @Test
    void equalStatesArePruned() {
        List<Instruction> p = new ArrayList<>();
        p.add(insn(LDX | MEM | DW, 6, 1, 0, 0));
        p.add(mov64(3, 0));
        for (int i = 0; i < 40; i++) {
            p.add(insn(JMP | JSET | K, 6, 0, 1, 1 << (i % 31))); // if r6 & bit skip the next
            p.add(mov64(3, 0));
        }
        p.add(mov64Reg(0, 3));
        p.add(exit());
        VerifiedProgram v = Verifier.verify(p, KPROBE.withLogLevel(1));
        assertTrue(v.processedInsns() < 500, v.log());
    }

    /**
     * A loop whose states never repeat (a counter against an unknown bound): after 4096 distinct states at the loop
     * head the verifier joins and widens there, so it still ends, well within the budget (the kernel would walk it
     * until "BPF program is too large"; in the VM the run-time instruction budget stops a runaway run).
     */
    @Test
    void aLoopWithoutABoundStillReachesAFixedPoint() {
        // r6 = ctx[0]; r0 = 0; loop: r0 += 1; if r0 != r6 goto loop; r0 = 0; exit
        List<Instruction> p = List.of(insn(LDX | MEM | DW, 6, 1, 0, 0), mov64(0, 0),
                insn(ALU64 | ADD | K, 0, 0, 0, 1), insn(JMP | JNE | X, 0, 6, -2, 0), mov64(0, 0), exit());
        VerifiedProgram v = Verifier.verify(p, KPROBE);
        assertTrue(v.processedInsns() > Analyzer.MAX_STATES_PER_POINT && v.processedInsns() < 100_000,
                "processed " + v.processedInsns());
    }

    /** {@code data_end - data}, the packet length in many C programs: the kernel takes it (privileged), so does the VM. */
    @Test
    void packetEndMinusPacketIsTheLength() {
        // r2 = ctx->data; r1 = ctx->data_end; r1 -= r2; r0 = 1; if r1 > 100 goto +1; r0 = 2; exit
        List<Instruction> p = List.of(insn(LDX | MEM | W, 2, 1, 0, 0), insn(LDX | MEM | W, 1, 1, 4, 0),
                insn(ALU64 | SUB | X, 1, 2, 0, 0), mov64(0, 1), insn(JMP | JGT | K, 1, 0, 1, 100), mov64(0, 2), exit());
        Verifier.verify(p, VerifierOptions.of(ProgramType.XDP));
        dev.ebpf4j.vm.VmProgram prog = dev.ebpf4j.vm.BpfVm.create().program("len", ProgramType.XDP, p);
        assertEquals(2, prog.run(dev.ebpf4j.vm.context.XdpContext.of(new byte[100])).retval());
        assertEquals(1, prog.run(dev.ebpf4j.vm.context.XdpContext.of(new byte[101])).retval());
    }

    /**
     * The packet range of a live pointer takes part in pruning: the path proving 20 bytes is explored first, the path
     * proving 10 reaches the same load of byte 15 later and must not be pruned by it.
     */
    @Test
    void aShorterPacketRangeIsNotCoveredByALongerOne() {
        // r2 = data; r3 = data_end; r6 = ingress_ifindex; r4 = r2; if r6 != 0 goto A;
        // B: r4 += 10; if r4 > r3 goto out; goto L;  A: r4 += 20; if r4 > r3 goto out;
        // L: r0 = *(u8 *)(r2 + 15); r0 = 2; exit;  out: r0 = 1; exit
        List<Instruction> p = new ArrayList<>(List.of(insn(LDX | MEM | W, 2, 1, 0, 0), insn(LDX | MEM | W, 3, 1, 4, 0),
                insn(LDX | MEM | W, 6, 1, 12, 0), mov64Reg(4, 2), insn(JMP | JNE | K, 6, 0, 3, 0),
                insn(ALU64 | ADD | K, 4, 0, 0, 10), insn(JMP | JGT | X, 4, 3, 6, 0), ja(2),
                insn(ALU64 | ADD | K, 4, 0, 0, 20), insn(JMP | JGT | X, 4, 3, 3, 0),
                insn(LDX | MEM | B, 0, 2, 15, 0), mov64(0, 2), exit(), mov64(0, 1), exit()));
        VerifierException e = assertThrows(VerifierException.class,
                () -> Verifier.verify(p, VerifierOptions.of(ProgramType.XDP)));
        assertEquals("insn 10: invalid access to packet, off=15 size=1, R2(id=0,off=15,r=10)", e.getMessage());
        p.set(10, insn(LDX | MEM | B, 0, 2, 9, 0));
        Verifier.verify(p, VerifierOptions.of(ProgramType.XDP));
    }
}
