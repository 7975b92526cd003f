package dev.ebpf4j.object.disasm;

import static dev.ebpf4j.object.insn.Opcode.*;

import java.util.Objects;
import java.util.Optional;

import dev.ebpf4j.object.insn.Instruction;

/**
 * Instruction text in llvm-objdump's BPF syntax ({@code r6 = 0 ll}, {@code r3 = *(u32 *)(r6 + 0)},
 * {@code if r1 == 0 goto +7 <LBB1_2>}, {@code call 6}, {@code lock *(u64 *)(r1 + 0) += r2}).
 *
 * <p>For everything LLVM 14 decodes the text equals {@code llvm-objdump -d} of LLVM 14 (default
 * subtarget, i.e. 32-bit loads and stores print 64-bit register names). Instructions LLVM 14 does not
 * know get the syntax later LLVM releases use: {@code r1 = (s8)r2}, {@code r1 s/= r2},
 * {@code r1 %= r2}, {@code r0 = bswap16 r0}, {@code gotol +5}, {@code may_goto +2},
 * {@code r1 = *(s8 *)(r2 + 0)}, {@code *(u32 *)(r1 + 0) = 5},
 * {@code w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)}, {@code w0 = cmpxchg32_32(r1 + 0, w0, w2)},
 * {@code r0 = load_acquire((u64 *)(r1 + 0))}, {@code store_release((u64 *)(r1 + 0), r2)},
 * {@code r1 = addr_space_cast(r2, 0, 1)}. Where LLVM 14 reads an instruction differently from the
 * kernel and RFC 9669 (movsx, sdiv/smod, 32-bit atomic fetch forms, {@code callx} taking its register
 * from imm rather than dst), the RFC meaning is printed. {@code JSET}, which no LLVM release
 * decodes, prints as {@code if r1 & r2 goto +1}. Anything else prints as {@link #UNKNOWN}, as
 * llvm-objdump does.
 */
public final class ObjdumpDisassembler {
    private ObjdumpDisassembler() {}

    /** What llvm-objdump prints for bytes it cannot decode. */
    public static final String UNKNOWN = "<unknown>";

    /** Text of one instruction without a jump label. */
    public static String text(Instruction insn) {
        return text(insn, 0, LabelResolver.NONE);
    }

    /**
     * Text of one instruction; jumps get {@code " <label>"} appended when {@code labels} names
     * their target.
     *
     * @param slot the instruction's slot index within its section (for the jump target)
     */
    public static String text(Instruction insn, int slot, LabelResolver labels) {
        Objects.requireNonNull(insn, "insn");
        Objects.requireNonNull(labels, "labels");
        try {
            return switch (insn.cls()) {
                case ALU, ALU64 -> alu(insn);
                case JMP, JMP32 -> jump(insn, slot, labels);
                case LD -> ld(insn);
                case LDX -> ldx(insn);
                case ST -> st(insn);
                default -> stx(insn);
            };
        } catch (Unknown e) {
            return UNKNOWN;
        }
    }

    /** True when {@link #text(Instruction)} does not give {@link #UNKNOWN}. */
    public static boolean isKnown(Instruction insn) {
        return !UNKNOWN.equals(text(insn));
    }

    private static final class Unknown extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final Unknown INSTANCE = new Unknown();

