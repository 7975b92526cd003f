package dev.ebpf4j.vm.verifier;

import static dev.ebpf4j.object.insn.Instruction.callBpf;
import static dev.ebpf4j.object.insn.Instruction.callHelper;
import static dev.ebpf4j.object.insn.Instruction.exit;
import static dev.ebpf4j.object.insn.Instruction.ja;
import static dev.ebpf4j.object.insn.Instruction.loadMapFd;
import static dev.ebpf4j.object.insn.Instruction.mov64;
import static dev.ebpf4j.object.insn.Instruction.mov64Reg;
import static dev.ebpf4j.object.insn.Opcode.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;

/** One refused program per check, asserting the instruction index and the reason. */
class VerifierRejectsTest {

    static final VerifierOptions KPROBE = VerifierOptions.of(ProgramType.KPROBE);
    static final VerifierOptions XDP = VerifierOptions.of(ProgramType.XDP);
    static final MapInfo HASH = MapInfo.of("h", MapType.HASH, 4, 8, 16, false);
    static final MapInfo ARRAY = MapInfo.of("a", MapType.ARRAY, 4, 8, 1, false);
    static final MapInfo RODATA = MapInfo.of(".rodata", MapType.ARRAY, 4, 8, 1, true);
    static final MapInfo RINGBUF = MapInfo.of("rb", MapType.RINGBUF, 0, 0, 4096, false);

    static Instruction insn(int opcode, int dst, int src, int off, int imm) {
        return Instruction.of(opcode, dst, src, off, imm);
    }

    static List<Instruction> prog(Instruction... insns) {
        return List.of(insns);
    }

    static void refused(List<Instruction> p, VerifierOptions o, int index, String reason) {
        VerifierException e = assertThrows(VerifierException.class, () -> Verifier.verify(p, o));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(index, e.insnIndex(), e.getMessage());
        assertEquals(index >= 0 ? "insn " + index + ": " + reason : reason, e.getMessage());
    }

    static void accepted(List<Instruction> p, VerifierOptions o) {
        Verifier.verify(p, o);
    }

    /** r2 = fp - off (for keys). */
    static Instruction[] fpAt(int reg, int off) {
        return new Instruction[] {mov64Reg(reg, 10), insn(ALU64 | ADD | K, reg, 0, 0, off)};
    }

    static List<Instruction> concat(Object... parts) {
        List<Instruction> out = new ArrayList<>();
        for (Object o : parts) {
            if (o instanceof Instruction i) {
                out.add(i);
            } else {
                Collections.addAll(out, (Instruction[]) o);
            }
        }
        return out;
    }

    // ---- structure ----

    @Test
    void emptyProgram() {
        refused(List.of(), KPROBE, -1, "program is empty");
    }

    @Test
    void tooLong() {
        List<Instruction> p = new ArrayList<>(Collections.nCopies(1_000_000, mov64(0, 0)));
        p.add(exit());
        refused(p, KPROBE, -1, "program is too large: 1000001 insns (limit 1000000)");
    }

    @Test
    void invalidOpcode() {
        refused(prog(mov64(0, 0), mov64(0, 0), mov64(0, 0), mov64(0, 0), insn(0xff, 0, 0, 0, 0), exit()), KPROBE, 4,
                "invalid opcode 0xff");
        refused(prog(insn(JMP32 | EXIT, 0, 0, 0, 0)), KPROBE, 0, "invalid opcode 0x96");
    }

    @Test
    void invalidRegister() {
        refused(prog(mov64(0, 0), mov64(11, 1), exit()), KPROBE, 1, "invalid register r11");
        refused(prog(mov64Reg(0, 12), exit()), KPROBE, 0, "invalid register r12");
    }

    @Test
    void frameRegisterIsReadOnly() {
        refused(prog(mov64(0, 0), insn(ALU64 | ADD | K, 10, 0, 0, 8), exit()), KPROBE, 1, "R10 is read only");
        refused(prog(insn(LDX | MEM | DW, 10, 1, 0, 0), mov64(0, 0), exit()), KPROBE, 0, "R10 is read only");
    }

