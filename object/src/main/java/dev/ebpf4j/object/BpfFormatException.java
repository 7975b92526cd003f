package dev.ebpf4j.object;

/**
 * An eBPF object, ELF file, BTF blob or instruction stream is malformed or uses something this
 * library does not understand. The message says what is wrong and where (section, offset, index).
 */
public class BpfFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BpfFormatException(String message) {
        super(message);
    }

    public BpfFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
