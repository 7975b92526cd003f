package dev.ebpf4j.object.insn;

/** Values of the {@code src} register field that give an instruction a special ("pseudo") meaning. */
public final class Pseudo {
    private Pseudo() {}

    // ---- lddw (LD|IMM|DW) source kinds ----
    /** Plain 64-bit constant. */
    public static final int NONE = 0;
    /** imm is a map file descriptor; the kernel loads the map pointer. */
    public static final int MAP_FD = 1;
    /** imm is a map fd, next imm an offset into the map's value; the kernel loads the address. */
    public static final int MAP_VALUE = 2;
    /** imm is a BTF id of a kernel variable (ksym). */
    public static final int BTF_ID = 3;
    /** imm is a relative instruction offset of a subprogram (function pointer). */
    public static final int FUNC = 4;
    /** imm is an index into fd_array; loads the map pointer. */
    public static final int MAP_IDX = 5;
    /** imm is an index into fd_array, next imm an offset into the map's value. */
    public static final int MAP_IDX_VALUE = 6;

    // ---- call source kinds ----
    /** Call of a kernel helper by id. */
    public static final int HELPER_CALL = 0;
    /** BPF-to-BPF call; imm is the relative instruction offset of the callee. */
    public static final int CALL = 1;
    /** Call of a kernel function (kfunc) by BTF id. */
    public static final int KFUNC_CALL = 2;

    // ---- JMP|JCOND source kinds ----
    public static final int MAY_GOTO = 0;
}
