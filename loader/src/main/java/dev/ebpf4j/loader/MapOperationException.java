package dev.ebpf4j.loader;

/**
 * A map operation a runtime refused, named by map, operation and errno, with what the errno means for a map:
 * {@code blocked_ports: update(NOEXIST): EEXIST: the key already exists}. Both runtimes report the kernel's errnos.
 */
public class MapOperationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String mapName;
    private final String operation;
    private final int errno;
    private final String errnoName;

    /**
     * @param mapName   the map
     * @param operation what was done, e.g. {@code update(NOEXIST)}
     * @param errno     the positive errno
     * @param errnoName its symbolic name, e.g. {@code EEXIST}
     * @param cause     the runtime's own exception, or null
     */
    public MapOperationException(String mapName, String operation, int errno, String errnoName, Throwable cause) {
        super(mapName + ": " + operation + ": " + errnoName + ": " + meaning(errnoName), cause);
        this.mapName = mapName;
        this.operation = operation;
        this.errno = errno;
        this.errnoName = errnoName;
    }

    public String mapName() {
        return mapName;
    }

    /** What was done, e.g. {@code update(NOEXIST)}, {@code delete}. */
    public String operation() {
        return operation;
    }

    /** The positive errno. */
    public int errno() {
        return errno;
    }

    /** The errno's name, e.g. {@code EEXIST}. */
    public String errnoName() {
        return errnoName;
    }

    /** What an errno means for a map operation. */
    static String meaning(String errnoName) {
        return switch (errnoName) {
            case "EEXIST" -> "the key already exists";
            case "ENOENT" -> "no such key";
            case "E2BIG" -> "the map is full (max_entries reached)";
            case "EPERM" -> "not permitted (the map is frozen or read-only for user space)";
            case "EINVAL" -> "invalid argument (wrong flags for this map type, or a key or value of the wrong size)";
            case "ENOMEM" -> "out of memory";
            case "ENOTSUPP", "EOPNOTSUPP" -> "the map type does not support this operation";
            default -> "failed";
        };
    }
}
