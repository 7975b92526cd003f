package dev.ebpf4j.vm.helpers;

/**
 * A BPF helper function: arguments in r1..r5, result in r0. The interpreter calls it through
 * {@link HelperTable#get}; compiled code can hold the {@code Helper} in a constant and call it directly,
 * allocation-free. A helper reports ordinary failures as a negative errno (as the kernel's do) and
 * throws {@link dev.ebpf4j.vm.BpfRuntimeException} only for faults the kernel's verifier would have prevented.
 */
@FunctionalInterface
public interface Helper {
    long call(HelperContext ctx, long r1, long r2, long r3, long r4, long r5);
}
