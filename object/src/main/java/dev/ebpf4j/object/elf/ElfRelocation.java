package dev.ebpf4j.object.elf;

/**
 * One relocation entry: the bytes at {@code offset} in the target section refer to {@code symbol}.
 *
 * @param offset  byte offset in the section the relocation applies to
 * @param type    the raw {@code ELF64_R_TYPE}; see {@link #kind()}
 * @param symbol  the referenced symbol
 * @param addend  explicit addend for RELA sections, 0 for REL (BPF objects use REL)
 */
public record ElfRelocation(long offset, int type, ElfSymbol symbol, long addend) {

    /** The BPF relocation types clang and the kernel define ({@code R_BPF_*}). */
    public enum Kind {
        R_BPF_NONE(0),
        R_BPF_64_64(1),
        R_BPF_64_ABS64(2),
        R_BPF_64_ABS32(3),
        R_BPF_64_NODYLD32(4),
        R_BPF_64_32(10);

        private final int value;

        Kind(int value) {
            this.value = value;
        }

        public int value() {
            return value;
        }

        /** The kind with ELF number {@code type}, or null when BPF defines none. */
        public static Kind of(int type) {
            for (Kind k : values()) {
                if (k.value == type) {
                    return k;
                }
            }
            return null;
        }
    }

    /** The relocation's kind, or null for a type unknown to BPF. */
    public Kind kind() {
        return Kind.of(type);
    }

    /** The name llvm-objdump prints for this type, e.g. {@code R_BPF_64_64}. */
    public String typeName() {
        Kind k = kind();
        return k != null ? k.name() : "R_BPF_" + type;
    }
}
