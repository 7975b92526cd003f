package dev.ebpf4j.vm.interp;

import static dev.ebpf4j.object.insn.Opcode.*;

import java.lang.foreign.MemorySegment;
import java.util.List;

import dev.ebpf4j.object.disasm.ObjdumpDisassembler;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Pseudo;
import dev.ebpf4j.vm.BpfLoadException;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * A program decoded for execution: one entry per 8-byte slot (the second slot of a {@code lddw} holds
 * {@link #SECOND_SLOT}), fields in flat arrays, {@code lddw} immediates resolved to their final 64-bit
 * value. Decoding checks what the interpreter relies on and refuses the rest with a
 * {@link BpfLoadException}: unknown opcodes and encodings, registers above r10, writes to r10, jumps and
 * calls outside the program or into the middle of a {@code lddw}. Code has an address (a shared region),
 * so a {@code lddw} of a function ({@code BPF_PSEUDO_FUNC}) yields {@code codeBase + 8 * slot}.
 */
public final class Code {
    /** The opcode stored in the second slot of a {@code lddw}. */
    public static final int SECOND_SLOT = -1;

    /** Resolves the immediate of a {@code lddw} with a pseudo source (map, map value, function, extern). */
    @FunctionalInterface
    public interface LoadResolver {
        long resolve(int slot, Instruction insn);
    }

    final String name;
    final int length;
    final int[] op;
    final int[] dst;
    final int[] src;
    final int[] off;
    final int[] imm;
    final long[] imm64;
    final Instruction[] insns;
    final Region region;
    private final Object owner;

    /**
     * Decodes {@code instructions}; {@code lddw} with a pseudo source other than {@link Pseudo#FUNC}
     * goes to {@code resolver}; {@code owner} is what {@link #owner()} gives back (the VM's program).
     */
    public Code(String name, List<Instruction> instructions, SharedRegions shared, LoadResolver resolver, Object owner) {
        this.name = name;
        this.owner = owner;
        int slots = 0;
        for (Instruction i : instructions) {
            slots += i.slots();
        }
        if (slots == 0) {
            throw new BpfLoadException("program '" + name + "' has no instructions");
        }
        length = slots;
        op = new int[slots];
        dst = new int[slots];
        src = new int[slots];
        off = new int[slots];
        imm = new int[slots];
        imm64 = new long[slots];
        insns = new Instruction[slots];
        int s = 0;
        for (Instruction i : instructions) {
            op[s] = i.opcode();
            dst[s] = i.dst();
            src[s] = i.src();
            off[s] = i.off();
            imm[s] = i.imm();
            insns[s] = i;
            if (i.isLoadImm64()) {
                op[s + 1] = SECOND_SLOT;
                insns[s + 1] = i;
            }
            s += i.slots();
        }
        region = shared.register(Region.Kind.CODE, name, MemorySegment.ofArray(new byte[slots * 8]), false, false, this);
        for (int pc = 0; pc < slots; pc++) {
            if (op[pc] != SECOND_SLOT) {
                check(pc);
            }
        }
        for (int pc = 0; pc < slots; pc++) {
            if (op[pc] == LD_IMM64) {
                Instruction i = insns[pc];
                imm64[pc] = switch (i.src()) {
                    case Pseudo.NONE -> i.imm64();
                    case Pseudo.FUNC -> functionAddress(pc + 1 + i.imm());
                    default -> resolver.resolve(pc, i);
                };
            }
        }
    }

    public String name() {
        return name;
    }

    /** Number of slots. */
    public int length() {
        return length;
    }

    /** The object this code belongs to (a {@code VmProgram}), or null. */
    public Object owner() {
        return owner;
    }

    /** The region whose addresses stand for this code's slots. */
    public Region region() {
        return region;
    }

    /** The address a {@code BPF_PSEUDO_FUNC} load of the function at {@code slot} yields. */
    public long functionAddress(int slot) {
        return region.address(slot * 8L);
    }

    /** The instruction at {@code slot} (for a lddw's second slot: the lddw). */
    public Instruction instruction(int slot) {
        return insns[slot];
    }

    /** The final 64-bit value the {@code lddw} at {@code slot} loads (map handle, value address, function address...). */
    public long loadValue(int slot) {
        return imm64[slot];
    }

    /** Objdump-style text of the instruction at {@code slot}, for messages. */
    public String text(int slot) {
        if (slot < 0 || slot >= length) {
            return null;
        }
        try {
            return ObjdumpDisassembler.text(insns[slot]);
        } catch (RuntimeException e) {
            return insns[slot].toString();
        }
    }

    private BpfLoadException refuse(int pc, String why) {
        return new BpfLoadException("program '" + name + "' instruction " + pc + " (" + text(pc) + "): " + why);
    }

    private void checkTarget(int pc, long target) {
        if (target < 0 || target >= length) {
            throw refuse(pc, "jump target " + target + " is outside the program (0.." + (length - 1) + ")");
        }
        if (op[(int) target] == SECOND_SLOT) {
            throw refuse(pc, "jump target " + target + " is the second half of a lddw");
        }
    }

    private void checkReg(int pc, int reg, boolean write) {
        if (reg > 10) {
            throw refuse(pc, "register r" + reg + " does not exist");
        }
        if (write && reg == 10) {
            throw refuse(pc, "r10 (the frame pointer) is read-only");
        }
    }

    private void check(int pc) {
        int o = op[pc];
        int cls = o & CLASS_MASK;
        int d = dst[pc];
        int sr = src[pc];
        int of = off[pc];
        int im = imm[pc];
        switch (cls) {
            case ALU, ALU64 -> {
                int code = o & OP_MASK;
                boolean x = (o & X) != 0;
                checkReg(pc, d, true);
                if (x && code != END) {
                    checkReg(pc, sr, false);
                }
                switch (code) {
                    case ADD, SUB, MUL, OR, AND, LSH, RSH, XOR, ARSH -> requireOff(pc, of == 0);
                    case DIV, MOD -> requireOff(pc, of == 0 || of == 1);
                    case NEG -> {
                        if (x) {
                            throw refuse(pc, "neg takes no source register");
                        }
                    }
                    case MOV -> {
                        if (cls == ALU64 && x && of == 1) {
                            throw refuse(pc, "addr_space_cast (arena pointers) is not supported by the fallback VM");
                        }
                        requireOff(pc, of == 0 || (x && (of == 8 || of == 16 || (of == 32 && cls == ALU64))));
                    }
                    case END -> {
                        if (cls == ALU64 && x) {
                            throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                        }
                        if (im != 16 && im != 32 && im != 64) {
                            throw refuse(pc, "byte swap width must be 16, 32 or 64, not " + im);
                        }
                    }
                    default -> throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                }
            }
            case JMP, JMP32 -> {
                int code = o & OP_MASK;
                boolean x = (o & X) != 0;
                switch (code) {
                    case JA -> {
                        if (x) {
                            throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                        }
                        checkTarget(pc, pc + 1L + (cls == JMP32 ? im : of));
                    }
                    case CALL -> {
                        if (cls == JMP32) {
                            throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                        }
                        if (x) {
                            checkReg(pc, d, false);
                        } else if (sr == Pseudo.CALL) {
                            checkTarget(pc, pc + 1L + im);
                        } else if (sr == Pseudo.KFUNC_CALL) {
                            throw refuse(pc, "kfunc calls (BTF id " + im + ") are not supported by the fallback VM");
                        } else if (sr != Pseudo.HELPER_CALL) {
                            throw refuse(pc, "unknown call kind src=" + sr);
                        }
                    }
                    case EXIT -> {
                        if (cls == JMP32 || x) {
                            throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                        }
                    }
                    case JCOND -> {
                        if (cls == JMP32 || x || sr != Pseudo.MAY_GOTO) {
                            throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                        }
                        checkTarget(pc, pc + 1L + of);
                    }
                    case JEQ, JGT, JGE, JSET, JNE, JSGT, JSGE, JLT, JLE, JSLT, JSLE -> {
                        checkReg(pc, d, false);
                        if (x) {
                            checkReg(pc, sr, false);
                        }
                        checkTarget(pc, pc + 1L + of);
                    }
                    default -> throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                }
            }
            case LDX -> {
                int mode = o & MODE_MASK;
                if (!(mode == MEM || (mode == MEMSX && (o & SIZE_MASK) != DW))) {
                    throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                }
                checkReg(pc, d, true);
                checkReg(pc, sr, false);
            }
            case ST -> {
                if ((o & MODE_MASK) != MEM) {
                    throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                }
                checkReg(pc, d, false);
            }
            case STX -> {
                int mode = o & MODE_MASK;
                checkReg(pc, d, false);
                checkReg(pc, sr, false);
                if (mode == ATOMIC) {
                    int size = o & SIZE_MASK;
                    boolean wide = size == W || size == DW;
                    boolean ok = switch (im) {
                        case ATOMIC_ADD, ATOMIC_OR, ATOMIC_AND, ATOMIC_XOR, ATOMIC_ADD | FETCH, ATOMIC_OR | FETCH,
                             ATOMIC_AND | FETCH, ATOMIC_XOR | FETCH, XCHG, CMPXCHG -> wide;
                        case LOAD_ACQ -> {
                            checkReg(pc, d, true);
                            yield true;
                        }
                        case STORE_REL -> true;
                        default -> false;
                    };
                    if (!ok) {
                        throw refuse(pc, "unknown atomic operation 0x" + Integer.toHexString(im));
                    }
                } else if (mode != MEM) {
                    throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                }
            }
            case LD -> {
                int mode = o & MODE_MASK;
                if (o == LD_IMM64) {
                    checkReg(pc, d, true);
                    if (pc + 1 >= length) {
                        throw refuse(pc, "lddw is missing its second slot");
                    }
                    if (sr == Pseudo.FUNC) {
                        checkTarget(pc, pc + 1L + im);
                    } else if (sr > Pseudo.MAP_IDX_VALUE) {
                        throw refuse(pc, "unknown lddw source " + sr);
                    }
                } else if ((mode == ABS || mode == IND) && (o & SIZE_MASK) != DW) {
                    if (mode == IND) {
                        checkReg(pc, sr, false);
                    }
                } else {
                    throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
                }
            }
            default -> throw refuse(pc, "unknown opcode 0x" + Integer.toHexString(o));
        }
    }

    private void requireOff(int pc, boolean ok) {
        if (!ok) {
            throw refuse(pc, "invalid offset " + off[pc] + " for this opcode");
        }
    }
}
