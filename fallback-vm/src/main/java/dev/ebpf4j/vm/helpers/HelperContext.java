package dev.ebpf4j.vm.helpers;

import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.ContextInstance;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.memory.AddressSpace;

/** What a helper sees of the run that calls it. One per run, used by one thread. */
public interface HelperContext {

    /** The run's address space, to read arguments and write results. */
    AddressSpace memory();

    /** The VM (maps, trace log, clock, options). */
    BpfVm vm();

    /** The program running now (after a tail call: the target). */
    VmProgram program();

    /** The CPU this run pretends to run on (per-CPU maps, {@code bpf_get_smp_processor_id}). */
    int cpu();

    /** The run's context (packet, fields), or null for a run on raw memory. */
    ContextInstance context();

    /** The map whose handle {@code address} is, or a {@link dev.ebpf4j.vm.BpfRuntimeException}. */
    BpfMap map(long address);

    /**
     * Runs the BPF function at {@code functionAddress} (a {@code BPF_PSEUDO_FUNC} value) with r1..r5
     * in a new frame, as a callback; returns its r0.
     */
    long callFunction(long functionAddress, long r1, long r2, long r3, long r4, long r5);

    /**
     * Asks for a tail call to {@code target} once the helper returns; false when the run has used up
     * its tail calls (33, as the kernel).
     */
    boolean tailCall(VmProgram target);

    /** Registers a ring buffer reservation so an unreleased one is discarded at the end of the run. */
    void track(Object reservation);
}