    @Test
    void reservedFields() {
        refused(prog(mov64(0, 0), insn(EXIT_OP, 0, 0, 0, 1)), KPROBE, 1, "BPF_EXIT uses reserved fields");
        refused(prog(insn(LDX | MEM | W, 0, 1, 0, 7), exit()), KPROBE, 0, "BPF_LDX uses reserved fields");
        refused(prog(insn(ALU64 | ADD | K, 0, 3, 0, 1), exit()), KPROBE, 0, "BPF_ALU uses reserved fields");
        refused(prog(mov64(0, 0), insn(JMP | JEQ | K, 0, 1, 0, 0), exit()), KPROBE, 1,
                "BPF_JMP/JMP32 uses reserved fields");
        refused(prog(insn(STX | ATOMIC | DW, 10, 1, -8, 0x42), exit()), KPROBE, 0,
                "BPF_ATOMIC uses invalid atomic opcode 42");
    }

    @Test
    void kernelRefusesWhatTheIsaDefines() {
        List<Instruction> shift = prog(mov64(0, 1), insn(ALU64 | LSH | K, 0, 0, 0, 64), exit());
        refused(shift, KPROBE, 1, "invalid shift 64");
        accepted(shift, VerifierOptions.conformance());
        List<Instruction> div = prog(mov64(0, 1), insn(ALU64 | DIV | K, 0, 0, 0, 0), exit());
        refused(div, KPROBE, 1, "div by zero");
        accepted(div, VerifierOptions.conformance());
    }

    @Test
    void lddwSources() {
        refused(prog(Instruction.loadImm64(1, 7, 0, 0), mov64(0, 0), exit()), KPROBE, 0,
                "unrecognized bpf_ld_imm64 insn src 7");
        refused(prog(loadMapFd(1, 3), mov64(0, 0), exit()), KPROBE, 0, "fd 3 is not pointing to valid bpf_map");
        refused(prog(Instruction.loadMapValue(1, 3, 8), mov64(0, 0), exit()), KPROBE.withMap(3, ARRAY), 0,
                "invalid access to map value pointer, value_size=8 off=8");
        refused(prog(Instruction.loadMapValue(1, 3, 0), mov64(0, 0), exit()), KPROBE.withMap(3, HASH), 0,
                "map h of type hash does not support direct value access");
    }

    @Test
    void jumpOutOfRange() {
        refused(prog(mov64(0, 0), insn(JMP | JEQ | K, 0, 0, 40, 0), exit()), KPROBE, 1,
                "jump out of range from insn 1 to 42");
        refused(prog(mov64(0, 0), ja(-3), exit()), KPROBE, 1, "jump out of range from insn 1 to -1");
    }

    @Test
    void jumpIntoTheMiddleOfLddw() {
        refused(prog(mov64(0, 0), insn(JMP | JEQ | K, 0, 0, 1, 0), Instruction.loadImm64(1, 5L), exit()), KPROBE, 1,
                "jump into the middle of ldimm64 insn 2");
    }

    @Test
    void fallingOffTheEnd() {
        refused(prog(mov64(0, 0)), KPROBE, 0, "last insn is not an exit or jmp");
        refused(prog(mov64(0, 0), insn(JMP | JEQ | K, 0, 0, -2, 0)), KPROBE, 1, "last insn is not an exit or jmp");
    }

    @Test
    void unreachableInstruction() {
        refused(prog(mov64(0, 0), exit(), mov64(0, 1), exit()), KPROBE, 2, "unreachable insn 2");
    }

    @Test
    void boundedLoopsAreAllowed() {
        // r0 = 0; loop: r0 += 1; if r0 < 10 goto loop; exit
        List<Instruction> p = prog(mov64(0, 0), insn(ALU64 | ADD | K, 0, 0, 0, 1), insn(JMP | JLT | K, 0, 0, -2, 10),
                exit());
        VerifiedProgram v = Verifier.verify(p, KPROBE);
        assertTrue(v.processedInsns() >= 4);
    }

