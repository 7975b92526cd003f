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
 * @param log             the verifier log (kernel-like; empty at log level 0)
 */
public record VerifiedProgram(List<Instruction> instructions, List<Integer> subprograms, List<Integer> stackDepths,
                              int maxCallFrames, int processedInsns, String log) {

    public VerifiedProgram {
        instructions = List.copyOf(instructions);
        subprograms = List.copyOf(subprograms);
        stackDepths = List.copyOf(stackDepths);
    }
}
