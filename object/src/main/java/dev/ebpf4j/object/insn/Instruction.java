package dev.ebpf4j.object.insn;

import static dev.ebpf4j.object.insn.Opcode.*;

/**
 * One eBPF instruction, the typed form of the kernel's {@code struct bpf_insn}.
 *
 * <p>The 16-byte load of a 64-bit immediate ({@code lddw}, opcode {@code 0x18}) is one instruction
 * here: {@link #imm()} holds the low 32 bits (the first slot's imm) and {@link #nextImm()} the high
 * 32 bits (the second slot's imm); {@link #slots()} is 2. For every other instruction
 * {@code nextImm} is 0 and {@code slots()} is 1. Instruction positions are counted in 8-byte slots,
 * as the kernel, llvm-objdump and bpftool count them (see {@link Instructions#slots}).
 *
 * @param opcode the opcode byte, 0..255
 * @param dst destination register field, 0..15
 * @param src source register field, 0..15 (for lddw and calls: the pseudo source kind, see {@link Pseudo})
 * @param off signed 16-bit offset
 * @param imm signed 32-bit immediate (for lddw: low half of the 64-bit immediate)
 * @param nextImm for lddw the imm of the second slot (high half), otherwise 0
 */
public record Instruction(int opcode, int dst, int src, short off, int imm, int nextImm) {

    public Instruction {
        if (opcode < 0 || opcode > 0xff) {
            throw new IllegalArgumentException("opcode out of range 0..255: " + opcode);
        }
        if (dst < 0 || dst > 15) {
            throw new IllegalArgumentException("dst register field out of range 0..15: " + dst);
        }
        if (src < 0 || src > 15) {
            throw new IllegalArgumentException("src register field out of range 0..15: " + src);
        }
        if (nextImm != 0 && opcode != LD_IMM64) {
            throw new IllegalArgumentException(String.format(
                    "only lddw (0x18) has a second immediate, not opcode 0x%02x", opcode));
        }
    }

    /** A single-slot instruction (or an lddw with a zero high half). */
    public static Instruction of(int opcode, int dst, int src, int off, int imm) {
        return new Instruction(opcode, dst, src, checkedOff(off), imm, 0);
    }

    /** {@code lddw dst, imm64} with the given pseudo source kind and both halves of the immediate. */
    public static Instruction loadImm64(int dst, int src, int imm, int nextImm) {
        return new Instruction(LD_IMM64, dst, src, (short) 0, imm, nextImm);
    }

    /** {@code lddw dst, value}: a plain 64-bit constant. */
    public static Instruction loadImm64(int dst, long value) {
        return new Instruction(LD_IMM64, dst, Pseudo.NONE, (short) 0, (int) value, (int) (value >>> 32));
    }

    /** {@code lddw dst, map fd} ({@link Pseudo#MAP_FD}). */
    public static Instruction loadMapFd(int dst, int mapFd) {
        return loadImm64(dst, Pseudo.MAP_FD, mapFd, 0);
    }

    /** {@code lddw dst, address of map value + offset} ({@link Pseudo#MAP_VALUE}). */
    public static Instruction loadMapValue(int dst, int mapFd, int offset) {
        return loadImm64(dst, Pseudo.MAP_VALUE, mapFd, offset);
    }

    /** {@code call helperId}. */
    public static Instruction callHelper(int helperId) {
        return of(CALL_OP, 0, Pseudo.HELPER_CALL, 0, helperId);
    }

    /** BPF-to-BPF {@code call}, {@code relative} slots after the next instruction. */
    public static Instruction callBpf(int relative) {
        return of(CALL_OP, 0, Pseudo.CALL, 0, relative);
    }

    public static Instruction exit() {
        return of(EXIT_OP, 0, 0, 0, 0);
    }

    /** {@code goto +off} (JMP|JA). */
    public static Instruction ja(int off) {
        return of(JA_OP, 0, 0, off, 0);
    }

