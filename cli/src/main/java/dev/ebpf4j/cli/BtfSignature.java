package dev.ebpf4j.cli;

import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfLinkage;
import dev.ebpf4j.object.btf.BtfType;

/**
 * bpftool's {@code btf_dumper_type_only}: the one-line C-like signature it prints before each function of a program
 * dump, e.g. {@code int hello(struct xdp_md * ctx)}.
 */
final class BtfSignature {
    private BtfSignature() {}

    private static final int MAX_DEPTH = 64;

    /** The signature of type {@code id}, or "" where bpftool gives up (unknown kinds, tags). */
    static String of(Btf btf, int id) {
        StringBuilder sb = new StringBuilder();
        try {
            return type(btf, id, sb, 0) ? sb.toString() : "";
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static boolean type(Btf btf, int id, StringBuilder sb, int depth) {
        if (depth > MAX_DEPTH) {
            return false;
        }
        if (id == 0) {
            sb.append("void ");
            return true;
        }
        BtfType t = btf.type(id);
        switch (t) {
            case BtfType.Int x -> sb.append(x.name()).append(' ');
            case BtfType.Typedef x -> sb.append(x.name()).append(' ');
            case BtfType.Float x -> sb.append(x.name()).append(' ');
            case BtfType.Struct x -> sb.append("struct ").append(x.name()).append(' ');
            case BtfType.Union x -> sb.append("union ").append(x.name()).append(' ');
            case BtfType.Enum x -> sb.append("enum ").append(x.name()).append(' ');
            case BtfType.Enum64 x -> sb.append("enum ").append(x.name()).append(' ');
            case BtfType.Array x -> {
                if (!type(btf, x.elementType(), sb, depth + 1)) {
                    return false;
                }
                sb.append('[').append(x.count()).append(']');
            }
            case BtfType.Ptr x -> {
                if (!type(btf, x.type(), sb, depth + 1)) {
                    return false;
                }
                sb.append("* ");
            }
            case BtfType.Fwd x -> sb.append(x.union() ? "union" : "struct").append(' ').append(x.name()).append(' ');
            case BtfType.Volatile x -> {
                sb.append("volatile ");
                return type(btf, x.type(), sb, depth + 1);
            }
            case BtfType.Const x -> {
                sb.append("const ");
                return type(btf, x.type(), sb, depth + 1);
            }
            case BtfType.Restrict x -> {
                sb.append("restrict ");
                return type(btf, x.type(), sb, depth + 1);
            }
            case BtfType.FuncProto x -> {
                return func(btf, x, null, sb, depth);
            }
            case BtfType.Func x -> {
                if (!(btf.type(x.type()) instanceof BtfType.FuncProto proto)) {
                    return false;
                }
                return func(btf, proto, x.name(), sb, depth);
            }
            case BtfType.Var x -> {
                if (x.linkage() == BtfLinkage.STATIC) {
                    sb.append("static ");
                }
                if (!type(btf, x.type(), sb, depth + 1)) {
                    return false;
                }
                sb.append(' ').append(x.name());
            }
            case BtfType.Datasec x -> sb.append("section (\"").append(x.name()).append("\") ");
            default -> {
                return false;
            }
        }
        return true;
    }

    private static boolean func(Btf btf, BtfType.FuncProto proto, String name, StringBuilder sb, int depth) {
        if (!type(btf, proto.returnType(), sb, depth + 1)) {
            return false;
        }
        sb.append(name == null ? "" : name).append('(');
        for (int i = 0; i < proto.params().size(); i++) {
            BtfType.Param p = proto.params().get(i);
            if (i > 0) {
                sb.append(", ");
            }
            if (p.type() != 0) {
                if (!type(btf, p.type(), sb, depth + 1)) {
                    return false;
                }
                if (!p.name().isEmpty()) {
                    sb.append(p.name());
                } else if (!sb.isEmpty() && sb.charAt(sb.length() - 1) == ' ') {
                    sb.setLength(sb.length() - 1);
                }
            } else {
                sb.append("...");
            }
        }
        sb.append(')');
        return true;
    }
}
