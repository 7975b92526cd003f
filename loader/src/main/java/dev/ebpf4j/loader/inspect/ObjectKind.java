package dev.ebpf4j.loader.inspect;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import dev.ebpf4j.bindings.Fd;

/**
 * The kinds of BPF object a descriptor or a pin can refer to, with the name the kernel gives their anonymous inodes
 * ({@code /proc/PID/fd/N -> anon_inode:bpf-prog}) and the {@code fdinfo} line that carries their id.
 */
public enum ObjectKind {
    PROG("prog", "anon_inode:bpf-prog", "prog_id:"),
    MAP("map", "anon_inode:bpf-map", "map_id:"),
    LINK("link", "anon_inode:bpf_link", "link_id:");

    private final String word;
    private final String inode;
    private final String idKey;

    ObjectKind(String word, String inode, String idKey) {
        this.word = word;
        this.inode = inode;
        this.idKey = idKey;
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
            if (target.equals(k.inode)) {
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
