package dev.ebpf4j.vm.interp;

import static dev.ebpf4j.object.insn.Opcode.*;

import dev.ebpf4j.object.insn.Pseudo;
import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.ContextInstance;
import dev.ebpf4j.vm.helpers.Helper;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;

/**
 * The instruction loop: the whole RFC 9669 ISA plus the kernel's extensions (may_goto, load-acquire /
 * store-release, legacy packet loads), BPF-to-BPF calls with their own 512-byte frames and r6-r9
 * preserved, tail calls, an instruction budget. Every fault becomes a {@link BpfRuntimeException}
 * located at the faulting instruction.
 */
public final class Interpreter {
    private Interpreter() {}

    /** Runs {@code ex}'s program from its first instruction with the bound context; returns r0. */
    public static long run(Execution ex) {
        ContextInstance ctx = ex.context;
        long r1 = ctx == null ? 0 : ctx.r1();
        long r2 = ctx == null ? 0 : ctx.r2();
        try {
            return execute(ex, ex.program.code(), 0, r1, r2, 0, 0, 0);
        } finally {
            ex.releaseReservations();
        }
    }

    /**
     * A legacy packet load ({@code LD_ABS}/{@code LD_IND}) out of bounds: the program ends with r0 = 0. Thrown past
     * compiled code to its run, which returns 0; the interpreter's own activations return 0 where it is caught.
     */
    public static final class ProgramEnd extends RuntimeException {
        private static final long serialVersionUID = 1L;
        public static final ProgramEnd INSTANCE = new ProgramEnd();

        private ProgramEnd() {
            super(null, null, false, false);
        }
    }

    /**
     * Runs the function at {@code entry} of {@code code} in a new frame until it returns; r1..r5 are
     * its arguments. Used for the program itself and for callbacks.
     */
    static long execute(Execution ex, Code code, int entry, long a1, long a2, long a3, long a4, long a5) {
        final long[] r = new long[11];
        r[1] = a1;
        r[2] = a2;
        r[3] = a3;
        r[4] = a4;
        r[5] = a5;
        r[10] = ex.enterFrame();
        return loop(ex, code, entry, r, false);
    }

    /**
     * Continues a function that compiled code started: from slot {@code pc} of {@code code}, with the registers
     * given, in the frame the function already entered (r10 its top), until the function returns (leaving that
     * frame), as if the interpreter had run it from its entry. The JIT hands a function over here when the
     * instruction budget may run out before its next check: the budget's fault is then the interpreter's own. A
     * legacy packet load that ends the program throws {@link ProgramEnd}.
     */
    public static long resume(Execution ex, Code code, int pc, long r0, long r1, long r2, long r3, long r4, long r5,
                              long r6, long r7, long r8, long r9, long r10) {
        return loop(ex, code, pc, new long[] {r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10}, true);
    }

