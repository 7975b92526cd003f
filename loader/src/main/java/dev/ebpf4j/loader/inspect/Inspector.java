package dev.ebpf4j.loader.inspect;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.ebpf4j.bindings.Fd;

/**
 * Entry point to what is loaded in the kernel: {@link #programs()}, {@link #maps()}, {@link #btf()},
 * {@link #links()}. An inspector holds no descriptors; it caches the kernel's parsed BTF once read.
 *
 * <pre>{@code
 * Inspector kernel = new Inspector();
 * for (ProgramInfo p : kernel.programs().list()) { ... }
 * List<MapEntry> entries = kernel.maps().dump(42);
 * }</pre>
 */
public final class Inspector {
    private final BtfObjects btf = new BtfObjects();
    private final Programs programs = new Programs(btf);
    private final Maps maps = new Maps(btf);
    private final Links links = new Links();

    public Programs programs() {
        return programs;
    }

    public Maps maps() {
        return maps;
    }

    public BtfObjects btf() {
        return btf;
    }

    public Links links() {
        return links;
    }

    /**
     * What kind of BPF object a descriptor is ({@code prog}, {@code map}, {@code link}, or {@code unknown}), from
     * its {@code /proc/self/fd} link as bpftool's {@code get_fd_type} tells.
     */
    static String fdKind(Fd fd) {
        return ObjectKind.of(fd).map(ObjectKind::word).orElse("unknown");
    }

    /**
     * For each object id of {@code kind}, the processes other than this one that hold a descriptor of it, in pid
     * order: bpftool's {@code pids}. Read from {@code /proc}; processes whose descriptors this process may not read
     * are missing.
     */
    public Map<Integer, List<Holder>> holders(ObjectKind kind) {
        return References.holders(kind);
    }

    /**
     * For each object id of {@code kind}, the files pinning it in every mounted bpffs: bpftool's {@code -f}. Opens
     * each pinned file once, so it needs the privileges {@code BPF_OBJ_GET} needs.
     */
    public Map<Integer, List<Path>> pinnedPaths(ObjectKind kind) {
        return References.pinned(kind);
    }
}
