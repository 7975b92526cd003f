package dev.ebpf4j.vm.context;

import dev.ebpf4j.vm.memory.AddressSpace;

/**
 * The input of a run: what r1 points to (and the packet behind it). Immutable; every run binds a fresh
 * {@link ContextInstance} into its address space, so a context can be run many times and from many threads.
 */
public interface ProgramContext {

    /** Maps this context (and its packet) into {@code memory} for one run. */
    ContextInstance bind(AddressSpace memory);
}
