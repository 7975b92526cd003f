package dev.ebpf4j.loader.fallback;

import dev.ebpf4j.loader.kernel.BpfMapException;
import dev.ebpf4j.vm.Errno;

/**
 * A map operation the fallback VM refused with the errno the kernel would give, worded as the kernel runtime's
 * {@link BpfMapException} (catch that for both runtimes): {@code blocked_ports: update(NOEXIST): EEXIST: the key
 * already exists}.
 */
public final class FallbackMapException extends BpfMapException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public FallbackMapException(String mapName, String operation, int errno, Throwable cause) {
        super(mapName, operation, Errno.name(errno) + ": " + meaning(errno));
        this.errno = Math.abs(errno);
        if (cause != null) {
            initCause(cause);
        }
    }

    @Override
    public int errno() {
        return errno;
    }

    @Override
    public String errnoName() {
        return Errno.name(errno);
    }

    /** What an errno means for a map operation, in the kernel runtime's words. */
    static String meaning(int errno) {
        return switch (Math.abs(errno)) {
            case Errno.EEXIST -> "the key already exists";
            case Errno.ENOENT -> "no such key";
            case Errno.E2BIG -> "the map is full (max_entries reached)";
            case Errno.EPERM -> "not permitted (the map is frozen or read-only for user space, or CAP_BPF is missing)";
            case Errno.EINVAL -> "invalid argument (wrong flags for this map type, or a key or value of the wrong size)";
            case Errno.ENOMEM -> "out of memory";
            default -> "failed";
        };
    }
}
