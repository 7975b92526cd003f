package dev.ebpf4j.loader.link;

import java.nio.file.Path;

/**
 * A program attached somewhere. Closing it detaches the program (unless the link is pinned: then the pin keeps
 * it until removed).
 */
public interface Link extends AutoCloseable {

    /** What is attached where, e.g. {@code raw_tracepoint sys_enter} or {@code xdp ifindex 5 (generic)}. */
    String describe();

    /** True while attached (false after close). */
    boolean attached();

    /** Pins the link in bpffs so it outlives this process; only links made with bpf_link support it. */
    void pin(Path path);

    @Override
    void close();
}
