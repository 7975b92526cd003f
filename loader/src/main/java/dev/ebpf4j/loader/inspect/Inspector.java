package dev.ebpf4j.loader.inspect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd.raw())).toString();
            if (target.contains("bpf-map")) {
                return "map";
            }
            if (target.contains("bpf-prog")) {
                return "prog";
            }
            if (target.contains("bpf-link")) {
                return "link";
            }
            return "unknown";
        } catch (IOException e) {
            return "unknown";
        }
    }
}
