package dev.ebpf4j.loader.netlink;

/** A netlink reply that does not have the shape its header promises (lengths past the end, a short header). */
public class MalformedNetlinkException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MalformedNetlinkException(String message) {
        super(message);
    }
}