    @Test
    void noJumpsBetweenSubprograms() {
        // main: call f; exit  /  f: r0 = 0; goto main's exit
        refused(prog(callBpf(1), exit(), mov64(0, 0), ja(-3)), KPROBE, 3, "jump out of range from insn 3 to 1");
    }

    @Test
    void subprogramMustEndInExitOrJump() {
        refused(prog(mov64(0, 0), callBpf(1), exit(), mov64(0, 1), mov64(0, 1), exit(), mov64(0, 2)), KPROBE, 6,
                "last insn is not an exit or jmp");
    }

    @Test
    void callDepth() {
        // 8 frames are fine, 9 are not: f_i calls f_{i+1}
        for (int frames : new int[] {8, 9}) {
            List<Instruction> p = new ArrayList<>();
            for (int i = 0; i < frames - 1; i++) {
                p.add(callBpf(1));
                p.add(exit());
            }
            p.add(mov64(0, 0));
            p.add(exit());
            if (frames == 8) {
                assertEquals(8, Verifier.verify(p, KPROBE).maxCallFrames());
            } else {
                refused(p, KPROBE, 14, "the call stack of 9 frames is too deep");
            }
        }
    }

    @Test
    void recursion() {
        refused(prog(callBpf(1), exit(), callBpf(-1), exit()), KPROBE, 2, "recursive call from insn 2 to 2");
    }

    @Test
    void combinedStackSize() {
        // main writes fp-480 and calls f, which writes fp-64: 480 + 64 > 512
        List<Instruction> p = prog(insn(ST | MEM | DW, 10, 0, -480, 0), callBpf(1), exit(),
                insn(ST | MEM | DW, 10, 0, -64, 0), mov64(0, 0), exit());
        refused(p, KPROBE, 1, "combined stack size of 2 calls is 544. Too large");
        List<Instruction> fits = prog(insn(ST | MEM | DW, 10, 0, -448, 0), callBpf(1), exit(),
                insn(ST | MEM | DW, 10, 0, -64, 0), mov64(0, 0), exit());
        assertEquals(List.of(448, 64), Verifier.verify(fits, KPROBE).stackDepths());
    }

    @Test
    void unsupportedCalls() {
        refused(prog(mov64(2, 5), insn(CALLX_OP, 2, 0, 0, 0), mov64(0, 0), exit()), VerifierOptions.conformance(), 1,
                "callx (indirect call through r2) is not supported");
        refused(prog(insn(CALL_OP, 0, 2, 0, 1234), exit()), KPROBE, 0,
                "kernel function calls (kfunc, BTF id 1234) are not supported");
    }

    // ---- dataflow ----

    @Test
    void uninitialisedRegister() {
        refused(prog(mov64(0, 0), mov64Reg(0, 2), exit()), KPROBE, 1, "R2 !read_ok");
    }

    @Test
    void callsClobberArgumentRegisters() {
        refused(prog(mov64(1, 1), callHelper(5), mov64Reg(0, 1), exit()), KPROBE, 2, "R1 !read_ok");
        accepted(prog(mov64(6, 1), callHelper(5), mov64Reg(0, 6), exit()), KPROBE);
    }

    @Test
    void r0AtExit() {
        refused(prog(exit()), KPROBE, 0, "R0 !read_ok");
        refused(prog(mov64Reg(0, 10), exit()), KPROBE, 1, "At program exit the register R0 is not a known value (fp)");
    }

    @Test
    void uninitialisedStackRead() {
        refused(prog(insn(LDX | MEM | DW, 0, 10, -8, 0), exit()), KPROBE, 0, "invalid read from stack off 0+-8 size 8");
        refused(prog(insn(ST | MEM | W, 10, 0, -8, 1), insn(LDX | MEM | DW, 0, 10, -8, 0), exit()), KPROBE, 1,
                "invalid read from stack off 0+-8 size 8");
        accepted(prog(insn(ST | MEM | DW, 10, 0, -8, 1), insn(LDX | MEM | DW, 0, 10, -8, 0), exit()), KPROBE);
    }

