package dev.ebpf4j.object.btf;

/**
 * The kind of a BTF type, numbered as in the kernel's {@code BTF_KIND_*} constants. {@link #label()}
 * is the upper-case name bpftool prints ({@code INT}, {@code FUNC_PROTO}, ...).
 */
public enum BtfKind {
    /** Type id 0 ({@code void}); never encoded in a type section. */
    VOID(0, "UNKNOWN"),
    INT(1, "INT"),
    PTR(2, "PTR"),
    ARRAY(3, "ARRAY"),
    STRUCT(4, "STRUCT"),
    UNION(5, "UNION"),
    ENUM(6, "ENUM"),
    FWD(7, "FWD"),
    TYPEDEF(8, "TYPEDEF"),
    VOLATILE(9, "VOLATILE"),
    CONST(10, "CONST"),
    RESTRICT(11, "RESTRICT"),
    FUNC(12, "FUNC"),
    FUNC_PROTO(13, "FUNC_PROTO"),
    VAR(14, "VAR"),
    DATASEC(15, "DATASEC"),
    FLOAT(16, "FLOAT"),
    DECL_TAG(17, "DECL_TAG"),
    TYPE_TAG(18, "TYPE_TAG"),
    ENUM64(19, "ENUM64");

    private static final BtfKind[] BY_NUMBER = values();

    private final int number;
    private final String label;

    BtfKind(int number, String label) {
        this.number = number;
        this.label = label;
    }

    /** The kernel's {@code BTF_KIND_*} value. */
    public int number() {
        return number;
    }

    /** The name bpftool prints for this kind. */
    public String label() {
        return label;
    }

    /** The kind with kernel number {@code n}, or {@code null} when there is none. */
    static BtfKind ofNumber(int n) {
        return n >= 0 && n < BY_NUMBER.length ? BY_NUMBER[n] : null;
    }
}
