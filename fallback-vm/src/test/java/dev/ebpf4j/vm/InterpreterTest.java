package dev.ebpf4j.vm;

import static dev.ebpf4j.object.insn.Opcode.*;
import static dev.ebpf4j.vm.Asm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Pseudo;

/** ALU, jump and memory corner cases of the interpreter, each against a hand-computed result. */
class InterpreterTest {
    private final BpfVm vm = BpfVm.create();

    /** r0 = a (64-bit), r1 = b, then one ALU op r0 op= r1 with the given class/off, exit. */
    private long alu(int cls, int op, int off, long a, long b) {
        return run(vm, lddw(0, a), lddw(1, b), Instruction.of(cls | op | X, 0, 1, off, 0), exit());
    }

    @ParameterizedTest(name = "{0}: {1} op {2} = {3}")
    @CsvSource({
            // name, a, b, expected (hex), class(7=64,4=32), op, off
            "udiv64 by zero,   0x1234, 0, 0x0, 7, 0x30, 0",
            "umod64 by zero,   0x1234, 0, 0x1234, 7, 0x90, 0",
            "sdiv64 by zero,   -7, 0, 0x0, 7, 0x30, 1",
            "smod64 by zero,   -7, 0, 0xfffffffffffffff9, 7, 0x90, 1",
            "udiv32 by zero,   0xffffffff00001234, 0, 0x0, 4, 0x30, 0",
            "umod32 by zero,   0xffffffff00001234, 0, 0x1234, 4, 0x90, 0",
            "sdiv64 min/-1,    0x8000000000000000, -1, 0x8000000000000000, 7, 0x30, 1",
            "smod64 min/-1,    0x8000000000000000, -1, 0x0, 7, 0x90, 1",
            "sdiv32 min/-1,    0x80000000, 0xffffffff, 0x80000000, 4, 0x30, 1",
            "sdiv64 -7/2,      -7, 2, 0xfffffffffffffffd, 7, 0x30, 1",
            "smod64 -7/2,      -7, 2, 0xffffffffffffffff, 7, 0x90, 1",
            "smod32 -7/2,      0xfffffff9, 2, 0xffffffff, 4, 0x90, 1",
            "udiv64 -1/2,      -1, 2, 0x7fffffffffffffff, 7, 0x30, 0",
            "lsh64 masks,      1, 65, 0x2, 7, 0x60, 0",
            "lsh32 masks,      1, 33, 0x2, 4, 0x60, 0",
            "rsh32 zero-ext,   0xffffffff80000000, 31, 0x1, 4, 0x70, 0",
            "arsh32 sign,      0x80000000, 31, 0xffffffff, 4, 0xc0, 0",
            "arsh64 sign,      0x8000000000000000, 63, 0xffffffffffffffff, 7, 0xc0, 0",
            "add32 wraps,      0xffffffff, 1, 0x0, 4, 0x00, 0",
            "sub32 zero-ext,   0, 1, 0xffffffff, 4, 0x10, 0",
            "mul64 wraps,      0x100000000, 0x100000000, 0x0, 7, 0x20, 0",
            "xor32 clears top, 0xffffffffffffffff, 0, 0xffffffff, 4, 0xa0, 0",
    })
    void aluCorners(String name, String a, String b, String expected, int cls, int op, int off) {
        assertEquals(Long.parseUnsignedLong(expected.substring(2), 16), alu(cls, op, off, parse(a), parse(b)), name);
    }

    private static long parse(String s) {
        return s.startsWith("0x") ? Long.parseUnsignedLong(s.substring(2), 16) : Long.parseLong(s);
    }

    @Test
    void immediateOperandsAreSignExtendedFor64BitOps() {
        assertEquals(1, run(vm, lddw(0, -1L), alu64(DIV, 0, -10), exit()), "u64 max / (u64)-10");
        assertEquals(0xffff_fff6L, run(vm, Instruction.of(ALU | MOV | K, 0, 0, 0, -10), exit()), "mov32 zero-extends");
        assertEquals(-10, run(vm, mov(0, -10), exit()), "mov64 sign-extends");
    }

