package dev.ebpf4j.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.loader.inspect.BtfInfo;
import dev.ebpf4j.loader.inspect.MapInfo;
import dev.ebpf4j.loader.inspect.ProgramInfo;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;

/**
 * The text and JSON of bpftool 7.1's {@code prog show}, {@code map show} and {@code btf show} for one object
 * (prog.c {@code print_prog_plain}/{@code print_prog_json}, map.c {@code show_map_close_*}, btf.c
 * {@code show_btf_*}), with the pinned paths and pids of {@link Refs}; program metadata is not shown.
 */
final class Shown {
    private Shown() {}

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final DateTimeFormatter LOADED_AT = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx", Locale.ROOT);

    /** strftime's {@code %FT%T%z} in the local time zone, as bpftool prints {@code loaded_at}. */
    static String loadedAt(Instant at, ZoneId zone) {
        return LOADED_AT.format(at.atZone(zone));
    }

    static String progType(int type) {
        return ProgramType.of(type).map(ProgramType::bpftoolName).orElse(null);
    }

    static String mapType(int type) {
        return MapType.of(type).map(MapType::bpftoolName).orElse(null);
    }

    static String program(ProgramInfo p, ZoneId zone) {
        return program(p, zone, Refs.NONE);
    }

    static String program(ProgramInfo p, ZoneId zone, Refs refs) {
        StringBuilder sb = new StringBuilder();
        sb.append(Integer.toUnsignedString(p.id())).append(": ");
        String type = progType(p.type());
        sb.append(type != null ? type + "  " : "type " + Integer.toUnsignedString(p.type()) + "  ");
        if (!p.name().isEmpty()) {
            sb.append("name ").append(p.name()).append("  ");
        }
        sb.append("tag ").append(p.tag());
        sb.append(p.gplCompatible() ? "  gpl" : "");
        if (p.runTimeNs() != 0) {
            sb.append(" run_time_ns ").append(p.runTimeNs()).append(" run_cnt ").append(p.runCnt());
        }
        if (p.recursionMisses() != 0) {
            sb.append(" recursion_misses ").append(p.recursionMisses());
        }
        sb.append('\n');
        p.loadedAt().ifPresent(at -> sb.append("\tloaded_at ").append(loadedAt(at, zone)).append("  uid ")
                .append(Integer.toUnsignedString(p.uid())).append('\n'));
        sb.append("\txlated ").append(Integer.toUnsignedString(p.bytesXlated())).append('B');
        sb.append(p.jited() ? "  jited " + Integer.toUnsignedString(p.bytesJited()) + "B" : "  not jited");
        p.bytesMemlock().ifPresent(m -> sb.append("  memlock ").append(m).append('B'));
        if (!p.mapIds().isEmpty()) {
            sb.append("  map_ids ").append(p.mapIds().stream().map(Integer::toUnsignedString).collect(Collectors.joining(",")));
        }
        refs.appendPinned(sb, p.id());
        if (p.btfId() != 0) {
            sb.append("\n\tbtf_id ").append(p.btfId());
        }
        refs.appendPids(sb, p.id());
        sb.append('\n');
        return sb.toString();
    }

    static ObjectNode programJson(ProgramInfo p) {
        return programJson(p, Refs.NONE);
    }

    static ObjectNode programJson(ProgramInfo p, Refs refs) {
        ObjectNode n = NODES.objectNode();
        n.put("id", Integer.toUnsignedLong(p.id()));
        String type = progType(p.type());
        if (type != null) {
            n.put("type", type);
        } else {
            n.put("type", Integer.toUnsignedLong(p.type()));
        }
        if (!p.name().isEmpty()) {
            n.put("name", p.name());
        }
        n.put("tag", p.tag());
        n.put("gpl_compatible", p.gplCompatible());
        if (p.runTimeNs() != 0) {
            n.put("run_time_ns", p.runTimeNs());
            n.put("run_cnt", p.runCnt());
        }
        if (p.recursionMisses() != 0) {
            n.put("recursion_misses", p.recursionMisses());
        }
        p.loadedAt().ifPresent(at -> {
            n.put("loaded_at", at.getEpochSecond());
            n.put("uid", Integer.toUnsignedLong(p.uid()));
        });
        n.put("bytes_xlated", Integer.toUnsignedLong(p.bytesXlated()));
        n.put("jited", p.jited());
        if (p.jited()) {
            n.put("bytes_jited", Integer.toUnsignedLong(p.bytesJited()));
        }
        p.bytesMemlock().ifPresent(m -> n.put("bytes_memlock", m));
        if (!p.mapIds().isEmpty()) {
            ArrayNode ids = n.putArray("map_ids");
            p.mapIds().forEach(id -> ids.add(Integer.toUnsignedLong(id)));
        }
        if (p.btfId() != 0) {
            n.put("btf_id", p.btfId());
        }
        refs.putJson(n, p.id());
        return n;
    }

