package dev.ebpf4j.loader.inspect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.ebpf4j.bindings.Fd;

/**
 * The kinds of BPF object a descriptor or a pin can refer to, with the names the kernel gives their anonymous inodes
 * ({@code /proc/PID/fd/N -> anon_inode:bpf-prog}) and the {@code fdinfo} line that carries their id. Links were
 * {@code bpf_link} until the kernel renamed them {@code bpf-link} (6.1 has the first, 6.18 the second).
 */
public enum ObjectKind {
    PROG("prog", "prog_id:", "anon_inode:bpf-prog"),
    MAP("map", "map_id:", "anon_inode:bpf-map"),
    LINK("link", "link_id:", "anon_inode:bpf-link", "anon_inode:bpf_link");

    private final String word;
    private final String idKey;
    private final List<String> inodes;

    ObjectKind(String word, String idKey, String... inodes) {
        this.word = word;
        this.idKey = idKey;
        this.inodes = List.of(inodes);
    }

    /** bpftool's word for the kind: {@code prog}, {@code map}, {@code link}. */
    public String word() {
        return word;
    }

    /** The {@code fdinfo} key of the object's id, with its colon ({@code prog_id:}). */
    String idKey() {
        return idKey;
    }

    /** The kind whose anonymous inode a {@code /proc/.../fd/N} link target names, if it is a BPF object. */
    static Optional<ObjectKind> ofLinkTarget(String target) {
        for (ObjectKind k : values()) {
            if (k.inodes.contains(target)) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }

    /** The kind of one of this process's descriptors, as bpftool's {@code get_fd_type} reads it. */
    static Optional<ObjectKind> of(Fd fd) {
        try {
            return ofLinkTarget(Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd.raw())).toString());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
