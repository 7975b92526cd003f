package dev.ebpf4j.object.insn;

/**
 * The fields of an eBPF opcode byte and the values they take (RFC 9669 and the kernel's UAPI
 * {@code linux/bpf.h} / {@code linux/bpf_common.h}).
 *
 * <p>An opcode is split in two ways depending on its class: arithmetic and jump classes use
 * {@code op(4 bits) | source(1 bit) | class(3 bits)}, load and store classes use
 * {@code mode(3 bits) | size(2 bits) | class(3 bits)}.
 */
public final class Opcode {
    private Opcode() {}

    // ---- classes (low 3 bits) ----
    public static final int CLASS_MASK = 0x07;
    public static final int LD = 0x00;
    public static final int LDX = 0x01;
    public static final int ST = 0x02;
    public static final int STX = 0x03;
    public static final int ALU = 0x04;
    public static final int JMP = 0x05;
    public static final int JMP32 = 0x06;
    public static final int ALU64 = 0x07;

    // ---- load/store size (bits 3-4) ----
    public static final int SIZE_MASK = 0x18;
    public static final int W = 0x00;
    public static final int H = 0x08;
    public static final int B = 0x10;
    public static final int DW = 0x18;

    // ---- load/store mode (bits 5-7) ----
    public static final int MODE_MASK = 0xe0;
    public static final int IMM = 0x00;
    public static final int ABS = 0x20;
    public static final int IND = 0x40;
    public static final int MEM = 0x60;
    public static final int MEMSX = 0x80;
    public static final int ATOMIC = 0xc0;

    // ---- source (bit 3) of ALU/JMP ----
    public static final int SOURCE_MASK = 0x08;
    /** Operand is the 32-bit immediate. */
    public static final int K = 0x00;
    /** Operand is the source register. */
    public static final int X = 0x08;
    /** Byte swap to little endian (ALU class END). */
    public static final int TO_LE = 0x00;
    /** Byte swap to big endian (ALU class END). */
    public static final int TO_BE = 0x08;

    // ---- operation (bits 4-7) of ALU/ALU64 ----
    public static final int OP_MASK = 0xf0;
    public static final int ADD = 0x00;
    public static final int SUB = 0x10;
    public static final int MUL = 0x20;
    public static final int DIV = 0x30;
    public static final int OR = 0x40;
    public static final int AND = 0x50;
    public static final int LSH = 0x60;
    public static final int RSH = 0x70;
    public static final int NEG = 0x80;
    public static final int MOD = 0x90;
    public static final int XOR = 0xa0;
    public static final int MOV = 0xb0;
    public static final int ARSH = 0xc0;
    public static final int END = 0xd0;

    // ---- operation (bits 4-7) of JMP/JMP32 ----
    public static final int JA = 0x00;
    public static final int JEQ = 0x10;
    public static final int JGT = 0x20;
    public static final int JGE = 0x30;
    public static final int JSET = 0x40;
    public static final int JNE = 0x50;
    public static final int JSGT = 0x60;
    public static final int JSGE = 0x70;
    public static final int CALL = 0x80;
    public static final int EXIT = 0x90;
    public static final int JLT = 0xa0;
    public static final int JLE = 0xb0;
    public static final int JSLT = 0xc0;
    public static final int JSLE = 0xd0;
    /** Conditional pseudo jump; with src 0 ({@link Pseudo#MAY_GOTO}) it is {@code may_goto}. */
    public static final int JCOND = 0xe0;

    // ---- atomic operations, carried in imm of STX|ATOMIC ----
    public static final int FETCH = 0x01;
    public static final int ATOMIC_ADD = ADD;
    public static final int ATOMIC_OR = OR;
    public static final int ATOMIC_AND = AND;
    public static final int ATOMIC_XOR = XOR;
    public static final int XCHG = 0xe0 | FETCH;
    public static final int CMPXCHG = 0xf0 | FETCH;
    public static final int LOAD_ACQ = 0x100;
    public static final int STORE_REL = 0x110;

    // ---- signed-ness carried in off ----
    /** {@code off} value of sdiv/smod (ALU DIV/MOD with off=1). */
    public static final int OFF_SIGNED = 1;
    /** {@code off} value of ALU64 MOV X meaning addr_space_cast. */
    public static final int OFF_ADDR_SPACE_CAST = 1;

    // ---- well-known whole opcodes ----
    /** The 16-byte load of a 64-bit immediate ({@code lddw}). */
    public static final int LD_IMM64 = LD | IMM | DW; // 0x18
    public static final int CALL_OP = JMP | CALL; // 0x85
    public static final int CALLX_OP = JMP | CALL | X; // 0x8d
    public static final int EXIT_OP = JMP | EXIT; // 0x95
    public static final int JA_OP = JMP | JA; // 0x05
    public static final int GOTOL_OP = JMP32 | JA; // 0x06
    public static final int MAY_GOTO_OP = JMP | JCOND; // 0xe5

    public static int cls(int opcode) {
        return opcode & CLASS_MASK;
    }

    public static int size(int opcode) {
        return opcode & SIZE_MASK;
    }

    public static int mode(int opcode) {
        return opcode & MODE_MASK;
    }

    public static int source(int opcode) {
        return opcode & SOURCE_MASK;
    }

    public static int op(int opcode) {
        return opcode & OP_MASK;
    }

    /** True for the ALU and ALU64 classes. */
    public static boolean isArithmeticClass(int opcode) {
        int c = cls(opcode);
        return c == ALU || c == ALU64;
    }

    /** True for the JMP and JMP32 classes. */
    public static boolean isJumpClass(int opcode) {
        int c = cls(opcode);
        return c == JMP || c == JMP32;
    }

    /** True for LD, LDX, ST and STX. */
    public static boolean isLoadStoreClass(int opcode) {
        return cls(opcode) <= STX;
    }

    /** Width in bytes of a load/store size field value (1, 2, 4 or 8). */
    public static int sizeBytes(int opcode) {
        return switch (size(opcode)) {
            case W -> 4;
            case H -> 2;
            case B -> 1;
            default -> 8;
        };
    }
}
