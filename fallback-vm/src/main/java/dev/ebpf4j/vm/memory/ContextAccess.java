package dev.ebpf4j.vm.memory;

/**
 * How loads and stores on a program context are resolved, the way the kernel rewrites context
 * accesses: a {@code u32} load of {@code xdp_md.data} yields a 64-bit packet pointer, some fields are
 * read-only. Offsets are relative to the start of the context structure.
 */
public interface ContextAccess {

    /** The value a load of {@code size} bytes at {@code offset} gives, or throws {@link dev.ebpf4j.vm.BpfRuntimeException}. */
    long load(long offset, int size);

    /** Stores {@code value}, or throws {@link dev.ebpf4j.vm.BpfRuntimeException} for a read-only field. */
    void store(long offset, int size, long value);
}
