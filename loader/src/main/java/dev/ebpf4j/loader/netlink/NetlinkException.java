package dev.ebpf4j.loader.netlink;

import dev.ebpf4j.bindings.SyscallException;

/**
 * The kernel refused a netlink request: its errno and, when it gave one, its extended-ack message, on one line:
 * {@code RTM_SETLINK (attach XDP): EBUSY (16): Device or resource busy: XDP program already attached}.
 */
public class NetlinkException extends SyscallException {
    private static final long serialVersionUID = 1L;

    private final String kernelMessage;

    public NetlinkException(String operation, int errno, String kernelMessage) {
        super(operation, errno, kernelMessage, ": ");
        this.kernelMessage = kernelMessage;
    }

    /** The kernel's own words ({@code NLMSGERR_ATTR_MSG}), or null. */
    public String kernelMessage() {
        return kernelMessage;
    }
}
