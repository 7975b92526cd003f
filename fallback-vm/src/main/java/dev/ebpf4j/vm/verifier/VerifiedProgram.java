package dev.ebpf4j.vm.verifier;

import java.util.List;

import dev.ebpf4j.object.insn.Instruction;

/**
 * A program the {@link Verifier} accepted.
 *
 * @param instructions    the instructions, as given
 * @param subprograms     first slot of every function (the entry at 0, then BPF-to-BPF call and callback targets),
 *                        ascending
 * @param stackDepths     per function (same order as {@code subprograms}), the deepest stack byte it uses
 * @param maxCallFrames   the deepest call chain in frames (1 when there are no calls)
 * @param processedInsns  abstract instruction visits the dataflow pass needed
 * @param packetAccesses  slots of the plain loads and stores (not atomics) proven to stay inside the packet, between
 *                        {@code data} and {@code data_end} as the program last read them, on every path: the fallback
 *                        VM's JIT gives them no window check of their own (as the kernel's JIT, which trusts its verifier)
 * @param log             the verifier log (kernel-like; empty at log level 0)
 */
public record VerifiedProgram(List<Instruction> instructions, List<Integer> subprograms, List<Integer> stackDepths,
                              int maxCallFrames, int processedInsns, List<Integer> packetAccesses, String log) {

    public VerifiedProgram {
        instructions = List.copyOf(instructions);
        subprograms = List.copyOf(subprograms);
        stackDepths = List.copyOf(stackDepths);
        packetAccesses = List.copyOf(packetAccesses);
    }
}