    /** The first line of {@code map show} (also the header of {@code map dump} of several maps). */
    static String mapHeader(MapInfo m) {
        StringBuilder sb = new StringBuilder();
        sb.append(Integer.toUnsignedString(m.id())).append(": ");
        String type = mapType(m.type());
        sb.append(type != null ? type + "  " : "type " + Integer.toUnsignedString(m.type()) + "  ");
        if (!m.name().isEmpty()) {
            sb.append("name ").append(m.name()).append("  ");
        }
        sb.append("flags 0x").append(Integer.toHexString(m.flags())).append('\n');
        return sb.toString();
    }

    static String map(MapInfo m) {
        return map(m, Refs.NONE);
    }

    static String map(MapInfo m, Refs refs) {
        StringBuilder sb = new StringBuilder(mapHeader(m));
        sb.append("\tkey ").append(Integer.toUnsignedString(m.keySize())).append("B  value ")
                .append(Integer.toUnsignedString(m.valueSize())).append("B  max_entries ")
                .append(Integer.toUnsignedString(m.maxEntries()));
        m.bytesMemlock().ifPresent(x -> sb.append("  memlock ").append(x).append('B'));
        if (m.mapType().orElse(null) == MapType.PROG_ARRAY) {
            if (m.ownerProgType().isPresent() || m.ownerJited().isPresent()) {
                sb.append("\n\t");
            }
            m.ownerProgType().ifPresent(t -> {
                String name = progType(t);
                sb.append("owner_prog_type ").append(name != null ? name : Integer.toString(t)).append("  ");
            });
            m.ownerJited().ifPresent(j -> sb.append("owner").append(j ? "" : " not").append(" jited"));
        }
        refs.appendPinned(sb, m.id());
        if (m.btfId() != 0 || m.frozen()) {
            sb.append("\n\t");
        }
        if (m.btfId() != 0) {
            sb.append("btf_id ").append(m.btfId());
        }
        if (m.frozen()) {
            sb.append(m.btfId() != 0 ? "  " : "").append("frozen");
        }
        refs.appendPids(sb, m.id());
        sb.append('\n');
        return sb.toString();
    }

    /** bpftool's {@code show_map_header_json}: id, type, name and flags. */
    static ObjectNode mapHeaderJson(MapInfo m) {
        ObjectNode n = NODES.objectNode();
        n.put("id", Integer.toUnsignedLong(m.id()));
        String type = mapType(m.type());
        if (type != null) {
            n.put("type", type);
        } else {
            n.put("type", Integer.toUnsignedLong(m.type()));
        }
        if (!m.name().isEmpty()) {
            n.put("name", m.name());
        }
        n.put("flags", m.flags());
        return n;
    }

    static ObjectNode mapJson(MapInfo m) {
        return mapJson(m, Refs.NONE);
    }

    static ObjectNode mapJson(MapInfo m, Refs refs) {
        ObjectNode n = mapHeaderJson(m);
        n.put("bytes_key", Integer.toUnsignedLong(m.keySize()));
        n.put("bytes_value", Integer.toUnsignedLong(m.valueSize()));
        n.put("max_entries", Integer.toUnsignedLong(m.maxEntries()));
        m.bytesMemlock().ifPresent(x -> n.put("bytes_memlock", x));
        if (m.mapType().orElse(null) == MapType.PROG_ARRAY) {
            m.ownerProgType().ifPresent(t -> {
                String name = progType(t);
                if (name != null) {
                    n.put("owner_prog_type", name);
                } else {
                    n.put("owner_prog_type", t);
                }
            });
            m.ownerJited().ifPresent(j -> n.put("owner_jited", j));
        }
        n.put("frozen", m.frozen() ? 1 : 0);
        if (m.btfId() != 0) {
            n.put("btf_id", m.btfId());
        }
        refs.putJson(n, m.id());
        return n;
    }

    static String btf(BtfInfo b, List<Long> progIds, List<Long> mapIds) {
        StringBuilder sb = new StringBuilder();
        sb.append(Integer.toUnsignedString(b.id())).append(": ");
        if (b.kernel()) {
            sb.append("name [").append(b.name()).append("]  ");
        } else if (!b.name().isEmpty()) {
            sb.append("name ").append(b.name()).append("  ");
        } else {
            sb.append("name <anon>  ");
        }
        sb.append("size ").append(Integer.toUnsignedString(b.size())).append('B');
        if (!progIds.isEmpty()) {
            sb.append("  prog_ids ").append(progIds.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        if (!mapIds.isEmpty()) {
            sb.append("  map_ids ").append(mapIds.stream().map(String::valueOf).collect(Collectors.joining(",")));
        }
        sb.append('\n');
        return sb.toString();
    }

    static ObjectNode btfJson(BtfInfo b, List<Long> progIds, List<Long> mapIds) {
        ObjectNode n = NODES.objectNode();
        n.put("id", Integer.toUnsignedLong(b.id()));
        n.put("size", Integer.toUnsignedLong(b.size()));
        ArrayNode progs = n.putArray("prog_ids");
        progIds.forEach(progs::add);
        ArrayNode maps = n.putArray("map_ids");
        mapIds.forEach(maps::add);
        n.put("kernel", b.kernel());
        if (!b.name().isEmpty()) {
            n.put("name", b.name());
        }
        return n;
    }
}
