package dev.ebpf4j.loader;

/** Loading an object failed: no runtime could take it, or creating a map or loading a program failed. */
public class BpfLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BpfLoadException(String message) {
        super(message);
    }

    public BpfLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
