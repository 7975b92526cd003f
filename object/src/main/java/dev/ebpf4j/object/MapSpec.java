package dev.ebpf4j.object;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A map as an object file declares it: everything the loader needs for {@code BPF_MAP_CREATE}.
 *
 * @param name           the name in the object (the symbol, or the section for global data)
 * @param kernelName     the name the map gets in the kernel (at most 15 characters), e.g. {@code hello.bss}
 * @param kind           how the object declared it
 * @param section        the ELF section it comes from ({@code .maps}, {@code maps}, {@code .bss}, ...)
 * @param type           the map type
 * @param keySize        key size in bytes
 * @param valueSize      value size in bytes
 * @param maxEntries     maximum number of entries
 * @param flags          {@code map_flags} ({@code BPF_F_*})
 * @param pinning        whether the loader pins it by name
 * @param numaNode       NUMA node ({@code numa_node}), 0 when unset
 * @param mapExtra       {@code map_extra} (bloom filter hashes, arena address), 0 when unset
 * @param btfKeyTypeId   BTF type id of the key in the object's BTF, 0 when unknown
 * @param btfValueTypeId BTF type id of the value, 0 when unknown
 * @param innerMap       the template of inner maps for map-in-map types, or null
 * @param initialValue   contents written after creation (global data), or null
 * @param variables      the global variables a data section map holds, by offset
 */
public record MapSpec(String name, String kernelName, Kind kind, String section, MapType type, int keySize,
                      int valueSize, int maxEntries, int flags, Pinning pinning, int numaNode, long mapExtra,
                      int btfKeyTypeId, int btfValueTypeId, MapSpec innerMap, byte[] initialValue,
                      List<GlobalVariable> variables) {

    /** {@code BPF_F_NO_PREALLOC}. */
    public static final int BPF_F_NO_PREALLOC = 1;
    /** {@code BPF_F_RDONLY_PROG}: programs may not write the map. */
    public static final int BPF_F_RDONLY_PROG = 1 << 7;
    /** {@code BPF_F_MMAPABLE}: user space may mmap the map. */
    public static final int BPF_F_MMAPABLE = 1 << 10;

    /** How an object declared a map. */
    public enum Kind {
        /** A BTF-defined map in {@code .maps}. */
        BTF,
        /** A {@code struct bpf_map_def} in the legacy {@code maps} section. */
        LEGACY,
        /** A single-entry array holding a global data section ({@code .bss}, {@code .data}, {@code .rodata}...). */
        GLOBAL_DATA
    }

    /** {@code pinning} of a BTF map definition ({@code LIBBPF_PIN_*}). */
    public enum Pinning {
        NONE,
        BY_NAME
    }

    public MapSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        variables = List.copyOf(variables);
        initialValue = initialValue == null ? null : initialValue.clone();
    }

    /** A copy of the initial contents, or null when the map starts empty. */
    @Override
    public byte[] initialValue() {
        return initialValue == null ? null : initialValue.clone();
    }

    /** True for the read-only global data maps ({@code .rodata*}), which the loader freezes. */
    public boolean readOnly() {
        return kind == Kind.GLOBAL_DATA && (flags & BPF_F_RDONLY_PROG) != 0;
    }

    /** The variable that covers byte {@code offset} of the value, if any. */
    public GlobalVariable variableAt(int offset) {
        for (GlobalVariable v : variables) {
            if (offset >= v.offset() && offset < v.offset() + Math.max(1, v.size())) {
                return v;
            }
        }
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MapSpec m && name.equals(m.name) && Objects.equals(kernelName, m.kernelName) && kind == m.kind
                && Objects.equals(section, m.section) && type == m.type && keySize == m.keySize && valueSize == m.valueSize
                && maxEntries == m.maxEntries && flags == m.flags && pinning == m.pinning && numaNode == m.numaNode
                && mapExtra == m.mapExtra && btfKeyTypeId == m.btfKeyTypeId && btfValueTypeId == m.btfValueTypeId
                && Objects.equals(innerMap, m.innerMap) && Arrays.equals(initialValue, m.initialValue)
                && variables.equals(m.variables);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type, keySize, valueSize, maxEntries, flags);
    }

    @Override
    public String toString() {
        return "MapSpec[" + name + " " + type.bpftoolName() + " key " + keySize + " value " + valueSize + " max_entries "
                + maxEntries + " flags 0x" + Integer.toHexString(flags) + "]";
    }
}
