package dev.ebpf4j.object.btf;

/**
 * Linkage of a {@link BtfType.Func} (kept in its vlen) or a {@link BtfType.Var} (kept in the word
 * after the type). The kernel numbers both the same way: static 0, global 1, extern 2.
 */
public enum BtfLinkage {
    STATIC("static"),
    /** {@code BTF_FUNC_GLOBAL} / {@code BTF_VAR_GLOBAL_ALLOCATED}. */
    GLOBAL("global"),
    /** {@code BTF_FUNC_EXTERN} / {@code BTF_VAR_GLOBAL_EXTERN}. */
    EXTERN("extern");

    private static final BtfLinkage[] BY_NUMBER = values();

    private final String label;

    BtfLinkage(String label) {
        this.label = label;
    }

    /** The kernel's numeric value. */
    public int number() {
        return ordinal();
    }

    /** The lower-case word bpftool prints. */
    public String label() {
        return label;
    }

    static BtfLinkage ofNumber(int n) {
        return n >= 0 && n < BY_NUMBER.length ? BY_NUMBER[n] : null;
    }
}
