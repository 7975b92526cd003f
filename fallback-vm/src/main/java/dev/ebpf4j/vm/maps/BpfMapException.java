package dev.ebpf4j.vm.maps;

import dev.ebpf4j.vm.Errno;

/** A map operation from Java failed the way the kernel's {@code bpf(BPF_MAP_*)} would: with an errno. */
public class BpfMapException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    public BpfMapException(int errno, String message) {
        super(message + " (" + Errno.name(errno) + ")");
        this.errno = Math.abs(errno);
    }

    /** The positive errno, e.g. {@link Errno#E2BIG}. */
    public int errno() {
        return errno;
    }
}
