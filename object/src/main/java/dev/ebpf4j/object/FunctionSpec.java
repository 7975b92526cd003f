package dev.ebpf4j.object;

import java.util.List;

/**
 * One function of an object: a program's entry function or a subprogram in {@code .text}.
 *
 * @param name       the function's symbol name
 * @param section    the ELF section holding it
 * @param slotOffset where it starts in its section, in 8-byte instruction slots
 * @param code       its instructions as raw {@code struct bpf_insn} bytes, as the object holds them (unpatched)
 * @param references every place in {@code code} the loader patches, in instruction order
 * @param global     true when the symbol has global binding
 */
public record FunctionSpec(String name, String section, int slotOffset, byte[] code, List<Reference> references,
                           boolean global) {

    public FunctionSpec {
        code = code.clone();
        references = List.copyOf(references);
    }

    /** A copy of the function's instruction bytes. */
    @Override
    public byte[] code() {
        return code.clone();
    }

    /** Number of 8-byte instruction slots ({@code lddw} counts two). */
    public int slots() {
        return code.length / 8;
    }

    /** The functions this one calls directly (BPF-to-BPF calls and callback addresses), in order of first use. */
    public List<String> callees() {
        return references.stream().map(r -> switch (r) {
            case Reference.Call c -> c.function();
            case Reference.FunctionAddress f -> f.function();
            default -> null;
        }).filter(java.util.Objects::nonNull).distinct().toList();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FunctionSpec f && f.name.equals(name) && f.section.equals(section) && f.slotOffset == slotOffset
                && java.util.Arrays.equals(f.code, code) && f.references.equals(references) && f.global == global;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + section.hashCode();
    }

    @Override
    public String toString() {
        return "FunctionSpec[" + name + " in " + section + ", " + slots() + " slots]";
    }
}
