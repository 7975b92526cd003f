package dev.ebpf4j.object.disasm;

import static dev.ebpf4j.object.insn.Opcode.*;

import java.util.Set;

import dev.ebpf4j.object.insn.Instruction;

/**
 * The instructions for which {@link ObjdumpDisassembler} deliberately does not print what LLVM 14's
 * llvm-objdump prints: those LLVM 14 does not know (ISA v4 and later, JSET) and those it reads
 * differently from RFC 9669 and the kernel. Everything else must match LLVM 14 exactly, including
 * {@code <unknown>}.
 */
final class Llvm14Divergence {
    private Llvm14Divergence() {}

    private static final Set<Integer> ATOMIC64_KNOWN_TO_LLVM14 =
            Set.of(0x00, 0x01, 0x40, 0x41, 0x50, 0x51, 0xa0, 0xa1, 0xe1, 0xf1);

    /** Why this instruction may print differently from LLVM 14, or {@code null} if it must not. */
    static String reason(Instruction in) {
        int cls = in.cls();
        int op = in.op();
        if (cls == ALU || cls == ALU64) {
            if (op == MOD) {
                return "mod (LLVM 17+)";
            }
            if (op == DIV && in.off() == OFF_SIGNED) {
                return "sdiv: LLVM 14 ignores off=1";
            }
            if (op == MOV && in.source() == X) {
                int off = in.off();
                if (off == 8 || off == 16 || (cls == ALU64 && (off == 32 || off == OFF_ADDR_SPACE_CAST))) {
                    return "movsx/addr_space_cast: LLVM 14 ignores off";
                }
            }
            if (cls == ALU64 && op == END) {
                return "bswap (LLVM 17+)";
            }
            return null;
        }
        if (cls == JMP || cls == JMP32) {
            if (op == JSET) {
                return "jset: no LLVM release decodes it";
            }
            if (in.opcode() == GOTOL_OP) {
                return "gotol (LLVM 17+)";
            }
            if (in.opcode() == MAY_GOTO_OP) {
                return "may_goto (LLVM 19+)";
            }
            if (in.opcode() == CALLX_OP) {
                return "callx: LLVM 14 takes the register from imm, RFC-era encoders from dst";
            }
            return null;
        }
        if (cls == ST && in.mode() == MEM) {
            return "store immediate (LLVM 18+)";
        }
        if (cls == LDX && in.mode() == MEMSX) {
            return "ldsx (LLVM 17+)";
        }
        if (cls == STX && in.mode() == ATOMIC) {
            boolean llvm14 = (in.size() == DW && ATOMIC64_KNOWN_TO_LLVM14.contains(in.imm()))
                    || (in.size() == W && in.imm() == ATOMIC_ADD);
            if (!llvm14) {
                return "atomic imm 0x" + Integer.toHexString(in.imm()) + " on size " + in.size()
                        + ": LLVM 14 decodes atomics from a few imm bits (32-bit fetch forms need alu32)";
            }
        }
        return null;
    }
}