    @Test
    void stackBounds() {
        refused(prog(insn(ST | MEM | DW, 10, 0, -520, 0), mov64(0, 0), exit()), KPROBE, 0,
                "invalid stack access off=-520 size=8");
        refused(prog(insn(ST | MEM | DW, 10, 0, -4, 0), mov64(0, 0), exit()), KPROBE, 0,
                "invalid stack access off=-4 size=8");
    }

    @Test
    void spilledPointersSurviveTheStack() {
        // spill ctx to fp-8, fill it into r2 and read through it
        accepted(prog(insn(STX | MEM | DW, 10, 1, -8, 0), insn(LDX | MEM | DW, 2, 10, -8, 0),
                insn(LDX | MEM | DW, 0, 2, 0, 0), exit()), KPROBE);
        refused(prog(insn(STX | MEM | W, 10, 1, -8, 0), mov64(0, 0), exit()), KPROBE, 0,
                "invalid size of register spill");
    }

    static List<Instruction> lookup(Instruction... after) {
        return concat(insn(ST | MEM | W, 10, 0, -4, 0), fpAt(2, -4), loadMapFd(1, 1), callHelper(1), after);
    }

    @Test
    void mapValueMustBeNullChecked() {
        // slots: 0 st, 1-2 r2 = fp-4, 3-4 lddw, 5 call, 6 ...
        refused(lookup(insn(LDX | MEM | DW, 0, 0, 0, 0), exit()), KPROBE.withMap(1, HASH), 6,
                "R0 invalid mem access 'map_value_or_null'");
        accepted(lookup(insn(JMP | JEQ | K, 0, 0, 1, 0), insn(LDX | MEM | DW, 0, 0, 0, 0), mov64(0, 0), exit()),
                KPROBE.withMap(1, HASH));
        // the check also covers copies made before it
        accepted(lookup(mov64Reg(6, 0), insn(JMP | JEQ | K, 0, 0, 1, 0), insn(LDX | MEM | DW, 0, 6, 0, 0),
                mov64(0, 0), exit()), KPROBE.withMap(1, HASH));
        refused(lookup(insn(ALU64 | ADD | K, 0, 0, 0, 4), mov64(0, 0), exit()), KPROBE.withMap(1, HASH), 6,
                "R0 pointer arithmetic on map_value_or_null prohibited, null-check it first");
    }

    @Test
    void mapValueBounds() {
        refused(lookup(insn(JMP | JEQ | K, 0, 0, 1, 0), insn(LDX | MEM | DW, 0, 0, 8, 0), mov64(0, 0), exit()),
                KPROBE.withMap(1, HASH), 7, "invalid access to map value, value_size=8 off=8 size=8");
        refused(lookup(insn(JMP | JEQ | K, 0, 0, 1, 0), insn(LDX | MEM | W, 0, 0, -4, 0), mov64(0, 0), exit()),
                KPROBE.withMap(1, HASH), 7, "invalid access to map value, value_size=8 off=-4 size=4");
        // a variable index bounded by a mask stays inside; a wider mask does not
        for (int mask : new int[] {7, 15}) {
            List<Instruction> p = lookup(insn(JMP | JEQ | K, 0, 0, 5, 0), mov64Reg(6, 0), callHelper(7),
                    insn(ALU64 | AND | K, 0, 0, 0, mask), insn(ALU64 | ADD | X, 6, 0, 0, 0),
                    insn(LDX | MEM | B, 0, 6, 0, 0), mov64(0, 0), exit());
            if (mask == 7) {
                accepted(p, KPROBE.withMap(1, HASH));
            } else {
                refused(p, KPROBE.withMap(1, HASH), 11, "invalid access to map value, value_size=8 off=15 size=1");
            }
        }
    }

