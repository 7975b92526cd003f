package dev.ebpf4j.loader.kernel;

import java.nio.file.Path;

/** Pinning a map or program failed: the path is outside bpffs, already exists, or the kernel refused. */
public class PinException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;

    public PinException(String what, Path path, String message, Throwable cause) {
        super(what + ": cannot pin at " + path + ": " + message, cause);
        this.path = path;
    }

    /** Where the pin was asked for. */
    public Path path() {
        return path;
    }
}
