package dev.ebpf4j.loader.kernel;

import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.SyscallException;

/**
 * A map operation the kernel refused, named by map, operation and errno, with what the errno means for a map:
 * {@code blocked_ports: update(NOEXIST): EEXIST: the key already exists}.
 */
public class BpfMapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String mapName;
    private final String operation;
    private final int errno;

    public BpfMapException(String mapName, String operation, SyscallException cause) {
        super(mapName + ": " + operation + ": " + Errno.nameOf(cause.errno()) + ": " + meaning(cause.errno()), cause);
        this.mapName = mapName;
        this.operation = operation;
        this.errno = cause.errno();
    }

    public BpfMapException(String mapName, String operation, String message) {
        super(mapName + ": " + operation + ": " + message);
        this.mapName = mapName;
        this.operation = operation;
        this.errno = 0;
    }

    public String mapName() {
        return mapName;
    }

    /** What was done, e.g. {@code update(NOEXIST)}, {@code pin /sys/fs/bpf/x}. */
    public String operation() {
        return operation;
    }

    /** The errno, 0 when the operation was refused before reaching the kernel. */
    public int errno() {
        return errno;
    }

    /** The errno's name ({@code EEXIST}), or "" when there is none. */
    public String errnoName() {
        return errno == 0 ? "" : Errno.nameOf(errno);
    }

    private static String meaning(int errno) {
        if (errno == Errno.EEXIST.number()) {
            return "the key already exists";
        }
        if (errno == Errno.ENOENT.number()) {
            return "no such key";
        }
        if (errno == Errno.E2BIG.number()) {
            return "the map is full (max_entries reached)";
        }
        if (errno == Errno.EPERM.number()) {
            return "not permitted (the map is frozen or read-only for user space, or CAP_BPF is missing)";
        }
        if (errno == Errno.EINVAL.number()) {
            return "invalid argument (wrong flags for this map type, or a key or value of the wrong size)";
        }
        return Errno.describe(errno);
    }
}
