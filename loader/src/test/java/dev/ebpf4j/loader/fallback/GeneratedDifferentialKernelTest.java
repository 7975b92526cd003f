package dev.ebpf4j.loader.fallback;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.Opcode;
import dev.ebpf4j.object.testing.TestObjects;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.SkBuffContext;

/**
 * A generated set of programs — every ALU and ALU64 operation (incl. signed division, sign extension, byte swaps),
 * JMP and JMP32 comparisons, on registers seeded with awkward values — run by the kernel (BPF_PROG_TEST_RUN) and by
 * the fallback VM's interpreter and JIT: the three return the same value for every program.
 */
class GeneratedDifferentialKernelTest {
    private static final long[] SEEDS = {0, 1, -1, 2, 7, 31, 32, 63, 64, 255, 0x7fffffffL, 0x80000000L, 0xffffffffL,
        Long.MAX_VALUE, Long.MIN_VALUE, 0x123456789abcdefL, -12345, 1L << 40};
    private static final int[] ALU_OPS = {Opcode.ADD, Opcode.SUB, Opcode.MUL, Opcode.DIV, Opcode.OR, Opcode.AND,
        Opcode.LSH, Opcode.RSH, Opcode.MOD, Opcode.XOR, Opcode.MOV, Opcode.ARSH};
    private static final int[] JMP_OPS = {Opcode.JEQ, Opcode.JGT, Opcode.JGE, Opcode.JSET, Opcode.JNE, Opcode.JSGT,
        Opcode.JSGE, Opcode.JLT, Opcode.JLE, Opcode.JSLT, Opcode.JSLE};

    static List<Instruction> program(Random rnd) {
        List<Instruction> p = new ArrayList<>();
        for (int r = 0; r <= 9; r++) {
            p.add(Instruction.loadImm64(r, SEEDS[rnd.nextInt(SEEDS.length)] ^ (rnd.nextInt(4) == 0 ? rnd.nextLong() : 0)));
        }
        int body = 20 + rnd.nextInt(30);
        for (int i = 0; i < body; i++) {
            int dst = rnd.nextInt(10);
            int src = rnd.nextInt(10);
            int kind = rnd.nextInt(10);
            if (kind < 6) {
                int cls = rnd.nextBoolean() ? Opcode.ALU64 : Opcode.ALU;
                int op = ALU_OPS[rnd.nextInt(ALU_OPS.length)];
                boolean reg = rnd.nextBoolean();
                int imm = (int) SEEDS[rnd.nextInt(SEEDS.length)];
                if ((op == Opcode.LSH || op == Opcode.RSH || op == Opcode.ARSH)) {
                    imm = rnd.nextInt(cls == Opcode.ALU64 ? 64 : 32);
                    reg = false; // shifts by a register beyond the width are undefined in the kernel's JITs
                }
                int off = 0;
                if ((op == Opcode.DIV || op == Opcode.MOD) && rnd.nextInt(3) == 0) {
                    off = 1; // sdiv / smod
                }
                if (op == Opcode.MOV && reg && rnd.nextInt(3) == 0) {
                    off = cls == Opcode.ALU64 ? new int[] {8, 16, 32}[rnd.nextInt(3)] : new int[] {8, 16}[rnd.nextInt(2)]; // movsx
                }
                if ((op == Opcode.DIV || op == Opcode.MOD) && !reg && imm == 0) {
                    imm = 3; // a zero immediate divisor is refused by the verifier
                }
                p.add(Instruction.of(cls | op | (reg ? Opcode.X : Opcode.K), dst, reg ? src : 0, off, reg ? 0 : imm));
            } else if (kind < 7) {
                int width = new int[] {16, 32, 64}[rnd.nextInt(3)];
                int which = rnd.nextInt(3); // to le, to be, bswap
                int opcode = which == 2 ? (Opcode.ALU64 | Opcode.END) : (Opcode.ALU | Opcode.END | (which == 1 ? Opcode.X : Opcode.K));
                p.add(Instruction.of(opcode, dst, 0, 0, width));
            } else if (kind < 8) {
                p.add(Instruction.of(Opcode.ALU64 | Opcode.NEG, dst, 0, 0, 0));
            } else {
                int cls = rnd.nextBoolean() ? Opcode.JMP : Opcode.JMP32;
                int op = JMP_OPS[rnd.nextInt(JMP_OPS.length)];
                boolean reg = rnd.nextBoolean();
                int skip = 1 + rnd.nextInt(3);
                p.add(Instruction.of(cls | op | (reg ? Opcode.X : Opcode.K), dst, reg ? src : 0, skip,
                        reg ? 0 : (int) SEEDS[rnd.nextInt(SEEDS.length)]));
                for (int k = 0; k < skip; k++) {
                    p.add(Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, rnd.nextInt(10), 0, 0, k + 1));
                }
            }
        }
        // fold every register into r0 so any difference shows in the return value
        for (int r = 1; r <= 9; r++) {
            p.add(Instruction.of(Opcode.ALU64 | Opcode.XOR | Opcode.X, 0, r, 0, 0));
            p.add(Instruction.of(Opcode.ALU64 | Opcode.MUL | Opcode.K, 0, 0, 0, 31));
        }
        p.add(Instruction.mov64Reg(1, 0));
        p.add(Instruction.of(Opcode.ALU64 | Opcode.RSH | Opcode.K, 1, 0, 0, 32));
        p.add(Instruction.of(Opcode.ALU64 | Opcode.XOR | Opcode.X, 0, 1, 0, 0));
        p.add(Instruction.exit());
        return p;
    }

    @Test
    void kernelInterpreterAndJitAgreeOnGeneratedPrograms() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "the kernel side needs root");
        int count = Integer.getInteger("ebpf4j.differential.programs", 400);
        Random rnd = new Random(Long.getLong("ebpf4j.differential.seed", 20261124L));
        BpfVm interpreter = new BpfVm(VmOptions.defaults().withEngine(Engine.INTERPRETER));
        BpfVm jit = new BpfVm(VmOptions.defaults().withEngine(Engine.JIT));
        byte[] packet = new byte[64];
        int compared = 0;
        for (int i = 0; i < count; i++) {
            List<Instruction> insns = program(rnd);
            long kernel;
            try (Fd fd = Bpf.progLoad(ProgramType.SOCKET_FILTER.value(), Instructions.encode(insns), "GPL", "e4j_diff")) {
                kernel = Integer.toUnsignedLong(Bpf.progTestRun(fd, packet, 1, 0).retval());
            }
            VmProgram a = interpreter.program("p" + i, ProgramType.SOCKET_FILTER, insns);
            VmProgram b = jit.program("p" + i, ProgramType.SOCKET_FILTER, insns);
            long viaInterpreter = a.run(SkBuffContext.of(packet)).returnValue() & 0xffff_ffffL;
            long viaJit = b.run(SkBuffContext.of(packet)).returnValue() & 0xffff_ffffL;
            String listing = String.join("\n", insns.stream().map(dev.ebpf4j.object.disasm.ObjdumpDisassembler::text).toList());
            assertEquals(kernel, viaInterpreter, "program " + i + " (interpreter vs kernel):\n" + listing);
            assertEquals(kernel, viaJit, "program " + i + " (JIT vs kernel):\n" + listing);
            compared++;
        }
        assertTrue(compared == count);
    }
}
