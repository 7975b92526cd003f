package dev.ebpf4j.bindings;

import java.io.Serial;
import java.util.Optional;

/**
 * A system call or libc call that failed, named by what was called and by errno. The message reads
 * {@code BPF_PROG_LOAD: EACCES (13): Permission denied}.
 */
public class SyscallException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;

    public SyscallException(String operation, int errno) {
        this(operation, errno, null);
    }

    /** With {@code detail} (may be null) appended to the message on a new line. */
    public SyscallException(String operation, int errno, String detail) {
        this(operation, errno, detail, "\n");
    }

    /** With {@code detail} (may be null) appended after {@code separator}, e.g. on the same line after ": ". */
    protected SyscallException(String operation, int errno, String detail, String separator) {
        super(message(operation, errno) + (detail == null || detail.isEmpty() ? "" : separator + detail));
        this.operation = operation;
        this.errno = errno;
    }

    static String message(String operation, int errno) {
        return operation + ": " + Errno.nameOf(errno) + " (" + errno + "): " + Errno.describe(errno);
    }

    /** What failed: a BPF command ({@code BPF_MAP_CREATE}) or a libc function ({@code mmap}). */
    public String operation() {
        return operation;
    }

    /** The errno number. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name ({@code EACCES}), or {@code errno N} when {@link Errno} lacks it. */
    public String errnoName() {
        return Errno.nameOf(errno);
    }

    /** The errno as a constant, if {@link Errno} has it. */
    public Optional<Errno> error() {
        return Errno.of(errno);
    }

    /** True when the errno is {@code e}. */
    public boolean is(Errno e) {
        return errno == e.number();
    }
}
