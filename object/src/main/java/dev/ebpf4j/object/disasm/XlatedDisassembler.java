package dev.ebpf4j.object.disasm;

import static dev.ebpf4j.object.insn.Opcode.*;

import java.util.List;
import java.util.Map;
import java.util.Objects;

import dev.ebpf4j.object.insn.HelperFunctions;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.Pseudo;

/**
 * Instruction text in the kernel's own syntax, as {@code bpftool prog dump xlated} and the verifier
 * log print it ({@code (b7) r0 = 0}, {@code (18) r6 = map[id:43][0]+0},
 * {@code (85) call bpf_trace_printk#6}, {@code (85) call pc+5}, {@code (79) r1 = *(u64 *)(r1 +0)}).
 *
 * <p>The rules follow the kernel's {@code print_bpf_insn} (kernel/bpf/disasm.c, including the v4
 * additions: sdiv/smod, movsx, bswap, ldsx, gotol, may_goto, load-acquire/store-release,
 * addr_space_cast) with bpftool's immediate and call callbacks ({@link XlatedSymbols}). Like the
 * kernel, undefined encodings print as {@code BUG_...} or with {@code (null)} where the kernel's
 * tables have no entry; nothing throws.
 */
public final class XlatedDisassembler {
    private XlatedDisassembler() {}

    /** {@code "(code) text"} of one instruction, without the index column. */
    public static String text(Instruction insn, XlatedSymbols symbols) {
        Objects.requireNonNull(insn, "insn");
        Objects.requireNonNull(symbols, "symbols");
        String code = String.format("(%02x) ", insn.opcode());
        return switch (insn.cls()) {
            case ALU, ALU64 -> code + alu(insn);
            case STX -> stx(insn, code);
            case ST -> st(insn, code);
            case LDX -> ldx(insn, code);
            case LD -> ld(insn, code, symbols);
            default -> code + jump(insn, symbols);
        };
    }

    /** {@code text(insn, XlatedSymbols.NONE)}. */
    public static String text(Instruction insn) {
        return text(insn, XlatedSymbols.NONE);
    }

    /** One line as bpftool prints it: {@code "%4d: (code) text"}. */
    public static String line(Instruction insn, int slot, XlatedSymbols symbols) {
        return String.format("%4d: ", slot) + text(insn, symbols);
    }

    /** The whole program as {@code bpftool prog dump xlated} prints it (one line per instruction). */
    public static String dump(List<Instruction> instructions, XlatedSymbols symbols) {
        return dump(instructions, symbols, Map.of(), Map.of(), false);
    }

    /**
     * The whole program with bpftool's annotations.
     *
     * @param functionHeaders slot to function prototype, printed as {@code "proto:"} before the slot
     *     (bpftool prints these from BTF func_info, e.g. {@code int hello(struct xdp_md * ctx)})
     * @param sourceLines slot to source text, printed as {@code "; text"} before the slot (from BTF
     *     line_info)
     * @param opcodes also print the raw bytes of each instruction on a following line, as
     *     {@code bpftool prog dump xlated ... opcodes} does
     */
    public static String dump(List<Instruction> instructions, XlatedSymbols symbols,
            Map<Integer, String> functionHeaders, Map<Integer, String> sourceLines, boolean opcodes) {
        StringBuilder sb = new StringBuilder();
        int[] slots = Instructions.slots(instructions);
        for (int i = 0; i < slots.length; i++) {
            Instruction insn = instructions.get(i);
            String header = functionHeaders.get(slots[i]);
            if (header != null && !header.isEmpty()) {
                sb.append(header).append(":\n");
            }
            String source = sourceLines.get(slots[i]);
            if (source != null) {
                sb.append("; ").append(source).append('\n');
            }
            sb.append(line(insn, slots[i], symbols)).append('\n');
            if (opcodes) {
                byte[] bytes = Instructions.encode(List.of(insn));
                sb.append("       ").append(hex(bytes, 0, 8));
                if (insn.isLoadImm64()) {
                    sb.append(' ').append(hex(bytes, 8, 16));
                }
                sb.append('\n');
            }
        }
        return sb.toString();
    }

    private static String hex(byte[] bytes, int from, int to) {
        StringBuilder sb = new StringBuilder();
        for (int i = from; i < to; i++) {
            if (i > from) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", bytes[i] & 0xff));
        }
        return sb.toString();
    }

    /** What glibc and the kernel's printf print for a NULL {@code %s}. */
    private static final String NULL = "(null)";

