package dev.ebpf4j.loader.link;

import java.nio.file.Path;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;

/**
 * A link that file descriptors hold: a bpf_link (and, for tracepoints and kprobes, the perf event it hangs on).
 * Closing releases them in reverse order; the kernel detaches when the last reference goes.
 */
final class FdLink implements Link {
    private final String description;
    private final Fd link;
    private final Fd perfEvent;

    /**
     * @param link      a bpf_link fd, or null when the program was attached by ioctl on {@code perfEvent}
     * @param perfEvent the perf event fd, or null
     */
    FdLink(String description, Fd link, Fd perfEvent) {
        this.description = description;
        this.link = link;
        this.perfEvent = perfEvent;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public boolean attached() {
        return (link != null && link.isOpen()) || (link == null && perfEvent != null && perfEvent.isOpen());
    }

    @Override
    public void pin(Path path) {
        if (link == null) {
            throw new UnsupportedOperationException(description + ": attached through a perf event ioctl, not a bpf_link,"
                    + " so it cannot be pinned (this kernel refused BPF_LINK_CREATE for it)");
        }
        Bpf.objPin(link, path.toString());
    }

    @Override
    public synchronized void close() {
        if (link != null) {
            link.close();
        }
        if (perfEvent != null) {
            perfEvent.close();
        }
    }

    @Override
    public String toString() {
        return "Link[" + description + (attached() ? "" : ", detached") + "]";
    }
}