    @Test
    void movsxAndSwaps() {
        long v = 0x1122_3344_5566_8788L;
        assertEquals((long) (byte) 0x88, run(vm, lddw(1, v), Instruction.of(ALU64 | MOV | X, 0, 1, 8, 0), exit()));
        assertEquals((long) (short) 0x8788, run(vm, lddw(1, v), Instruction.of(ALU64 | MOV | X, 0, 1, 16, 0), exit()));
        assertEquals(0x5566_8788L, run(vm, lddw(1, v), Instruction.of(ALU64 | MOV | X, 0, 1, 32, 0), exit()));
        assertEquals(0xffff_ff88L, run(vm, lddw(1, v), Instruction.of(ALU | MOV | X, 0, 1, 8, 0), exit()), "movsx32 zero-extends the upper half");
        assertEquals(0x8887L, run(vm, lddw(0, v), Instruction.of(ALU | END | TO_BE, 0, 0, 0, 16), exit()));
        assertEquals(0x8887_6655L, run(vm, lddw(0, v), Instruction.of(ALU | END | TO_BE, 0, 0, 0, 32), exit()));
        assertEquals(Long.reverseBytes(v), run(vm, lddw(0, v), Instruction.of(ALU | END | TO_BE, 0, 0, 0, 64), exit()));
        assertEquals(0x8788L, run(vm, lddw(0, v), Instruction.of(ALU | END | TO_LE, 0, 0, 0, 16), exit()));
        assertEquals(v, run(vm, lddw(0, v), Instruction.of(ALU | END | TO_LE, 0, 0, 0, 64), exit()));
        assertEquals(0x8887L, run(vm, lddw(0, v), Instruction.of(ALU64 | END, 0, 0, 0, 16), exit()), "bswap16");
        assertEquals(-5, run(vm, mov(0, 5), Instruction.of(ALU64 | NEG, 0, 0, 0, 0), exit()));
        assertEquals(0xffff_fffbL, run(vm, mov(0, 5), Instruction.of(ALU | NEG, 0, 0, 0, 0), exit()));
    }

    @Test
    void signedAndUnsignedAnd32BitCompares() {
        // r1 = -1: unsigned it is the largest value, signed it is below 0
        assertEquals(1, run(vm, mov(1, -1), mov(0, 0), jmp(JGT, 1, 5, 1), exit(), mov(0, 1), exit()));
        assertEquals(0, run(vm, mov(1, -1), mov(0, 0), jmp(JSGT, 1, 5, 1), exit(), mov(0, 1), exit()));
        assertEquals(1, run(vm, mov(1, -1), mov(0, 0), jmp(JSLT, 1, 0, 1), exit(), mov(0, 1), exit()));
        // JMP32 looks at the low half only: 0x1_0000_0000 == 0
        assertEquals(1, run(vm, lddw(1, 0x1_0000_0000L), mov(0, 0), Instruction.of(JMP32 | JEQ | K, 1, 0, 1, 0), exit(),
                mov(0, 1), exit()));
        assertEquals(0, run(vm, lddw(1, 0x1_0000_0000L), mov(0, 0), jmp(JEQ, 1, 0, 1), exit(), mov(0, 1), exit()));
        assertEquals(1, run(vm, mov(1, 6), mov(0, 0), jmp(JSET, 1, 2, 1), exit(), mov(0, 1), exit()));
        // gotol
        assertEquals(3, run(vm, mov(0, 3), Instruction.of(JMP32 | JA, 0, 0, 0, 1), mov(0, 4), exit()));
    }

    @Test
    void memoryLoadsStoresAndSignExtension() {
        assertEquals(0xffff_ffff_ffff_ff80L, run(vm, st(B, 10, -1, 0x80), Instruction.of(LDX | MEMSX | B, 0, 10, -1, 0), exit()));
        assertEquals(0x80L, run(vm, st(B, 10, -1, 0x80), ldx(B, 0, 10, -1), exit()));
        assertEquals(0xffff_ffff_ffff_8001L, run(vm, st(H, 10, -2, 0x8001), Instruction.of(LDX | MEMSX | H, 0, 10, -2, 0), exit()));
        assertEquals(-2L, run(vm, st(W, 10, -4, -2), Instruction.of(LDX | MEMSX | W, 0, 10, -4, 0), exit()));
        assertEquals(-2L, run(vm, st(DW, 10, -8, -2), ldx(DW, 0, 10, -8), exit()), "st dw sign-extends imm");
        assertEquals(0x0403_0201L, run(vm, st(B, 10, -4, 1), st(B, 10, -3, 2), st(B, 10, -2, 3), st(B, 10, -1, 4),
                ldx(W, 0, 10, -4), exit()), "little-endian");
    }