        private Unknown() {
            super(null, null, false, false);
        }
    }

    private static Unknown unknown() {
        return Unknown.INSTANCE;
    }

    /** LLVM knows registers r0..r11 (r11 is its internal stack-adjust register). */
    private static String r(int reg) {
        if (reg > 11) {
            throw unknown();
        }
        return "r" + reg;
    }

    private static String w(int reg) {
        if (reg > 11) {
            throw unknown();
        }
        return "w" + reg;
    }

    private static String mem(int base, short off) {
        return off >= 0 ? r(base) + " + " + off : r(base) + " - " + (-(int) off);
    }

    private static String sizeName(int opcode) {
        return switch (size(opcode)) {
            case W -> "u32";
            case H -> "u16";
            case B -> "u8";
            default -> "u64";
        };
    }

    private static String rel(int displacement) {
        return displacement >= 0 ? "+" + displacement : Integer.toString(displacement);
    }

    private static String aluOperator(int op, boolean signed) {
        return switch (op) {
            case ADD -> "+=";
            case SUB -> "-=";
            case MUL -> "*=";
            case DIV -> signed ? "s/=" : "/=";
            case OR -> "|=";
            case AND -> "&=";
            case LSH -> "<<=";
            case RSH -> ">>=";
            case MOD -> signed ? "s%=" : "%=";
            case XOR -> "^=";
            case ARSH -> "s>>=";
            default -> throw unknown();
        };
    }

    private static String alu(Instruction in) {
        boolean is64 = in.cls() == ALU64;
        boolean x = in.source() == X;
        int op = in.op();
        String dst = is64 ? r(in.dst()) : w(in.dst());
        switch (op) {
            case NEG -> {
                if (x) {
                    throw unknown();
                }
                return dst + " = -" + dst;
            }
            case END -> {
                int bits = in.imm();
                if (bits != 16 && bits != 32 && bits != 64) {
                    throw unknown();
                }
                String reg = r(in.dst());
                if (is64) {
                    if (x) {
                        throw unknown();
                    }
                    return reg + " = bswap" + bits + " " + reg;
                }
                return reg + " = " + (x ? "be" : "le") + bits + " " + reg;
            }
            case MOV -> {
                if (!x) {
                    return dst + " = " + in.imm();
                }
                String src = is64 ? r(in.src()) : w(in.src());
                int off = in.off();
                if (is64 && off == OFF_ADDR_SPACE_CAST) {
                    return dst + " = addr_space_cast(" + src + ", " + (in.imm() >>> 16) + ", " + (in.imm() & 0xffff) + ")";
                }
                if (off == 8 || off == 16 || (off == 32 && is64)) {
                    return dst + " = (s" + off + ")" + src;
                }
                return dst + " = " + src;
            }
            default -> {
                if (op == MOD && in.off() != 0 && in.off() != OFF_SIGNED) {
                    throw unknown(); // LLVM 17+ decodes mod only with off 0 (umod) or 1 (smod)
                }
                boolean signed = (op == DIV || op == MOD) && in.off() == OFF_SIGNED;
                String operator = aluOperator(op, signed);
                if (x) {
                    return dst + " " + operator + " " + (is64 ? r(in.src()) : w(in.src()));
                }
                return dst + " " + operator + " " + in.imm();
            }
        }
    }

    private static String jumpOperator(int op) {
        return switch (op) {
            case JEQ -> "==";
            case JGT -> ">";
            case JGE -> ">=";
            case JSET -> "&";
            case JNE -> "!=";
            case JSGT -> "s>";
            case JSGE -> "s>=";
            case JLT -> "<";
            case JLE -> "<=";
            case JSLT -> "s<";
            case JSLE -> "s<=";
            default -> throw unknown();
        };
    }

    private static String withLabel(String text, long targetSlot, LabelResolver labels) {
        Optional<String> label = labels.label(targetSlot * 8);
        return label.map(l -> text + " <" + l + ">").orElse(text);
    }

    private static String jump(Instruction in, int slot, LabelResolver labels) {
        boolean is32 = in.cls() == JMP32;
        boolean x = in.source() == X;
        int op = in.op();
        switch (op) {
            case JA -> {
                if (x) {
                    throw unknown();
                }
                if (is32) {
                    return withLabel("gotol " + rel(in.imm()), (long) slot + 1 + in.imm(), labels);
                }
                return withLabel("goto " + rel(in.off()), (long) slot + 1 + in.off(), labels);
            }
            case CALL -> {
                if (is32) {
                    throw unknown();
                }
                return x ? "callx " + r(in.dst()) : "call " + in.imm();
            }
            case EXIT -> {
                if (is32 || x || in.imm() != 0) {
                    throw unknown();
                }
                return "exit";
            }
            case JCOND -> {
                // like LLVM 19, which decodes may_goto from the opcode alone
                if (is32 || x) {
                    throw unknown();
                }
                return withLabel("may_goto " + rel(in.off()), (long) slot + 1 + in.off(), labels);
            }
            default -> {
                String operator = jumpOperator(op);
                String dst = is32 ? w(in.dst()) : r(in.dst());
                String rhs = x ? (is32 ? w(in.src()) : r(in.src())) : Integer.toString(in.imm());
                return withLabel("if " + dst + " " + operator + " " + rhs + " goto " + rel(in.off()),
                        (long) slot + 1 + in.off(), labels);
            }
        }
    }

    private static String ld(Instruction in) {
        int mode = in.mode();
        int size = in.size();
        if (mode == IMM && size == DW) {
            if (in.off() != 0) {
                throw unknown();
            }
            if (in.src() == 0) {
                return r(in.dst()) + " = " + in.imm64() + " ll";
            }
            return "ld_pseudo\t" + r(in.dst()) + ", " + in.src() + ", " + Integer.toUnsignedString(in.imm());
        }
        if (size == DW) {
            throw unknown();
        }
        if (mode == ABS) {
            return "r0 = *(" + sizeName(in.opcode()) + " *)skb[" + in.imm() + "]";
        }
        if (mode == IND) {
            return "r0 = *(" + sizeName(in.opcode()) + " *)skb[" + r(in.src()) + "]";
        }
        throw unknown();
    }

    private static String ldx(Instruction in) {
        if (in.mode() == MEM) {
            return r(in.dst()) + " = *(" + sizeName(in.opcode()) + " *)(" + mem(in.src(), in.off()) + ")";
        }
        if (in.mode() == MEMSX && in.size() != DW) {
            String name = "s" + sizeName(in.opcode()).substring(1);
            return r(in.dst()) + " = *(" + name + " *)(" + mem(in.src(), in.off()) + ")";
        }
        throw unknown();
    }

    private static String st(Instruction in) {
        if (in.mode() == MEM) {
            return "*(" + sizeName(in.opcode()) + " *)(" + mem(in.dst(), in.off()) + ") = " + in.imm();
        }
        throw unknown();
    }

    private static String stx(Instruction in) {
        if (in.mode() == MEM) {
            return "*(" + sizeName(in.opcode()) + " *)(" + mem(in.dst(), in.off()) + ") = " + r(in.src());
        }
        if (in.mode() != ATOMIC) {
            throw unknown();
        }
        String size = sizeName(in.opcode());
        String addr = mem(in.dst(), in.off());
        int imm = in.imm();
        if (imm == LOAD_ACQ) {
            return r(in.dst()) + " = load_acquire((" + size + " *)(" + mem(in.src(), in.off()) + "))";
        }
        if (imm == STORE_REL) {
            return "store_release((" + size + " *)(" + addr + "), " + r(in.src()) + ")";
        }
        boolean is64 = in.size() == DW;
        if (!is64 && in.size() != W) {
            throw unknown();
        }
        String val64 = r(in.src());
        String val = is64 ? val64 : w(in.src());
        return switch (imm) {
            // 32-bit add keeps LLVM 14's default-subtarget spelling (r), and/or/xor only exist with alu32 (w)
            case ATOMIC_ADD -> "lock *(" + size + " *)(" + addr + ") += " + val64;
            case ATOMIC_OR, ATOMIC_AND, ATOMIC_XOR ->
                    "lock *(" + size + " *)(" + addr + ") " + aluOperator(imm, false) + " " + val;
            case ATOMIC_ADD | FETCH -> val + " = atomic_fetch_add((" + size + " *)(" + addr + "), " + val + ")";
            case ATOMIC_OR | FETCH -> val + " = atomic_fetch_or((" + size + " *)(" + addr + "), " + val + ")";
            case ATOMIC_AND | FETCH -> val + " = atomic_fetch_and((" + size + " *)(" + addr + "), " + val + ")";
            case ATOMIC_XOR | FETCH -> val + " = atomic_fetch_xor((" + size + " *)(" + addr + "), " + val + ")";
            case XCHG -> is64 ? val + " = xchg_64(" + addr + ", " + val + ")"
                    : val + " = xchg32_32(" + addr + ", " + val + ")";
            case CMPXCHG -> is64 ? "r0 = cmpxchg_64(" + addr + ", r0, " + val + ")"
                    : "w0 = cmpxchg32_32(" + addr + ", w0, " + val + ")";
            default -> throw unknown();
        };
    }
}