    private static String aluString(int op) {
        return switch (op) {
            case ADD -> "+=";
            case SUB -> "-=";
            case MUL -> "*=";
            case DIV -> "/=";
            case OR -> "|=";
            case AND -> "&=";
            case LSH -> "<<=";
            case RSH -> ">>=";
            case NEG -> "neg";
            case MOD -> "%=";
            case XOR -> "^=";
            case MOV -> "=";
            case ARSH -> "s>>=";
            case END -> "endian";
            default -> NULL;
        };
    }

    private static String ldstString(int opcode) {
        return switch (size(opcode)) {
            case W -> "u32";
            case H -> "u16";
            case B -> "u8";
            default -> "u64";
        };
    }

    private static String ldsxString(int opcode) {
        return switch (size(opcode)) {
            case W -> "s32";
            case H -> "s16";
            case B -> "s8";
            default -> NULL;
        };
    }

    private static String jmpString(int op) {
        return switch (op) {
            case JA -> "jmp";
            case JEQ -> "==";
            case JGT -> ">";
            case JLT -> "<";
            case JGE -> ">=";
            case JLE -> "<=";
            case JSET -> "&";
            case JNE -> "!=";
            case JSGT -> "s>";
            case JSLT -> "s<";
            case JSGE -> "s>=";
            case JSLE -> "s<=";
            case CALL -> "call";
            case EXIT -> "exit";
            default -> NULL;
        };
    }

    private static String atomicAluString(int op) {
        return switch (op) {
            case ADD -> "add";
            case AND -> "and";
            case OR -> "or";
            case XOR -> "xor";
            default -> NULL;
        };
    }

    private static String signed(int off) {
        return String.format("%+d", off);
    }

    private static String alu(Instruction in) {
        boolean is32 = in.cls() == ALU;
        char c = is32 ? 'w' : 'r';
        int op = in.op();
        boolean sdivSmod = (op == DIV || op == MOD) && in.off() == OFF_SIGNED;
        String operator = sdivSmod ? (op == DIV ? "s/=" : "s%=") : aluString(op);
        if (op == END) {
            if (!is32) {
                return "r" + in.dst() + " = bswap" + in.imm() + " r" + in.dst();
            }
            return "r" + in.dst() + " = " + (in.source() == TO_BE ? "be" : "le") + in.imm() + " r" + in.dst();
        }
        if (op == NEG) {
            return c + "" + in.dst() + " = -" + c + in.dst();
        }
        if (in.opcode() == (ALU64 | MOV | X) && in.off() == OFF_ADDR_SPACE_CAST) {
            return "r" + in.dst() + " = addr_space_cast(r" + in.src() + ", " + (in.imm() >>> 16) + ", "
                    + (in.imm() & 0xffff) + ")";
        }
        if (in.source() == X) {
            int off = in.off();
            boolean movsx = op == MOV && (off == 8 || off == 16 || off == 32);
            String cast = "";
            if (movsx) {
                cast = switch (off) {
                    case 8 -> "(s8)";
                    case 16 -> "(s16)";
                    default -> "(s32)";
                };
            }
            return c + "" + in.dst() + " " + operator + " " + cast + c + in.src();
        }
        return c + "" + in.dst() + " " + operator + " " + in.imm();
    }

    private static String stx(Instruction in, String code) {
        String size = ldstString(in.opcode());
        String addr = "(r" + in.dst() + " " + signed(in.off()) + ")";
        if (in.mode() == MEM) {
            return code + "*(" + size + " *)" + addr + " = r" + in.src();
        }
        if (in.mode() == ATOMIC) {
            int imm = in.imm();
            String width = in.size() == DW ? "64" : "";
            switch (imm) {
                case ATOMIC_ADD, ATOMIC_AND, ATOMIC_OR, ATOMIC_XOR -> {
                    return code + "lock *(" + size + " *)" + addr + " " + aluString(imm) + " r" + in.src();
                }
                case ATOMIC_ADD | FETCH, ATOMIC_AND | FETCH, ATOMIC_OR | FETCH, ATOMIC_XOR | FETCH -> {
                    return code + "r" + in.src() + " = atomic" + width + "_fetch_" + atomicAluString(imm & 0xf0)
                            + "((" + size + " *)" + addr + ", r" + in.src() + ")";
                }
                case CMPXCHG -> {
                    return code + "r0 = atomic" + width + "_cmpxchg((" + size + " *)" + addr + ", r0, r"
                            + in.src() + ")";
                }
                case XCHG -> {
                    return code + "r" + in.src() + " = atomic" + width + "_xchg((" + size + " *)" + addr + ", r"
                            + in.src() + ")";
                }
                case LOAD_ACQ -> {
                    return code + "r" + in.dst() + " = load_acquire((" + size + " *)(r" + in.src() + " "
                            + signed(in.off()) + "))";
                }
                case STORE_REL -> {
                    return code + "store_release((" + size + " *)" + addr + ", r" + in.src() + ")";
                }
                default -> {
                    // falls through to the BUG line below
                }
            }
        }
        return String.format("BUG_%02x", in.opcode());
    }

