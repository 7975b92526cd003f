package dev.ebpf4j.loader;

/**
 * A runtime's verifier refused a program. Carries the program's name, where and why it was refused, the errno when
 * the kernel refused it (null in the fallback VM, whose verifier has none) and the verifier's log. The message is
 * one line; {@link #log()} has the whole log.
 */
public class ProgramLoadException extends BpfLoadException {
    private static final long serialVersionUID = 1L;

    private final String objectName;
    private final String program;
    private final Integer errno;
    private final int insnIndex;
    private final String summary;
    private final String log;

    /**
     * @param objectName the object's name
     * @param program    the refused program
     * @param runtime    who refused it, for the message: {@code the kernel}, {@code the fallback VM's verifier}
     * @param errno      the errno of the refusal, or null when the runtime has none
     * @param insnIndex  the instruction the verifier stopped at, or -1 when not known
     * @param summary    why, in one line
     * @param log        the verifier's log ("" when there is none)
     */
    public ProgramLoadException(String objectName, String program, String runtime, Integer errno, int insnIndex,
                                String summary, String log) {
        super(objectName + ": " + runtime + " refused program '" + program + "'"
                + (insnIndex >= 0 ? " at insn " + insnIndex : "") + ": " + summary);
        this.objectName = objectName;
        this.program = program;
        this.errno = errno;
        this.insnIndex = insnIndex;
        this.summary = summary;
        this.log = log == null ? "" : log;
    }

    public String objectName() {
        return objectName;
    }

    /** The refused program's name. */
    public String program() {
        return program;
    }

    /** The errno of the refusal ({@code EACCES} = 13 from the kernel's verifier), or null in the fallback VM. */
    public Integer errno() {
        return errno;
    }

    /** The index (in slots: a {@code lddw} counts two) of the instruction the verifier stopped at, or -1. */
    public int insnIndex() {
        return insnIndex;
    }

    /** Why the program was refused, in one line, e.g. {@code R2 !read_ok}. */
    public String summary() {
        return summary;
    }

    /** The verifier's whole log, "" when there is none. */
    public String log() {
        return log;
    }
}
