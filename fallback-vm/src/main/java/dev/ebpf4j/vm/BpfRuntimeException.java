package dev.ebpf4j.vm;

/**
 * A program failed while the VM ran it: a memory access outside every region, a division the VM
 * refuses, a call chain too deep, the instruction budget spent, an unknown helper. Never a JVM crash:
 * every fault a program can provoke ends here, with the program name and instruction index when known.
 */
public class BpfRuntimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String program;
    private final int instruction;
    private final String detail;

    /** A fault whose location the interpreter fills in ({@link #at}). */
    public BpfRuntimeException(String detail) {
        this(null, -1, null, detail, null);
    }

    public BpfRuntimeException(String detail, Throwable cause) {
        this(null, -1, null, detail, cause);
    }

    private BpfRuntimeException(String program, int instruction, String text, String detail, Throwable cause) {
        super(message(program, instruction, text, detail), cause);
        this.program = program;
        this.instruction = instruction;
        this.detail = detail;
    }

    private static String message(String program, int instruction, String text, String detail) {
        if (instruction < 0) {
            return program == null ? detail : "program '" + program + "': " + detail;
        }
        return "program '" + program + "' instruction " + instruction + (text == null ? "" : " (" + text + ")") + ": "
                + detail;
    }

    /** This fault located at {@code instruction} (slot index) of {@code program}; unchanged when already located. */
    public BpfRuntimeException at(String program, int instruction, String text) {
        if (this.instruction >= 0) {
            return this;
        }
        BpfRuntimeException located = new BpfRuntimeException(program, instruction, text, detail, getCause());
        located.setStackTrace(getStackTrace());
        return located;
    }

    /** The program's name, or null when not known. */
    public String program() {
        return program;
    }

    /** The slot index of the faulting instruction in the linked program, or -1. */
    public int instruction() {
        return instruction;
    }

    /** What went wrong, without the location. */
    public String detail() {
        return detail;
    }
}
