package dev.ebpf4j.vm.verifier;

import static dev.ebpf4j.object.insn.Opcode.*;

/**
 * Arithmetic on scalar abstract values: exact RFC 9669 semantics when both operands are constants, sound unsigned
 * ranges otherwise (anything not modelled gives the full range of the result width).
 */
final class ScalarOps {
    private ScalarOps() {}

    private static final long U32 = 0xffffffffL;

    /** Exact result of an ALU operation on constants ({@code off} selects sdiv/smod and movsx). */
    static long fold(int op, boolean alu64, long dst, long src, int off, int imm) {
        if (alu64) {
            return switch (op) {
                case ADD -> dst + src;
                case SUB -> dst - src;
                case MUL -> dst * src;
                case DIV -> src == 0 ? 0 : off == 1 ? (dst == Long.MIN_VALUE && src == -1 ? dst : dst / src)
                        : Long.divideUnsigned(dst, src);
                case OR -> dst | src;
                case AND -> dst & src;
                case LSH -> dst << (src & 63);
                case RSH -> dst >>> (src & 63);
                case NEG -> -dst;
                case MOD -> src == 0 ? dst : off == 1 ? (src == -1 ? 0 : dst % src) : Long.remainderUnsigned(dst, src);
                case XOR -> dst ^ src;
                case MOV -> switch (off) {
                    case 8 -> (byte) src;
                    case 16 -> (short) src;
                    case 32 -> (int) src;
                    default -> src;
                };
                case ARSH -> dst >> (src & 63);
                case END -> swap(dst, imm); // ALU64 END is bswap
                default -> throw new IllegalStateException("op " + op);
            };
        }
        int d = (int) dst;
        int s = (int) src;
        int r = switch (op) {
            case ADD -> d + s;
            case SUB -> d - s;
            case MUL -> d * s;
            case DIV -> s == 0 ? 0 : off == 1 ? (d == Integer.MIN_VALUE && s == -1 ? d : d / s)
                    : Integer.divideUnsigned(d, s);
            case OR -> d | s;
            case AND -> d & s;
            case LSH -> d << (s & 31);
            case RSH -> d >>> (s & 31);
            case NEG -> -d;
            case MOD -> s == 0 ? d : off == 1 ? (s == -1 ? 0 : d % s) : Integer.remainderUnsigned(d, s);
            case XOR -> d ^ s;
            case MOV -> switch (off) {
                case 8 -> (byte) s;
                case 16 -> (short) s;
                default -> s;
            };
            case ARSH -> d >> (s & 31);
            default -> throw new IllegalStateException("op " + op);
        };
        return r & U32;
    }

    /** ALU|END: to_le truncates, to_be swaps; {@code toBe} false for ALU64 bswap is handled by {@link #swap}. */
    static long end(long v, int imm, boolean toBe) {
        if (!toBe) {
            return imm == 64 ? v : v & ((1L << imm) - 1);
        }
        return swap(v, imm);
    }

    static long swap(long v, int imm) {
        return switch (imm) {
            case 16 -> Short.reverseBytes((short) v) & 0xffffL;
            case 32 -> Integer.reverseBytes((int) v) & U32;
            default -> Long.reverseBytes(v);
        };
    }

    private static boolean ule(long a, long b) {
        return Long.compareUnsigned(a, b) <= 0;
    }

    private static long umin(long a, long b) {
        return ule(a, b) ? a : b;
    }

    private static long umax(long a, long b) {
        return ule(a, b) ? b : a;
    }

    /** All ones from the highest set bit down. */
    private static long smear(long v) {
        return v == 0 ? 0 : -1L >>> Long.numberOfLeadingZeros(v);
    }

    /**
     * Range of {@code dst op src} for scalars. For 32-bit operations the operands are the low halves; when both
     * fit in 32 bits the same rules apply, checked against 32-bit overflow.
     */
    static Reg range(int op, boolean alu64, Reg dst, Reg src, int off) {
        long limit = alu64 ? -1L : U32;
        Reg full = alu64 ? Reg.UNKNOWN : Reg.U32;
        if (!alu64 && (!ule(dst.umax(), U32) || !ule(src.umax(), U32))) {
            return full;
        }
        long a0 = dst.umin();
        long a1 = dst.umax();
        long b0 = src.umin();
        long b1 = src.umax();
        Reg r = switch (op) {
            case ADD -> {
                long hi = a1 + b1;
                boolean overflow = alu64 ? Long.compareUnsigned(hi, a1) < 0 : !ule(hi, U32);
                yield overflow ? full : Reg.scalar(a0 + b0, hi);
            }
            case SUB -> ule(b1, a0) ? Reg.scalar(a0 - b1, a1 - b0) : full;
            case MUL -> ule(a1, U32) && ule(b1, U32) ? Reg.scalar(a0 * b0, a1 * b1) : full;
            case DIV -> off == 1 ? full : Reg.scalar(0, a1);
            case MOD -> off == 1 ? full : Reg.scalar(0, b0 == 0 ? a1 : umin(a1, b1 - 1));
            case AND -> Reg.scalar(0, umin(a1, b1));
            case OR -> Reg.scalar(umax(a0, b0), smear(umax(a1, b1)));
            case XOR -> Reg.scalar(0, smear(umax(a1, b1)));
            case LSH -> {
                if (!src.isConst()) {
                    yield full;
                }
                int k = (int) (b0 & (alu64 ? 63 : 31));
                long hi = a1 << k;
                boolean lost = k != 0 && (a1 >>> (64 - k)) != 0;
                yield lost || !ule(hi, limit) ? full : Reg.scalar(a0 << k, hi);
            }
            case RSH -> {
                if (!src.isConst()) {
                    yield Reg.scalar(0, a1);
                }
                int k = (int) (b0 & (alu64 ? 63 : 31));
                yield Reg.scalar(a0 >>> k, a1 >>> k);
            }
            case ARSH -> {
                long signBit = alu64 ? Long.MIN_VALUE : 0x80000000L;
                if ((a1 & signBit) == 0 && ule(a1, limit) && src.isConst()) {
                    int k = (int) (b0 & (alu64 ? 63 : 31));
                    yield Reg.scalar(a0 >>> k, a1 >>> k);
                }
                yield full;
            }
            default -> full;
        };
        return ule(r.umax(), limit) ? r : full;
    }
}
