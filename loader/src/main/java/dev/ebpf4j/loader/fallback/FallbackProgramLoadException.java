package dev.ebpf4j.loader.fallback;

import dev.ebpf4j.loader.kernel.ProgramLoadException;

/**
 * The fallback VM's verifier refused a program. The same type as the kernel's refusals
 * ({@link ProgramLoadException}: catch that for both runtimes), plus the instruction the verifier stopped at.
 * {@link #errno()} is 0: the VM's verifier has no errno. {@link #summary()} is the verifier's reason, e.g.
 * {@code R2 !read_ok}; {@link #log()} its log. The message is one line.
 */
public final class FallbackProgramLoadException extends ProgramLoadException {
    private static final long serialVersionUID = 1L;

    private final int insnIndex;
    private final String reason;
    private final String message;

    public FallbackProgramLoadException(String objectName, String programName, int insnIndex, String reason, String log) {
        super(objectName, programName, 0, log, false);
        this.insnIndex = insnIndex;
        this.reason = reason;
        this.message = objectName + ": the fallback VM's verifier refused program '" + programName + "'"
                + (insnIndex >= 0 ? " at insn " + insnIndex : "") + ": " + reason;
    }

    /** The index (in slots: a {@code lddw} counts two) of the instruction the verifier stopped at, or -1. */
    public int insnIndex() {
        return insnIndex;
    }

    /** Why the program was refused, without the instruction index. */
    @Override
    public String summary() {
        return reason;
    }

    /** "": the VM's verifier has no errno. */
    @Override
    public String errnoName() {
        return "";
    }

    @Override
    public String getMessage() {
        return message;
    }
}
