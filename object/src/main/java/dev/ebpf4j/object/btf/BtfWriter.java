package dev.ebpf4j.object.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Encodes {@link BtfType} records into a BTF blob (header, type section, string section). */
final class BtfWriter {
    private final Btf template;
    private final Btf base;
    private final ByteArrayOutputStream newStrings = new ByteArrayOutputStream();
    private final Map<String, Integer> added = new HashMap<>();
    private final int stringsStart; // combined offset at which appended strings begin
    private int[] out = new int[256];
    private int len;

    private BtfWriter(Btf template, Btf base) {
        this.template = template;
        this.base = template == null ? base : template.base().orElse(null);
        if (template == null && base != null) {
            added.put("", 0); // split BTF: offset 0 is the base's empty string
            stringsStart = base.stringBase() + base.rawStrings().length;
        } else if (template == null) {
            newStrings.write(0);
            added.put("", 0);
            stringsStart = 0;
        } else {
            stringsStart = template.stringBase() + template.rawStrings().length;
        }
    }

    /**
     * Writes {@code types} as a blob. With a template, its header bytes, base and string section are
     * kept (strings are only appended); without, a fresh 24-byte header and string table are made,
     * and {@code base} (if any) makes it split BTF whose strings reuse the base's.
     */
    static byte[] write(List<? extends BtfType> types, Btf template, Btf base, ByteOrder order) {
        BtfWriter w = new BtfWriter(template, base);
        for (int i = 0; i < types.size(); i++) {
            w.type(types.get(i), i);
        }
        return w.finish(order);
    }

    private byte[] finish(ByteOrder order) {
        byte[] oldStrings = template == null ? new byte[0] : template.rawStrings();
        byte[] extra = newStrings.toByteArray();
        byte[] hdr = template == null ? new byte[Btf.HEADER_SIZE] : template.headerBytes();
        long total = (long) hdr.length + len * 4L + oldStrings.length + extra.length;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("encoded BTF would be " + total + " bytes");
        }
        ByteBuffer b = ByteBuffer.allocate((int) total).order(order);
        b.put(0, hdr);
        b.putShort(0, (short) Btf.MAGIC);
        b.put(2, (byte) Btf.VERSION);
        if (template == null) {
            b.put(3, (byte) 0);
        }
        b.putInt(4, hdr.length);
        b.putInt(8, 0);
        b.putInt(12, len * 4);
        b.putInt(16, len * 4);
        b.putInt(20, oldStrings.length + extra.length);
        b.position(hdr.length);
        b.slice().order(order).asIntBuffer().put(out, 0, len);
        b.put(hdr.length + len * 4, oldStrings);
        b.put(hdr.length + len * 4 + oldStrings.length, extra);
        return b.array();
    }

    private void emit(int v) {
        if (len == out.length) {
            out = Arrays.copyOf(out, len * 2);
        }
        out[len++] = v;
    }

    private int str(String s) {
        if (s.isEmpty()) {
            return 0;
        }
        Btf lookup = template != null ? template : base;
        if (lookup != null) {
            int off = lookup.findString(s);
            if (off >= 0) {
                return off;
            }
        }
        Integer off = added.get(s);
        if (off == null) {
            if (s.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("BTF string contains NUL: " + s);
            }
            off = stringsStart + newStrings.size();
            newStrings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            newStrings.write(0);
            added.put(s, off);
        }
        return off;
    }

    private static int info(BtfKind kind, int vlen, boolean kflag, int index) {
        if (vlen < 0 || vlen > 0xffff) {
            throw new IllegalArgumentException("type #" + index + " (" + kind.label() + ") has " + vlen
                    + " entries; BTF allows at most 65535");
        }
        return (kflag ? 0x8000_0000 : 0) | kind.number() << 24 | vlen;
    }

    private void head(BtfType t, int vlen, boolean kflag, int sizeOrType, int index) {
        emit(str(t.name()));
        emit(info(t.kind(), vlen, kflag, index));
        emit(sizeOrType);
    }

    private void type(BtfType t, int index) {
        switch (t) {
            case BtfType.Void v -> throw new IllegalArgumentException("type #" + index + " is void, which is not encoded");
            case BtfType.Int x -> {
                if ((x.encoding() & ~0xf) != 0 || (x.bitOffset() & ~0xff) != 0 || (x.bits() & ~0xff) != 0) {
                    throw new IllegalArgumentException("type #" + index + ": INT field out of range: " + x);
                }
                head(x, 0, false, x.size(), index);
                emit(x.encoding() << 24 | x.bitOffset() << 16 | x.bits());
            }
            case BtfType.Ptr x -> head(x, 0, false, x.type(), index);
            case BtfType.Array x -> {
                head(x, 0, false, 0, index);
                emit(x.elementType());
                emit(x.indexType());
                emit(x.count());
            }
            case BtfType.Composite x -> {
                head(x, x.members().size(), x.bitfieldEncoding(), x.size(), index);
                for (BtfType.Member m : x.members()) {
                    emit(str(m.name()));
                    emit(m.type());
                    if (x.bitfieldEncoding()) {
                        if ((m.bitOffset() & ~0xff_ffff) != 0 || (m.bitfieldSize() & ~0xff) != 0) {
                            throw new IllegalArgumentException("type #" + index + ": member " + m
                                    + " does not fit the bitfield encoding");
                        }
                        emit(m.bitfieldSize() << 24 | m.bitOffset());
                    } else {
                        if (m.bitfieldSize() != 0) {
                            throw new IllegalArgumentException("type #" + index + ": bitfield member " + m
                                    + " needs bitfieldEncoding");
                        }
                        emit(m.bitOffset());
                    }
                }
            }
            case BtfType.Enum x -> {
                head(x, x.values().size(), x.signed(), x.size(), index);
                for (BtfType.EnumValue v : x.values()) {
                    emit(str(v.name()));
                    emit((int) v.value());
                }
            }
            case BtfType.Enum64 x -> {
                head(x, x.values().size(), x.signed(), x.size(), index);
                for (BtfType.EnumValue v : x.values()) {
                    emit(str(v.name()));
                    emit((int) v.value());
                    emit((int) (v.value() >>> 32));
                }
            }
            case BtfType.Fwd x -> head(x, 0, x.union(), 0, index);
            case BtfType.Typedef x -> head(x, 0, false, x.type(), index);
            case BtfType.Volatile x -> head(x, 0, false, x.type(), index);
            case BtfType.Const x -> head(x, 0, false, x.type(), index);
            case BtfType.Restrict x -> head(x, 0, false, x.type(), index);
            case BtfType.TypeTag x -> head(x, 0, x.attribute(), x.type(), index);
            case BtfType.Func x -> head(x, x.linkage().number(), false, x.type(), index);
            case BtfType.FuncProto x -> {
                head(x, x.params().size(), false, x.returnType(), index);
                for (BtfType.Param p : x.params()) {
                    emit(str(p.name()));
                    emit(p.type());
                }
            }
            case BtfType.Var x -> {
                head(x, 0, false, x.type(), index);
                emit(x.linkage().number());
            }
            case BtfType.Datasec x -> {
                head(x, x.vars().size(), false, x.size(), index);
                for (BtfType.VarSecinfo v : x.vars()) {
                    emit(v.type());
                    emit(v.offset());
                    emit(v.size());
                }
            }
            case BtfType.Float x -> head(x, 0, false, x.size(), index);
            case BtfType.DeclTag x -> {
                head(x, 0, x.attribute(), x.type(), index);
                emit(x.componentIdx());
            }
        }
    }
}