    private static String st(Instruction in, String code) {
        if (in.mode() == MEM) {
            return code + "*(" + ldstString(in.opcode()) + " *)(r" + in.dst() + " " + signed(in.off()) + ") = "
                    + in.imm();
        }
        if (in.mode() == 0xc0) {
            return code + "nospec";
        }
        return String.format("BUG_st_%02x", in.opcode());
    }

    private static String ldx(Instruction in, String code) {
        if (in.mode() != MEM && in.mode() != MEMSX) {
            return String.format("BUG_ldx_%02x", in.opcode());
        }
        String size = in.mode() == MEM ? ldstString(in.opcode()) : ldsxString(in.opcode());
        return code + "r" + in.dst() + " = *(" + size + " *)(r" + in.src() + " " + signed(in.off()) + ")";
    }

    private static String ld(Instruction in, String code, XlatedSymbols symbols) {
        String size = ldstString(in.opcode());
        if (in.mode() == ABS) {
            return code + "r0 = *(" + size + " *)skb[" + in.imm() + "]";
        }
        if (in.mode() == IND) {
            return code + "r0 = *(" + size + " *)skb[r" + in.src() + " + " + in.imm() + "]";
        }
        if (in.mode() == IMM && in.size() == DW) {
            String value = symbols.loadImm64(in);
            if (value == null) {
                value = defaultImm(in);
            }
            return code + "r" + in.dst() + " = " + value;
        }
        return String.format("BUG_ld_%02x", in.opcode());
    }

    private static String defaultImm(Instruction in) {
        return switch (in.src()) {
            case Pseudo.MAP_FD -> "map[id:" + in.imm() + "]";
            case Pseudo.MAP_VALUE -> "map[id:" + in.imm() + "][0]+" + in.nextImm();
            case Pseudo.MAP_IDX_VALUE -> "map[idx:" + in.imm() + "]+" + in.nextImm();
            case Pseudo.FUNC -> "subprog[" + signed(in.imm()) + "]";
            default -> "0x" + Long.toHexString(in.imm64());
        };
    }

    private static String jump(Instruction in, XlatedSymbols symbols) {
        boolean is32 = in.cls() == JMP32;
        char c = is32 ? 'w' : 'r';
        int op = in.op();
        if (op == CALL) {
            String name = callName(in, symbols);
            if (in.src() == Pseudo.CALL) {
                return "call pc" + name;
            }
            return "call " + name + "#" + in.imm();
        }
        if (in.opcode() == JA_OP) {
            return "goto pc" + signed(in.off());
        }
        if (in.opcode() == MAY_GOTO_OP && in.src() == Pseudo.MAY_GOTO) {
            return "may_goto pc" + signed(in.off());
        }
        if (in.opcode() == GOTOL_OP) {
            return "gotol pc" + signed(in.imm());
        }
        if (in.opcode() == EXIT_OP) {
            return "exit";
        }
        if (in.source() == X) {
            return "if " + c + in.dst() + " " + jmpString(op) + " " + c + in.src() + " goto pc" + signed(in.off());
        }
        return "if " + c + in.dst() + " " + jmpString(op) + " 0x" + Integer.toHexString(in.imm()) + " goto pc"
                + signed(in.off());
    }

    private static String callName(Instruction in, XlatedSymbols symbols) {
        if (in.src() == 0 && in.imm() >= 0) {
            var helper = HelperFunctions.name(in.imm());
            if (helper.isPresent()) {
                return helper.get();
            }
        }
        String resolved = symbols.call(in);
        if (resolved != null) {
            return resolved;
        }
        if (in.src() == Pseudo.CALL) {
            return signed(in.imm());
        }
        if (in.src() == Pseudo.KFUNC_CALL) {
            return "kernel-function";
        }
        return "unknown";
    }
}
