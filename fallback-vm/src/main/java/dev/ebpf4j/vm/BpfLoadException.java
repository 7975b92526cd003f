package dev.ebpf4j.vm;

/**
 * The VM refuses a program or object before running it: an opcode it does not know, a jump outside
 * the program or into the middle of a {@code lddw}, a map it cannot create, an unresolved reference.
 */
public class BpfLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BpfLoadException(String message) {
        super(message);
    }

    public BpfLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
