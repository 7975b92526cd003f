package dev.ebpf4j.object.btf;

/** What a CO-RE relocation asks for, numbered as the kernel's {@code enum bpf_core_relo_kind}. */
public enum CoreRelocationKind {
    FIELD_BYTE_OFFSET("byte_off"),
    FIELD_BYTE_SIZE("byte_sz"),
    FIELD_EXISTS("field_exists"),
    FIELD_SIGNED("signed"),
    FIELD_LSHIFT_U64("lshift_u64"),
    FIELD_RSHIFT_U64("rshift_u64"),
    TYPE_ID_LOCAL("local_type_id"),
    TYPE_ID_TARGET("target_type_id"),
    TYPE_EXISTS("type_exists"),
    TYPE_SIZE("type_size"),
    ENUMVAL_EXISTS("enumval_exists"),
    ENUMVAL_VALUE("enumval_value"),
    TYPE_MATCHES("type_matches");

    private static final CoreRelocationKind[] BY_NUMBER = values();

    private final String label;

    CoreRelocationKind(String label) {
        this.label = label;
    }

    /** The kernel's numeric value ({@code BPF_CORE_FIELD_BYTE_OFFSET} = 0, ...). */
    public int number() {
        return ordinal();
    }

    /** The short name libbpf uses in its logs. */
    public String label() {
        return label;
    }

    /** Relocations about a struct/union member (access string walks members and array indices). */
    public boolean isFieldBased() {
        return ordinal() <= FIELD_RSHIFT_U64.ordinal();
    }

    /** Relocations about a whole type (access string is {@code "0"}). */
    public boolean isTypeBased() {
        return this == TYPE_ID_LOCAL || this == TYPE_ID_TARGET || this == TYPE_EXISTS || this == TYPE_SIZE
                || this == TYPE_MATCHES;
    }

    /** Relocations about an enumerator (access string is the enumerator's index). */
    public boolean isEnumValueBased() {
        return this == ENUMVAL_EXISTS || this == ENUMVAL_VALUE;
    }

    /** The kind with kernel number {@code n}, or {@code null}. */
    public static CoreRelocationKind ofNumber(int n) {
        return n >= 0 && n < BY_NUMBER.length ? BY_NUMBER[n] : null;
    }
}