    private static long loop(Execution ex, Code code, int start, long[] r, boolean resumed) {
        final AddressSpace mem = ex.memory;
        final int baseDepth = ex.depth;
        // saved callers of BPF-to-BPF calls made inside this activation
        final long[] saved = new long[Execution.MAX_FRAMES * 5];
        final int[] savedPc = new int[Execution.MAX_FRAMES];
        final Code[] savedCode = new Code[Execution.MAX_FRAMES];
        int calls = 0;

        int[] ops = code.op;
        int[] dsts = code.dst;
        int[] srcs = code.src;
        int[] offs = code.off;
        int[] imms = code.imm;
        int pc = start;
        final long budget = ex.budget;
        try {
            while (true) {
                if (++ex.executed > budget) {
                    throw new BpfRuntimeException("instruction budget of " + budget
                            + " exhausted (a runaway loop?); raise it with RunOptions.instructionBudget");
                }
                if (pc < 0 || pc >= code.length) {
                    throw new BpfRuntimeException("execution ran off the end of the program (slot " + pc + ")");
                }
                final int op = ops[pc];
                final int d = dsts[pc];
                final int s = srcs[pc];
                final int o = offs[pc];
                final int k = imms[pc];
                switch (op) {
                    // ---- ALU64 ----
                    case ALU64 | ADD | K -> r[d] += k;
                    case ALU64 | ADD | X -> r[d] += r[s];
                    case ALU64 | SUB | K -> r[d] -= k;
                    case ALU64 | SUB | X -> r[d] -= r[s];
                    case ALU64 | MUL | K -> r[d] *= k;
                    case ALU64 | MUL | X -> r[d] *= r[s];
                    case ALU64 | DIV | K -> r[d] = div64(r[d], k, o);
                    case ALU64 | DIV | X -> r[d] = div64(r[d], r[s], o);
                    case ALU64 | MOD | K -> r[d] = mod64(r[d], k, o);
                    case ALU64 | MOD | X -> r[d] = mod64(r[d], r[s], o);
                    case ALU64 | OR | K -> r[d] |= k;
                    case ALU64 | OR | X -> r[d] |= r[s];
                    case ALU64 | AND | K -> r[d] &= k;
                    case ALU64 | AND | X -> r[d] &= r[s];
                    case ALU64 | XOR | K -> r[d] ^= k;
                    case ALU64 | XOR | X -> r[d] ^= r[s];
                    case ALU64 | LSH | K -> r[d] <<= k;
                    case ALU64 | LSH | X -> r[d] <<= r[s];
                    case ALU64 | RSH | K -> r[d] >>>= k;
                    case ALU64 | RSH | X -> r[d] >>>= r[s];
                    case ALU64 | ARSH | K -> r[d] >>= k;
                    case ALU64 | ARSH | X -> r[d] >>= r[s];
                    case ALU64 | NEG -> r[d] = -r[d];
                    case ALU64 | MOV | K -> r[d] = k;
                    case ALU64 | MOV | X -> r[d] = switch (o) {
                        case 8 -> (byte) r[s];
                        case 16 -> (short) r[s];
                        case 32 -> (int) r[s];
                        default -> r[s];
                    };
                    case ALU64 | END -> r[d] = swap(r[d], k);
                    // ---- ALU (32-bit, result zero-extended) ----
                    case ALU | ADD | K -> r[d] = u32((int) r[d] + k);
                    case ALU | ADD | X -> r[d] = u32((int) r[d] + (int) r[s]);
                    case ALU | SUB | K -> r[d] = u32((int) r[d] - k);
                    case ALU | SUB | X -> r[d] = u32((int) r[d] - (int) r[s]);
                    case ALU | MUL | K -> r[d] = u32((int) r[d] * k);
                    case ALU | MUL | X -> r[d] = u32((int) r[d] * (int) r[s]);
                    case ALU | DIV | K -> r[d] = div32((int) r[d], k, o);
                    case ALU | DIV | X -> r[d] = div32((int) r[d], (int) r[s], o);
                    case ALU | MOD | K -> r[d] = mod32((int) r[d], k, o);
                    case ALU | MOD | X -> r[d] = mod32((int) r[d], (int) r[s], o);
                    case ALU | OR | K -> r[d] = u32((int) r[d] | k);
                    case ALU | OR | X -> r[d] = u32((int) r[d] | (int) r[s]);
                    case ALU | AND | K -> r[d] = u32((int) r[d] & k);
                    case ALU | AND | X -> r[d] = u32((int) r[d] & (int) r[s]);
                    case ALU | XOR | K -> r[d] = u32((int) r[d] ^ k);
                    case ALU | XOR | X -> r[d] = u32((int) r[d] ^ (int) r[s]);
                    case ALU | LSH | K -> r[d] = u32((int) r[d] << k);
                    case ALU | LSH | X -> r[d] = u32((int) r[d] << r[s]);
                    case ALU | RSH | K -> r[d] = u32((int) r[d] >>> k);
                    case ALU | RSH | X -> r[d] = u32((int) r[d] >>> r[s]);
                    case ALU | ARSH | K -> r[d] = u32((int) r[d] >> k);
                    case ALU | ARSH | X -> r[d] = u32((int) r[d] >> r[s]);
                    case ALU | NEG -> r[d] = u32(-(int) r[d]);
                    case ALU | MOV | K -> r[d] = u32(k);
                    case ALU | MOV | X -> r[d] = switch (o) {
                        case 8 -> u32((byte) r[s]);
                        case 16 -> u32((short) r[s]);
                        default -> u32((int) r[s]);
                    };
                    case ALU | END | TO_LE -> r[d] = switch (k) {
                        case 16 -> r[d] & 0xffffL;
                        case 32 -> r[d] & 0xffff_ffffL;
                        default -> r[d];
                    };
                    case ALU | END | TO_BE -> r[d] = swap(r[d], k);
                    // ---- JMP ----
                    case JMP | JA -> pc += o;
                    case JMP32 | JA -> pc += k;
                    case JMP | JEQ | K -> pc += r[d] == k ? o : 0;
                    case JMP | JEQ | X -> pc += r[d] == r[s] ? o : 0;
                    case JMP | JNE | K -> pc += r[d] != k ? o : 0;
                    case JMP | JNE | X -> pc += r[d] != r[s] ? o : 0;
                    case JMP | JGT | K -> pc += Long.compareUnsigned(r[d], k) > 0 ? o : 0;
                    case JMP | JGT | X -> pc += Long.compareUnsigned(r[d], r[s]) > 0 ? o : 0;
                    case JMP | JGE | K -> pc += Long.compareUnsigned(r[d], k) >= 0 ? o : 0;
                    case JMP | JGE | X -> pc += Long.compareUnsigned(r[d], r[s]) >= 0 ? o : 0;
                    case JMP | JLT | K -> pc += Long.compareUnsigned(r[d], k) < 0 ? o : 0;
                    case JMP | JLT | X -> pc += Long.compareUnsigned(r[d], r[s]) < 0 ? o : 0;
                    case JMP | JLE | K -> pc += Long.compareUnsigned(r[d], k) <= 0 ? o : 0;
                    case JMP | JLE | X -> pc += Long.compareUnsigned(r[d], r[s]) <= 0 ? o : 0;
                    case JMP | JSET | K -> pc += (r[d] & k) != 0 ? o : 0;
                    case JMP | JSET | X -> pc += (r[d] & r[s]) != 0 ? o : 0;
                    case JMP | JSGT | K -> pc += r[d] > k ? o : 0;
                    case JMP | JSGT | X -> pc += r[d] > r[s] ? o : 0;
                    case JMP | JSGE | K -> pc += r[d] >= k ? o : 0;
                    case JMP | JSGE | X -> pc += r[d] >= r[s] ? o : 0;
                    case JMP | JSLT | K -> pc += r[d] < k ? o : 0;
                    case JMP | JSLT | X -> pc += r[d] < r[s] ? o : 0;
                    case JMP | JSLE | K -> pc += r[d] <= k ? o : 0;
                    case JMP | JSLE | X -> pc += r[d] <= r[s] ? o : 0;
                    // ---- JMP32 ----
                    case JMP32 | JEQ | K -> pc += (int) r[d] == k ? o : 0;
                    case JMP32 | JEQ | X -> pc += (int) r[d] == (int) r[s] ? o : 0;
                    case JMP32 | JNE | K -> pc += (int) r[d] != k ? o : 0;
                    case JMP32 | JNE | X -> pc += (int) r[d] != (int) r[s] ? o : 0;
                    case JMP32 | JGT | K -> pc += Integer.compareUnsigned((int) r[d], k) > 0 ? o : 0;
                    case JMP32 | JGT | X -> pc += Integer.compareUnsigned((int) r[d], (int) r[s]) > 0 ? o : 0;
                    case JMP32 | JGE | K -> pc += Integer.compareUnsigned((int) r[d], k) >= 0 ? o : 0;
                    case JMP32 | JGE | X -> pc += Integer.compareUnsigned((int) r[d], (int) r[s]) >= 0 ? o : 0;
                    case JMP32 | JLT | K -> pc += Integer.compareUnsigned((int) r[d], k) < 0 ? o : 0;
                    case JMP32 | JLT | X -> pc += Integer.compareUnsigned((int) r[d], (int) r[s]) < 0 ? o : 0;
                    case JMP32 | JLE | K -> pc += Integer.compareUnsigned((int) r[d], k) <= 0 ? o : 0;
                    case JMP32 | JLE | X -> pc += Integer.compareUnsigned((int) r[d], (int) r[s]) <= 0 ? o : 0;
                    case JMP32 | JSET | K -> pc += ((int) r[d] & k) != 0 ? o : 0;
                    case JMP32 | JSET | X -> pc += ((int) r[d] & (int) r[s]) != 0 ? o : 0;
                    case JMP32 | JSGT | K -> pc += (int) r[d] > k ? o : 0;
                    case JMP32 | JSGT | X -> pc += (int) r[d] > (int) r[s] ? o : 0;
                    case JMP32 | JSGE | K -> pc += (int) r[d] >= k ? o : 0;
                    case JMP32 | JSGE | X -> pc += (int) r[d] >= (int) r[s] ? o : 0;
                    case JMP32 | JSLT | K -> pc += (int) r[d] < k ? o : 0;
                    case JMP32 | JSLT | X -> pc += (int) r[d] < (int) r[s] ? o : 0;
                    case JMP32 | JSLE | K -> pc += (int) r[d] <= k ? o : 0;
                    case JMP32 | JSLE | X -> pc += (int) r[d] <= (int) r[s] ? o : 0;
                    case MAY_GOTO_OP -> {
                        if (ex.mayGoto > 0) {
                            ex.mayGoto--;
                        } else {
                            pc += o;
                        }
                    }
                    // ---- calls ----
                    case CALL_OP, CALLX_OP -> {
                        int target;
                        if (op == CALLX_OP) {
                            target = callxTarget(mem, code, r[d]);
                        } else if (s == Pseudo.CALL) {
                            target = pc + 1 + k;
                        } else {
                            Helper h = ex.helpers.get(k);
                            if (h == null) {
                                throw new BpfRuntimeException(ex.helpers.describeMissing(k));
                            }
                            r[0] = h.call(ex, r[1], r[2], r[3], r[4], r[5]);
                            VmProgram next = ex.pendingTailCall;
                            if (next != null) {
                                ex.pendingTailCall = null;
                                ex.program = next;
                                code = next.code();
                                ops = code.op;
                                dsts = code.dst;
                                srcs = code.src;
                                offs = code.off;
                                imms = code.imm;
                                pc = 0;
                                continue;
                            }
                            break;
                        }
                        if (calls + 1 >= Execution.MAX_FRAMES) {
                            throw new BpfRuntimeException("call stack too deep: more than " + Execution.MAX_FRAMES + " frames");
                        }
                        int b = calls * 5;
                        saved[b] = r[6];
                        saved[b + 1] = r[7];
                        saved[b + 2] = r[8];
                        saved[b + 3] = r[9];
                        saved[b + 4] = r[10];
                        savedPc[calls] = pc + 1;
                        savedCode[calls] = code;
                        calls++;
                        r[10] = ex.enterFrame();
                        pc = target;
                        continue;
                    }
                    case EXIT_OP -> {
                        if (calls == 0) {
                            ex.leaveFrame();
                            return r[0];
                        }
                        calls--;
                        ex.leaveFrame();
                        int b = calls * 5;
                        r[6] = saved[b];
                        r[7] = saved[b + 1];
                        r[8] = saved[b + 2];
                        r[9] = saved[b + 3];
                        r[10] = saved[b + 4];
                        if (savedCode[calls] != code) {
                            code = savedCode[calls];
                            ops = code.op;
                            dsts = code.dst;
                            srcs = code.src;
                            offs = code.off;
                            imms = code.imm;
                        }
                        pc = savedPc[calls];
                        continue;
                    }
                    // ---- loads and stores ----
                    case LDX | MEM | B -> r[d] = mem.load(r[s] + o, 1);
                    case LDX | MEM | H -> r[d] = mem.load(r[s] + o, 2);
                    case LDX | MEM | W -> r[d] = mem.load(r[s] + o, 4);
                    case LDX | MEM | DW -> r[d] = mem.load(r[s] + o, 8);
                    case LDX | MEMSX | B -> r[d] = (byte) mem.load(r[s] + o, 1);
                    case LDX | MEMSX | H -> r[d] = (short) mem.load(r[s] + o, 2);
                    case LDX | MEMSX | W -> r[d] = (int) mem.load(r[s] + o, 4);
                    case ST | MEM | B -> mem.store(r[d] + o, 1, k);
                    case ST | MEM | H -> mem.store(r[d] + o, 2, k);
                    case ST | MEM | W -> mem.store(r[d] + o, 4, k);
                    case ST | MEM | DW -> mem.store(r[d] + o, 8, k);
                    case STX | MEM | B -> mem.store(r[d] + o, 1, r[s]);
                    case STX | MEM | H -> mem.store(r[d] + o, 2, r[s]);
                    case STX | MEM | W -> mem.store(r[d] + o, 4, r[s]);
                    case STX | MEM | DW -> mem.store(r[d] + o, 8, r[s]);
                    case STX | ATOMIC | B, STX | ATOMIC | H, STX | ATOMIC | W, STX | ATOMIC | DW -> {
                        int size = Segments_size(op);
                        switch (k) {
                            case LOAD_ACQ -> r[d] = mem.atomic(k, r[s] + o, size, 0, 0);
                            case STORE_REL -> mem.atomic(k, r[d] + o, size, r[s], 0);
                            case CMPXCHG -> r[0] = mem.atomic(k, r[d] + o, size, r[s], r[0]);
                            default -> {
                                long old = mem.atomic(k, r[d] + o, size, r[s], 0);
                                if ((k & FETCH) != 0) {
                                    r[s] = old;
                                }
                            }
                        }
                    }
                    case LD_IMM64 -> {
                        r[d] = code.imm64[pc];
                        pc++;
                    }
                    case LD | ABS | B, LD | ABS | H, LD | ABS | W -> r[0] = legacyLoad(ex, (long) k, Segments_size(op));
                    case LD | IND | B, LD | IND | H, LD | IND | W ->
                            r[0] = legacyLoad(ex, (long) (int) r[s] + k, Segments_size(op));
                    default -> throw new BpfRuntimeException("invalid instruction (opcode 0x" + Integer.toHexString(op & 0xff)
                            + (op == Code.SECOND_SLOT ? ", the second half of a lddw" : "") + ")");
                }
                pc++;
            }
        } catch (ProgramEnd e) {
            ex.depth = baseDepth - 1;
            if (resumed) {
                throw e;
            }
            return 0;
        } catch (BpfRuntimeException e) {
            ex.depth = baseDepth - 1;
            throw e.at(code.name, pc, code.text(pc));
        } catch (RuntimeException e) {
            ex.depth = baseDepth - 1;
            throw new BpfRuntimeException("internal error: " + e, e).at(code.name, pc, code.text(pc));
        }
    }