    @Test
    void mapKeyMustBeInitialised() {
        List<Instruction> p = concat(fpAt(2, -4), loadMapFd(1, 1), callHelper(1), mov64(0, 0), exit());
        refused(p, KPROBE.withMap(1, HASH), 4, "invalid indirect read from stack R2 off -4+0 size 4");
    }

    @Test
    void readOnlyMaps() {
        List<Instruction> p = prog(Instruction.loadMapValue(1, 1, 0), insn(ST | MEM | W, 1, 0, 0, 1), mov64(0, 0),
                exit());
        refused(p, KPROBE.withMap(1, RODATA), 2, "write into map forbidden, value_size=8 off=0 size=4");
        accepted(p, KPROBE.withMap(1, ARRAY));
    }

    @Test
    void unknownHelper() {
        refused(prog(callHelper(999), exit()), KPROBE, 0, "unknown helper 999");
        refused(prog(callHelper(9), exit()), KPROBE, 0, "helper bpf_skb_store_bytes#9 is not supported");
        refused(prog(callHelper(1), exit()), VerifierOptions.conformance(), 0,
                "helper bpf_map_lookup_elem#1 is not supported");
    }

    @Test
    void helperNotAllowedForTheProgramType() {
        List<Instruction> p = prog(mov64(2, 0), callHelper(44), mov64(0, 0), exit());
        refused(p, VerifierOptions.of(ProgramType.SOCKET_FILTER), 1,
                "helper bpf_xdp_adjust_head is not allowed in socket_filter programs");
        accepted(p, XDP);
        refused(prog(callHelper(14), exit()), XDP, 0,
                "helper bpf_get_current_pid_tgid is not allowed in xdp programs");
        // a custom helper set can take helpers away
        refused(prog(callHelper(5), exit()), KPROBE.withHelpers(HelperSet.kernelSubset().without(5)), 0,
                "helper bpf_ktime_get_ns#5 is not supported");
    }

    @Test
    void helperArgumentTypes() {
        refused(prog(mov64(1, 0), mov64(2, 0), callHelper(1), mov64(0, 0), exit()), KPROBE, 2,
                "R1 type=scalar expected=map_ptr");
        refused(prog(loadMapFd(1, 1), mov64(2, 4), callHelper(1), mov64(0, 0), exit()), KPROBE.withMap(1, HASH), 3,
                "R2 type=scalar expected=fp, pkt, map_value, mem");
        refused(prog(loadMapFd(1, 1), mov64Reg(2, 1), callHelper(1), mov64(0, 0), exit()), KPROBE.withMap(1, HASH), 3,
                "R2 type=map_ptr expected=fp, pkt, map_value, mem");
    }

    @Test
    void helperMapTypes() {
        List<Instruction> p = prog(loadMapFd(2, 1), mov64(3, 0), callHelper(12), mov64(0, 0), exit());
        refused(p, KPROBE.withMap(1, ARRAY), 3, "cannot pass map_type 2 (array) into func bpf_tail_call#12");
        accepted(p, KPROBE.withMap(1, MapInfo.of("progs", MapType.PROG_ARRAY, 4, 4, 4, false)));
    }

