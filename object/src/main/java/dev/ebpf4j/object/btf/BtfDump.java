package dev.ebpf4j.object.btf;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Formats types the way {@code bpftool btf dump file F} (raw format) prints them: one line per type,
 * {@code [id] KIND 'name' ...}, followed by one tab-indented line per member, parameter, enumerator
 * or data section variable.
 */
public final class BtfDump {
    private BtfDump() {}

    /** The whole dump of {@code btf}'s own types (for split BTF, not the base's), each line ending in {@code \n}. */
    public static String dump(Btf btf) {
        StringBuilder sb = new StringBuilder(Math.max(16, (btf.typeCount() - btf.firstTypeId()) * 48));
        dump(btf, sb);
        return sb.toString();
    }

    /** Appends the dump of {@code btf}'s own types to {@code out}. */
    public static void dump(Btf btf, Appendable out) {
        StringBuilder sb = out instanceof StringBuilder s ? s : new StringBuilder();
        for (int id = btf.firstTypeId(); id < btf.typeCount(); id++) {
            format(btf, id, sb);
            sb.append('\n');
            if (sb != out && sb.length() > 1 << 16) {
                flush(sb, out);
            }
        }
        if (sb != out) {
            flush(sb, out);
        }
    }

    private static void flush(StringBuilder sb, Appendable out) {
        try {
            out.append(sb);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        sb.setLength(0);
    }

    /** The dump of one type, without the final newline (continuation lines are separated by {@code \n}). */
    public static String format(Btf btf, int id) {
        StringBuilder sb = new StringBuilder();
        format(btf, id, sb);
        return sb.toString();
    }

    private static String quoted(String name) {
        return name.isEmpty() ? "'(anon)'" : "'" + name + "'";
    }

    private static String u32(int v) {
        return Integer.toUnsignedString(v);
    }

    private static String intEncoding(int encoding) {
        return switch (encoding) {
            case 0 -> "(none)";
            case BtfType.Int.SIGNED -> "SIGNED";
            case BtfType.Int.CHAR -> "CHAR";
            case BtfType.Int.BOOL -> "BOOL";
            default -> "UNKN";
        };
    }

    static void format(Btf btf, int id, StringBuilder sb) {
        BtfType t = btf.type(id);
        sb.append('[').append(id).append("] ").append(t.kind().label()).append(' ').append(quoted(t.name()));
        switch (t) {
            case BtfType.Void v -> {}
            case BtfType.Int x -> sb.append(" size=").append(u32(x.size())).append(" bits_offset=").append(x.bitOffset())
                    .append(" nr_bits=").append(x.bits()).append(" encoding=").append(intEncoding(x.encoding()));
            case BtfType.Reference x -> sb.append(" type_id=").append(u32(x.type()));
            case BtfType.Array x -> sb.append(" type_id=").append(u32(x.elementType())).append(" index_type_id=")
                    .append(u32(x.indexType())).append(" nr_elems=").append(u32(x.count()));
            case BtfType.Composite x -> {
                sb.append(" size=").append(u32(x.size())).append(" vlen=").append(x.members().size());
                for (BtfType.Member m : x.members()) {
                    sb.append("\n\t").append(quoted(m.name())).append(" type_id=").append(u32(m.type()))
                            .append(" bits_offset=").append(u32(m.bitOffset()));
                    if (m.bitfieldSize() != 0) {
                        sb.append(" bitfield_size=").append(m.bitfieldSize());
                    }
                }
            }
            case BtfType.Enum x -> {
                sb.append(" encoding=").append(x.signed() ? "SIGNED" : "UNSIGNED").append(" size=").append(u32(x.size()))
                        .append(" vlen=").append(x.values().size());
                for (BtfType.EnumValue v : x.values()) {
                    sb.append("\n\t").append(quoted(v.name())).append(" val=").append(v.value());
                }
            }
            case BtfType.Enum64 x -> {
                sb.append(" encoding=").append(x.signed() ? "SIGNED" : "UNSIGNED").append(" size=").append(u32(x.size()))
                        .append(" vlen=").append(x.values().size());
                for (BtfType.EnumValue v : x.values()) {
                    sb.append("\n\t").append(quoted(v.name())).append(" val=");
                    if (x.signed()) {
                        sb.append(v.value()).append("LL");
                    } else {
                        sb.append(Long.toUnsignedString(v.value())).append("ULL");
                    }
                }
            }
            case BtfType.Fwd x -> sb.append(" fwd_kind=").append(x.union() ? "union" : "struct");
            case BtfType.Func x -> sb.append(" type_id=").append(u32(x.type())).append(" linkage=").append(x.linkage().label());
            case BtfType.FuncProto x -> {
                sb.append(" ret_type_id=").append(u32(x.returnType())).append(" vlen=").append(x.params().size());
                for (BtfType.Param p : x.params()) {
                    sb.append("\n\t").append(quoted(p.name())).append(" type_id=").append(u32(p.type()));
                }
            }
            case BtfType.Var x -> sb.append(" type_id=").append(u32(x.type())).append(", linkage=").append(x.linkage().label());
            case BtfType.Datasec x -> {
                sb.append(" size=").append(u32(x.size())).append(" vlen=").append(x.vars().size());
                for (BtfType.VarSecinfo v : x.vars()) {
                    sb.append("\n\ttype_id=").append(u32(v.type())).append(" offset=").append(u32(v.offset()))
                            .append(" size=").append(u32(v.size()));
                    sb.append(" (").append(btf.kind(v.type()).label()).append(' ').append(quoted(btf.name(v.type())))
                            .append(')');
                }
            }
            case BtfType.Float x -> sb.append(" size=").append(u32(x.size()));
            case BtfType.DeclTag x -> sb.append(" type_id=").append(u32(x.type())).append(" component_idx=")
                    .append(x.componentIdx());
        }
    }
}