    private static int Segments_size(int op) {
        return switch (op & SIZE_MASK) {
            case B -> 1;
            case H -> 2;
            case W -> 4;
            default -> 8;
        };
    }

    private static long u32(int v) {
        return v & 0xffff_ffffL;
    }

    private static long div64(long a, long b, int signed) {
        if (b == 0) {
            return 0;
        }
        return signed == 1 ? a / b : Long.divideUnsigned(a, b);
    }

    private static long mod64(long a, long b, int signed) {
        if (b == 0) {
            return a;
        }
        return signed == 1 ? a % b : Long.remainderUnsigned(a, b);
    }

    private static long div32(int a, int b, int signed) {
        if (b == 0) {
            return 0;
        }
        return u32(signed == 1 ? a / b : Integer.divideUnsigned(a, b));
    }

    private static long mod32(int a, int b, int signed) {
        if (b == 0) {
            return u32(a);
        }
        return u32(signed == 1 ? a % b : Integer.remainderUnsigned(a, b));
    }

    private static long swap(long v, int width) {
        return switch (width) {
            case 16 -> Short.reverseBytes((short) v) & 0xffffL;
            case 32 -> Integer.reverseBytes((int) v) & 0xffff_ffffL;
            default -> Long.reverseBytes(v);
        };
    }

