package dev.ebpf4j.loader.netlink;

import dev.ebpf4j.bindings.Errno;

/** The kernel refused a netlink request: its errno and, when it gave one, its extended-ack message. */
public class NetlinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;
    private final String kernelMessage;

    public NetlinkException(String operation, int errno, String kernelMessage) {
        super(operation + ": " + Errno.nameOf(errno) + " (" + errno + "): " + Errno.describe(errno) + (kernelMessage == null || kernelMessage.isEmpty() ? ""
                : ": " + kernelMessage));
        this.operation = operation;
        this.errno = errno;
        this.kernelMessage = kernelMessage;
    }

    public String operation() {
        return operation;
    }

    /** The positive errno. */
    public int errno() {
        return errno;
    }

    public String errnoName() {
        return Errno.nameOf(errno);
    }

    /** The kernel's own words ({@code NLMSGERR_ATTR_MSG}), or null. */
    public String kernelMessage() {
        return kernelMessage;
    }
}
