package dev.ebpf4j.vm.verifier;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.ebpf4j.object.insn.Instruction;

/**
 * The fallback VM's static verifier: checks a program before it runs and refuses bad ones with the instruction
 * index and a reason worded after the kernel verifier's log. See the {@linkplain dev.ebpf4j.vm.verifier package
 * documentation} for what is checked, what is sound and what is approximated.
 */
public final class Verifier {
    private Verifier() {}

    /**
     * Verifies {@code instructions} (one entry per instruction, a {@code lddw} being one entry of two slots; indexes
     * in messages are slots) against {@code options}.
     *
     * @return what the verifier learnt about the accepted program
     * @throws VerifierException when the program is refused
     */
    public static VerifiedProgram verify(List<Instruction> instructions, VerifierOptions options) {
        Objects.requireNonNull(instructions, "instructions");
        Objects.requireNonNull(options, "options");
        Structure structure = new Structure(instructions, options);
        Analyzer analyzer = new Analyzer(structure, options);
        try {
            analyzer.run();
        } catch (StackOverflowError | RuntimeException e) {
            if (e instanceof VerifierException ve) {
                throw ve;
            }
            // a verifier bug must not look like an accepted program
            throw new VerifierException(-1, "internal verifier error: " + e, analyzer.log());
        }
        List<Integer> subprogs = new ArrayList<>();
        List<Integer> depths = new ArrayList<>();
        for (int f = 0; f < structure.subprogs.length; f++) {
            subprogs.add(structure.subprogs[f]);
            depths.add(analyzer.stackDepth[f]);
        }
        List<Integer> packetAccesses = new ArrayList<>();
        for (int pc = 0; pc < analyzer.accessSeen.length; pc++) {
            if (analyzer.accessSeen[pc] == Analyzer.SEEN_PACKET) {
                packetAccesses.add(pc);
            }
        }
        return new VerifiedProgram(instructions, subprogs, depths, Math.max(analyzer.maxFrames, 1),
                analyzer.processed, packetAccesses, analyzer.log());
    }
}