    /** {@code dst = imm} (ALU64|MOV|K). */
    public static Instruction mov64(int dst, int imm) {
        return of(ALU64 | MOV | K, dst, 0, 0, imm);
    }

    /** {@code dst = src} (ALU64|MOV|X). */
    public static Instruction mov64Reg(int dst, int src) {
        return of(ALU64 | MOV | X, dst, src, 0, 0);
    }

    private static short checkedOff(int off) {
        if (off < Short.MIN_VALUE || off > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset out of 16-bit range: " + off);
        }
        return (short) off;
    }

    // ---- fields of the opcode ----

    /** Instruction class, one of {@link Opcode#LD} .. {@link Opcode#ALU64}. */
    public int cls() {
        return Opcode.cls(opcode);
    }

    public int size() {
        return Opcode.size(opcode);
    }

    public int mode() {
        return Opcode.mode(opcode);
    }

    public int source() {
        return Opcode.source(opcode);
    }

    public int op() {
        return Opcode.op(opcode);
    }

    // ---- size ----

    /** Number of 8-byte slots: 2 for lddw, else 1. */
    public int slots() {
        return isLoadImm64() ? 2 : 1;
    }

    /** Encoded size in bytes: 16 for lddw, else 8. */
    public int byteSize() {
        return slots() * 8;
    }

    // ---- predicates ----

    /** The 16-byte {@code lddw} (LD|IMM|DW). */
    public boolean isLoadImm64() {
        return opcode == LD_IMM64;
    }

    /** The full 64-bit immediate: for lddw both halves, otherwise imm sign-extended. */
    public long imm64() {
        return isLoadImm64() ? ((long) nextImm << 32) | (imm & 0xffffffffL) : imm;
    }

    /** An lddw whose immediate refers to a map ({@link Pseudo#MAP_FD}, MAP_VALUE, MAP_IDX, MAP_IDX_VALUE). */
    public boolean isMapLoad() {
        return isLoadImm64() && (src == Pseudo.MAP_FD || src == Pseudo.MAP_VALUE
                || src == Pseudo.MAP_IDX || src == Pseudo.MAP_IDX_VALUE);
    }

    /** ALU (32-bit) class. */
    public boolean isAlu32() {
        return cls() == ALU;
    }

    /** ALU64 class. */
    public boolean isAlu64() {
        return cls() == ALU64;
    }

    /** ALU or ALU64 class. */
    public boolean isArithmetic() {
        return Opcode.isArithmeticClass(opcode);
    }

    /** LDX|MEM or LDX|MEMSX: load from memory into a register. */
    public boolean isMemoryLoad() {
        return cls() == LDX && (mode() == MEM || mode() == MEMSX);
    }

    /** ST|MEM or STX|MEM: store to memory. */
    public boolean isMemoryStore() {
        return (cls() == ST || cls() == STX) && mode() == MEM;
    }

    /** STX|ATOMIC. */
    public boolean isAtomic() {
        return cls() == STX && mode() == ATOMIC;
    }

    /** Legacy packet access LD|ABS or LD|IND. */
    public boolean isLegacyPacketLoad() {
        return cls() == LD && (mode() == ABS || mode() == IND);
    }

    /** JMP|CALL with an immediate target: a helper, BPF-to-BPF or kfunc call. */
    public boolean isCall() {
        return opcode == CALL_OP;
    }

    /** {@code call} of a kernel helper by id (src 0). */
    public boolean isHelperCall() {
        return isCall() && src == Pseudo.HELPER_CALL;
    }

    /** {@code call} of another BPF function in the same program (src {@link Pseudo#CALL} = 1). */
    public boolean isBpfToBpfCall() {
        return isCall() && src == Pseudo.CALL;
    }

    /** {@code call} of a kernel function by BTF id (src {@link Pseudo#KFUNC_CALL} = 2). */
    public boolean isKfuncCall() {
        return isCall() && src == Pseudo.KFUNC_CALL;
    }

