package dev.ebpf4j.loader;

import java.nio.file.Path;

/**
 * An existing kernel map to use instead of creating one of the object's maps (libbpf's {@code bpf_map__reuse_fd},
 * cilium/ebpf's map replacements, bpftool's {@code prog load ... map name NAME MAP}). The existing map must have the
 * type, key and value sizes, entries and flags the object declares.
 */
public sealed interface MapReplacement {
    /** The map pinned at {@code path}. */
    record Pinned(Path path) implements MapReplacement {
        @Override
        public String toString() {
            return "pinned " + path;
        }
    }

    /** The map with this kernel id. */
    record Id(int id) implements MapReplacement {
        @Override
        public String toString() {
            return "id " + Integer.toUnsignedString(id);
        }
    }

    static MapReplacement pinned(Path path) {
        return new Pinned(path);
    }

    static MapReplacement id(int id) {
        return new Id(id);
    }
}
