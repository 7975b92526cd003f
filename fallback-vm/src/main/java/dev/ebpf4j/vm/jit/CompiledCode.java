package dev.ebpf4j.vm.jit;

import dev.ebpf4j.vm.interp.Execution;

/** What a generated hidden class implements: its program's entry function. */
interface CompiledCode {
    /** Runs the function at slot 0 in a new frame with arguments r1..r5; returns r0. */
    long entry(Execution ex, long r1, long r2, long r3, long r4, long r5);
}