    /** {@code callx reg} (JMP|CALL|X), an indirect call outside RFC 9669. */
    public boolean isCallx() {
        return opcode == CALLX_OP;
    }

    /** JMP|EXIT. */
    public boolean isExit() {
        return opcode == EXIT_OP;
    }

    /**
     * A pc-relative branch: {@code goto} (JMP|JA), {@code gotol} (JMP32|JA), {@code may_goto} and every
     * conditional jump of JMP and JMP32. Calls and exit are not jumps.
     */
    public boolean isJump() {
        return isUnconditionalJump() || isConditionalJump() || isMayGoto();
    }

    /** {@code goto} or {@code gotol}. */
    public boolean isUnconditionalJump() {
        return opcode == JA_OP || opcode == GOTOL_OP;
    }

    /** A compare-and-jump of JMP or JMP32 (JEQ .. JSLE, including JSET). */
    public boolean isConditionalJump() {
        if (!Opcode.isJumpClass(opcode)) {
            return false;
        }
        int op = op();
        return op != JA && op != CALL && op != EXIT && op != JCOND && op != 0xf0;
    }

    /** {@code may_goto} (JMP|JCOND with src 0). */
    public boolean isMayGoto() {
        return opcode == MAY_GOTO_OP && src == Pseudo.MAY_GOTO;
    }

    /** True for jumps and BPF-to-BPF calls, whose target {@link #jumpTarget} computes. */
    public boolean hasJumpTarget() {
        return isJump() || isBpfToBpfCall();
    }

    /**
     * The relative displacement in slots: {@code imm} for {@code gotol} and BPF-to-BPF calls, else
     * {@code off}.
     */
    public int jumpOffset() {
        if (!hasJumpTarget()) {
            throw new IllegalStateException("not a jump or BPF-to-BPF call: " + this);
        }
        return opcode == GOTOL_OP || isBpfToBpfCall() ? imm : off;
    }

    /**
     * The slot index this jump or BPF-to-BPF call goes to, given the slot index of this instruction:
     * {@code slot + 1 + displacement}.
     */
    public int jumpTarget(int slot) {
        return slot + 1 + jumpOffset();
    }

    // ---- withers ----

    public Instruction withOpcode(int newOpcode) {
        return new Instruction(newOpcode, dst, src, off, imm, newOpcode == LD_IMM64 ? nextImm : 0);
    }

    public Instruction withDst(int newDst) {
        return new Instruction(opcode, newDst, src, off, imm, nextImm);
    }

    public Instruction withSrc(int newSrc) {
        return new Instruction(opcode, dst, newSrc, off, imm, nextImm);
    }

    public Instruction withOff(int newOff) {
        return new Instruction(opcode, dst, src, checkedOff(newOff), imm, nextImm);
    }

    public Instruction withImm(int newImm) {
        return new Instruction(opcode, dst, src, off, newImm, nextImm);
    }

    /** For lddw: a copy with the second slot's imm replaced. */
    public Instruction withNextImm(int newNextImm) {
        return new Instruction(opcode, dst, src, off, imm, newNextImm);
    }

    /** For lddw: a copy with the whole 64-bit immediate replaced. */
    public Instruction withImm64(long value) {
        if (!isLoadImm64()) {
            throw new IllegalStateException("only lddw carries a 64-bit immediate: " + this);
        }
        return new Instruction(opcode, dst, src, off, (int) value, (int) (value >>> 32));
    }

    @Override
    public String toString() {
        return isLoadImm64()
                ? String.format("Instruction[code=0x%02x dst=%d src=%d off=%d imm=%d nextImm=%d]",
                        opcode, dst, src, off, imm, nextImm)
                : String.format("Instruction[code=0x%02x dst=%d src=%d off=%d imm=%d]", opcode, dst, src, off, imm);
    }
}