    @Test
    void ringbufReferencesMustBeReleased() {
        // r0 = reserve(rb, 16, 0); if r0 == 0 goto out; *(u64 *)(r0 + 8) = 1; [submit(r0, 0)]; out: r0 = 0; exit
        List<Instruction> leak = concat(loadMapFd(1, 1), mov64(2, 16), mov64(3, 0), callHelper(131),
                insn(JMP | JEQ | K, 0, 0, 1, 0), insn(ST | MEM | DW, 0, 0, 8, 1), mov64(0, 0), exit());
        refused(leak, KPROBE.withMap(1, RINGBUF), 8, "Unreleased reference id=5 alloc_insn=4");
        List<Instruction> ok = concat(loadMapFd(1, 1), mov64(2, 16), mov64(3, 0), callHelper(131),
                insn(JMP | JEQ | K, 0, 0, 4, 0), insn(ST | MEM | DW, 0, 0, 8, 1), mov64Reg(1, 0), mov64(2, 0),
                callHelper(132), mov64(0, 0), exit());
        accepted(ok, KPROBE.withMap(1, RINGBUF));
        List<Instruction> outside = concat(loadMapFd(1, 1), mov64(2, 16), mov64(3, 0), callHelper(131),
                insn(JMP | JEQ | K, 0, 0, 4, 0), insn(ST | MEM | DW, 0, 0, 16, 1), mov64Reg(1, 0), mov64(2, 0),
                callHelper(132), mov64(0, 0), exit());
        refused(outside, KPROBE.withMap(1, RINGBUF), 6, "invalid access to memory, mem_size=16 off=16 size=8");
    }

    @Test
    void packetAccessNeedsABoundsCheck() {
        // r2 = ctx->data; r3 = ctx->data_end; [r4 = r2 + 14; if r4 > r3 goto out;] r0 = *(u8 *)(r2 + 13)
        // (the kernel prints the offset of the access, register plus instruction offset, in both places)
        List<Instruction> unchecked = prog(insn(LDX | MEM | W, 2, 1, 0, 0), insn(LDX | MEM | W, 3, 1, 4, 0),
                insn(LDX | MEM | B, 0, 2, 13, 0), exit());
        refused(unchecked, XDP, 2, "invalid access to packet, off=13 size=1, R2(id=0,off=13,r=0)");
        List<Instruction> checked = prog(insn(LDX | MEM | W, 2, 1, 0, 0), insn(LDX | MEM | W, 3, 1, 4, 0),
                mov64Reg(4, 2), insn(ALU64 | ADD | K, 4, 0, 0, 14), mov64(0, 0), insn(JMP | JGT | X, 4, 3, 1, 0),
                insn(LDX | MEM | B, 0, 2, 13, 0), exit());
        accepted(checked, XDP);
        List<Instruction> tooFar = new ArrayList<>(checked);
        tooFar.set(6, insn(LDX | MEM | B, 0, 2, 14, 0));
        refused(tooFar, XDP, 6, "invalid access to packet, off=14 size=1, R2(id=0,off=14,r=14)");
    }

    @Test
    void pointerArithmetic() {
        refused(prog(insn(ALU64 | MUL | K, 1, 0, 0, 2), mov64(0, 0), exit()), KPROBE, 0,
                "R1 pointer arithmetic with *= operator prohibited");
        refused(prog(insn(ALU64 | AND | K, 1, 0, 0, 2), mov64(0, 0), exit()), KPROBE, 0,
                "R1 bitwise operator &= on pointer prohibited");
        refused(prog(insn(ALU | ADD | K, 1, 0, 0, 2), mov64(0, 0), exit()), KPROBE, 0,
                "R1 32-bit pointer arithmetic prohibited");
        refused(prog(mov64(0, 0), insn(ALU64 | SUB | X, 0, 1, 0, 0), exit()), KPROBE, 1,
                "R0 tried to subtract pointer from scalar");
    }

