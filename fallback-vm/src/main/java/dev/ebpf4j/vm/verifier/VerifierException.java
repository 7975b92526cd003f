package dev.ebpf4j.vm.verifier;

/**
 * A program the {@link Verifier} refuses: the instruction it stopped at and why, in the spirit of the kernel
 * verifier's log ({@code insn 7: R2 !read_ok}).
 */
public final class VerifierException extends RuntimeException {
    private final int insnIndex;
    private final String reason;
    private final String log;

    public VerifierException(int insnIndex, String reason, String log) {
        super(insnIndex >= 0 ? "insn " + insnIndex + ": " + reason : reason);
        this.insnIndex = insnIndex;
        this.reason = reason;
        this.log = log == null ? "" : log;
    }

    /** Slot index of the offending instruction (a {@code lddw} counts two slots), or -1 for whole-program errors. */
    public int insnIndex() {
        return insnIndex;
    }

    /** The reason without the {@code insn N:} prefix. */
    public String reason() {
        return reason;
    }

    /** The verifier log up to the error, kernel-like (may be empty at log level 0). */
    public String log() {
        return log;
    }
}