    @Test
    void atomicsOnTheStack() {
        assertEquals(15, run(vm, st(DW, 10, -8, 10), mov(1, 5), atomic(DW, ATOMIC_ADD | FETCH, 10, 1, -8),
                ldx(DW, 0, 10, -8), exit()));
        assertEquals(10, run(vm, st(DW, 10, -8, 10), mov(1, 5), atomic(DW, ATOMIC_ADD | FETCH, 10, 1, -8), movr(0, 1), exit()),
                "fetch returns the old value");
        assertEquals(0xffff_ffffL, run(vm, st(W, 10, -4, -1), mov(1, 0), atomic(W, XCHG, 10, 1, -4), movr(0, 1), exit()),
                "32-bit fetch is zero-extended");
        // cmpxchg: succeeds when r0 matches
        assertEquals(42, run(vm, st(DW, 10, -8, 7), mov(0, 7), mov(1, 42), atomic(DW, CMPXCHG, 10, 1, -8), ldx(DW, 0, 10, -8), exit()));
        assertEquals(7, run(vm, st(DW, 10, -8, 7), mov(0, 8), mov(1, 42), atomic(DW, CMPXCHG, 10, 1, -8), ldx(DW, 0, 10, -8), exit()));
        assertEquals(7, run(vm, st(DW, 10, -8, 7), mov(0, 8), mov(1, 42), atomic(DW, CMPXCHG, 10, 1, -8), exit()), "r0 = old");
        assertEquals(0b1110, run(vm, st(W, 10, -4, 0b1100), mov(1, 0b0110), atomic(W, ATOMIC_OR, 10, 1, -4),
                ldx(W, 0, 10, -4), exit()));
        BpfRuntimeException e = assertThrows(BpfRuntimeException.class,
                () -> run(vm, mov(1, 1), atomic(DW, ATOMIC_ADD, 10, 1, -12), exit()));
        assertTrue(e.getMessage().contains("misaligned"), e.getMessage());
    }

    @Test
    void bpfToBpfCallsHaveTheirOwnFramesAndPreserveR6ToR9() {
        long r0 = run(vm,
                st(DW, 10, -8, 1234), // caller's slot
                mov(6, 6), mov(9, 9),
                mov(1, 10),
                callLocal(5),
                ldx(DW, 2, 10, -8), // caller's slot untouched
                alu64r(ADD, 0, 2),
                alu64r(ADD, 0, 6),
                alu64r(ADD, 0, 9),
                exit(),
                // callee: writes its own r10-8, clobbers r6, r9, returns r1 * 2
                st(DW, 10, -8, 99), mov(6, 0), mov(9, 0), movr(0, 1), alu64(MUL, 0, 2), exit());
        assertEquals(10 * 2 + 1234 + 6 + 9, r0);
    }

    @Test
    void mayGotoFallsThroughUntilItsBudgetIsSpentThenJumps() {
        // loop: may_goto +1 (to exit); r0 += 1; ja -3  -> terminates once may_goto jumps
        VmOptions o = VmOptions.defaults().withInstructionBudget(100_000_000);
        long r0 = Asm.program(new BpfVm(o), mov(0, 0), Instruction.of(MAY_GOTO_OP, 0, 0, 2, 0), alu64(ADD, 0, 1),
                ja(-3), exit()).run(new byte[0]).returnValue();
        assertEquals(8L * 1024 * 1024, r0);
    }

    @Test
    void refusesMalformedPrograms() {
        assertRefused("unknown opcode", Instruction.of(0xff, 0, 0, 0, 0), exit());
        assertRefused("outside the program", ja(5), exit());
        assertRefused("second half of a lddw", ja(1), lddw(0, 1), exit());
        assertRefused("r10", mov(10, 0), exit());
        assertRefused("register r11", Instruction.of(ALU64 | MOV | X, 0, 11, 0, 0), exit());
        assertRefused("kfunc", Instruction.of(CALL_OP, 0, Pseudo.KFUNC_CALL, 0, 1234), exit());
        assertRefused("byte swap width", Instruction.of(ALU | END | TO_BE, 0, 0, 0, 8), exit());
        assertRefused("no map with fd", Instruction.loadMapFd(1, 9999), exit());
    }

    private void assertRefused(String fragment, Instruction... insns) {
        BpfLoadException e = assertThrows(BpfLoadException.class,
                () -> vm.program("bad", ProgramType.UNSPEC, List.of(insns)));
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
}