    @Test
    void contextAccess() {
        refused(prog(insn(ST | MEM | DW, 1, 0, 0, 0), mov64(0, 0), exit()), KPROBE, 0,
                "invalid bpf_context access off=0 size=8");
        refused(prog(insn(LDX | MEM | DW, 0, 1, 168, 0), exit()), KPROBE, 0,
                "invalid bpf_context access off=168 size=8");
        refused(prog(insn(ALU64 | ADD | K, 1, 0, 0, 8), insn(LDX | MEM | DW, 0, 1, 0, 0), exit()), KPROBE, 1,
                "dereference of modified ctx ptr R1 off=8 disallowed");
        accepted(prog(insn(LDX | MEM | DW, 0, 1, 160, 0), exit()), KPROBE);
        // a sign-extending load of a packet pointer field truncates the pointer: refused as by the kernel 6.18
        // (a fuzzing finding: the VM's verifier took it as a packet pointer, and the JIT trusted that)
        refused(prog(insn(LDX | MEMSX | W, 2, 1, 0, 0), mov64(0, 2), exit()), XDP, 0,
                "invalid bpf_context access off=0 size=4");
        refused(prog(insn(LDX | MEMSX | W, 2, 1, 4, 0), mov64(0, 2), exit()), XDP, 0,
                "invalid bpf_context access off=4 size=4");
        refused(prog(insn(LDX | MEMSX | W, 2, 1, 76, 0), mov64(0, 2), exit()), VerifierOptions.of(ProgramType.SCHED_CLS), 0,
                "invalid bpf_context access off=76 size=4");
        // a scalar field may be sign-extended (ingress_ifindex)
        accepted(prog(insn(LDX | MEMSX | W, 2, 1, 12, 0), mov64(0, 2), exit()), XDP);
    }

    @Test
    void scalarsAreNotPointers() {
        refused(prog(mov64(1, 4096), insn(LDX | MEM | DW, 0, 1, 0, 0), exit()), KPROBE, 1,
                "R1 invalid mem access 'scalar'");
    }

    @Test
    void deadBranchesAreNotExplored() {
        // r1 = 1; if r1 == 0 goto +1 (r0 = r9, uninitialised); r0 = 0; exit  -- the read of r9 can never run
        List<Instruction> p = prog(mov64(1, 1), mov64(0, 0), insn(JMP | JEQ | K, 1, 0, 1, 0), ja(1), mov64Reg(0, 9),
                exit());
        accepted(p, KPROBE);
        List<Instruction> unknown = new ArrayList<>(p);
        unknown.set(0, insn(LDX | MEM | DW, 1, 1, 0, 0));
        refused(unknown, KPROBE, 4, "R9 !read_ok");
    }

    @Test
    void complexityBudget() {
        List<Instruction> p = prog(mov64(0, 0), insn(ALU64 | ADD | K, 0, 0, 0, 1), insn(JMP | JLT | K, 0, 0, -2, 1000),
                exit());
        refused(p, KPROBE.withMaxProcessed(5), 1, "BPF program is too large. Processed 6 insn (limit 5)");
    }

    @Test
    void bpfToBpfCallsHaveTheirOwnFrames() {
        // main: r6 = 7; call f; r0 = r6; exit   f: r6 = r3 (uninitialised argument) -> refused
        refused(prog(mov64(6, 7), callBpf(2), mov64Reg(0, 6), exit(), mov64Reg(6, 3), mov64(0, 0), exit()), KPROBE, 4,
                "R3 !read_ok");
        // with the argument: r6 of main survives the callee
        accepted(prog(mov64(6, 7), mov64(3, 1), callBpf(2), mov64Reg(0, 6), exit(), mov64Reg(6, 3), mov64(0, 0),
                exit()), KPROBE);
        // the callee's r0 is the caller's r0; the caller's r1-r5 are gone after the call
        refused(prog(mov64(3, 1), callBpf(2), mov64Reg(0, 3), exit(), mov64(0, 0), exit()), KPROBE, 2,
                "R3 !read_ok");
        // the callee may not return a pointer into its own frame
        refused(prog(callBpf(1), exit(), mov64Reg(0, 10), exit()), KPROBE, 3,
                "cannot return stack pointer to the caller frame");
    }

    @Test
    void logNamesTheInstruction() {
        VerifierException e = assertThrows(VerifierException.class,
                () -> Verifier.verify(prog(mov64(0, 0), mov64Reg(0, 2), exit()), KPROBE.withLogLevel(2)));
        assertTrue(e.log().contains("1: (bf) r0 = r2"), e.log());
        assertTrue(e.log().endsWith("R2 !read_ok\n"), e.log());
    }
}