    private static int callxTarget(AddressSpace mem, Code code, long address) {
        Region r = mem.region(address);
        long off = AddressSpace.offset(address);
        if (r == null || r.owner() != code || off < 0 || (off & 7) != 0 || off / 8 >= code.length
                || code.op[(int) (off / 8)] == Code.SECOND_SLOT) {
            throw new BpfRuntimeException(String.format(
                    "callx target 0x%x is not the address of a function of this program (callx takes a function "
                            + "pointer from lddw of a function; it is outside RFC 9669 and integer helper ids are not accepted)",
                    address));
        }
        return (int) (off / 8);
    }

    /** LD_ABS / LD_IND: a big-endian load from the packet; out of bounds ends the program with r0 = 0. */
    private static long legacyLoad(Execution ex, long offset, int size) {
        ContextInstance ctx = ex.context;
        Region p = ctx == null ? null : ctx.packet();
        if (p == null) {
            throw new BpfRuntimeException("LD_ABS/LD_IND need a context with a packet (socket filter or tc)");
        }
        long start = ctx.dataOffset();
        long len = ctx.dataEndOffset() - start;
        if (offset < 0 || offset + size > len) {
            throw ProgramEnd.INSTANCE;
        }
        long at = start + offset;
        return switch (size) {
            case 1 -> p.segment().get(Segments.U8, at) & 0xffL;
            case 2 -> p.segment().get(Segments.BE16, at) & 0xffffL;
            default -> p.segment().get(Segments.BE32, at) & 0xffff_ffffL;
        };
    }
}
