package dev.ebpf4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.loader.inspect.Holder;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.ObjectKind;

/**
 * What bpftool prints after a program, map or link: the files pinning it (with {@code -f}) and the processes
 * holding it ({@code pids}).
 *
 * @param pinned pinned paths by id; null without {@code -f}
 * @param holders holding processes by id
 */
record Refs(Map<Integer, List<Path>> pinned, Map<Integer, List<Holder>> holders) {
    /** Nothing to print: what the callers outside {@code show} use. */
    static final Refs NONE = new Refs(null, Map.of());

    /**
     * The references of every object of {@code kind}; pinned paths only when {@code -f} asked for them. Nothing is
     * read (no walk of /proc or bpffs) when {@code shown} is empty.
     */
    static Refs of(Inspector kernel, ObjectKind kind, boolean showPinned, java.util.Collection<?> shown) {
        if (shown.isEmpty()) {
            return NONE;
        }
        return new Refs(showPinned ? kernel.pinnedPaths(kind) : null, kernel.holders(kind));
    }

    /** bpftool's plain {@code pinned PATH} lines of object {@code id}. */
    void appendPinned(StringBuilder sb, int id) {
        if (pinned != null) {
            pinned.getOrDefault(id, List.of()).forEach(p -> sb.append("\n\tpinned ").append(p));
        }
    }

    /** bpftool's plain {@code pids comm(pid), ...} line of object {@code id}, when a process holds it. */
    void appendPids(StringBuilder sb, int id) {
        List<Holder> held = holders.getOrDefault(id, List.of());
        if (!held.isEmpty()) {
            sb.append("\n\tpids ");
            for (int i = 0; i < held.size(); i++) {
                sb.append(i == 0 ? "" : ", ").append(held.get(i));
            }
        }
    }

    /**
     * bpftool's JSON: a {@code pinned} array for every object once any object of the kind is pinned (with
     * {@code -f}), then {@code pids} when a process holds this one.
     */
    void putJson(ObjectNode n, int id) {
        if (pinned != null && !pinned.isEmpty()) {
            ArrayNode paths = n.putArray("pinned");
            pinned.getOrDefault(id, List.of()).forEach(p -> paths.add(p.toString()));
        }
        List<Holder> held = holders.getOrDefault(id, List.of());
        if (!held.isEmpty()) {
            ArrayNode pids = n.putArray("pids");
            held.forEach(h -> pids.addObject().put("pid", h.pid()).put("comm", h.comm()));
        }
    }
}
