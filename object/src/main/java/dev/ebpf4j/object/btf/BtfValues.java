package dev.ebpf4j.object.btf;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ebpf4j.object.BpfFormatException;

/**
 * Turns bytes of a BTF-typed value into a tree of plain Java values in bpftool's JSON shape ({@code map dump}'s
 * "formatted" part): integers as {@link Long} (or {@link BigInteger} for unsigned 64-bit and 128-bit values),
 * {@code bool} as {@link Boolean}, char arrays holding a C string as {@link String}, other arrays as {@link List},
 * structs and unions as {@link Map} from member name to value, enums as the enumerator's name when one matches,
 * a VAR as a one-entry map, and a DATASEC as {@code {name: [{var: value}, ...]}}.
 */
public final class BtfValues {
    private static final int MAX_DEPTH = 64;
    /**
     * Values one call may decode at most: a type can name a struct of two members of one type, each of two
     * members of another, and so on, or an array of 2^32 empty structs, whose decoding would not end in any useful
     * time, though it fits in a few bytes.
     */
    static final int MAX_PARTS = 1_000_000;

    private BtfValues() {}

    /** The value of type {@code typeId} held in {@code bytes} from their position on (little-endian). */
    public static Object format(Btf btf, int typeId, ByteBuffer bytes) {
        ByteBuffer b = bytes.slice().order(ByteOrder.LITTLE_ENDIAN);
        return value(btf, typeId, b, 0, 0, 0, 0, new int[] {MAX_PARTS});
    }

    public static Object format(Btf btf, int typeId, byte[] bytes) {
        return format(btf, typeId, ByteBuffer.wrap(bytes));
    }

    /** The value of type {@code id} at {@code byteOff}; {@code left[0]} counts down the values this call may still decode. */
    private static Object value(Btf btf, int id, ByteBuffer b, int byteOff, int bitOff, int bitSize, int depth,
                                int[] left) {
        if (depth > MAX_DEPTH) {
            throw new BpfFormatException("BTF type " + id + " nests deeper than " + MAX_DEPTH + " levels");
        }
        if (--left[0] < 0) {
            throw new BpfFormatException("BTF type " + id + " makes a value of more than " + MAX_PARTS
                    + " parts (members and elements)");
        }
        BtfType t = btf.type(id);
        return switch (t) {
            case BtfType.Typedef r -> value(btf, r.type(), b, byteOff, bitOff, bitSize, depth + 1, left);
            case BtfType.Const r -> value(btf, r.type(), b, byteOff, bitOff, bitSize, depth + 1, left);
            case BtfType.Volatile r -> value(btf, r.type(), b, byteOff, bitOff, bitSize, depth + 1, left);
            case BtfType.Restrict r -> value(btf, r.type(), b, byteOff, bitOff, bitSize, depth + 1, left);
            case BtfType.TypeTag r -> value(btf, r.type(), b, byteOff, bitOff, bitSize, depth + 1, left);
            case BtfType.Int i -> integer(i, b, byteOff, bitOff + i.bitOffset(), bitSize != 0 ? bitSize : i.bits());
            case BtfType.Ptr p -> unsignedValue(read(b, byteOff, 8), 64);
            case BtfType.Enum e -> enumValue(e.values(), e.signed(), read(b, byteOff, e.size()), e.size());
            case BtfType.Enum64 e -> enumValue(e.values(), e.signed(), read(b, byteOff, e.size()), e.size());
            case BtfType.Float f -> f.size() == 4 ? (Object) (double) Float.intBitsToFloat((int) read(b, byteOff, 4))
                    : f.size() == 8 ? (Object) Double.longBitsToDouble(read(b, byteOff, 8)) : "(float" + f.size() * 8 + ")";
            case BtfType.Array a -> array(btf, a, b, byteOff, depth, left);
            case BtfType.Struct s -> members(btf, s.members(), s.bitfieldEncoding(), b, byteOff, depth, left);
            case BtfType.Union u -> members(btf, u.members(), u.bitfieldEncoding(), b, byteOff, depth, left);
            case BtfType.Var v -> {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(v.name(), value(btf, v.type(), b, byteOff, 0, 0, depth + 1, left));
                yield m;
            }
            case BtfType.Datasec d -> {
                List<Object> vars = new ArrayList<>();
                for (BtfType.VarSecinfo info : d.vars()) {
                    vars.add(value(btf, info.type(), b, byteOff + info.offset(), 0, 0, depth + 1, left));
                }
                Map<String, Object> m = new LinkedHashMap<>();
                m.put(d.name(), vars);
                yield m;
            }
            default -> "(" + t.kind().label() + ")";
        };
    }

    private static Object integer(BtfType.Int i, ByteBuffer b, int byteOff, int bitOff, int bits) {
        boolean signed = (i.encoding() & 1) != 0;
        if ((i.encoding() & 4) != 0 && bits == 8 && bitOff == 0) {
            return read(b, byteOff, 1) != 0;
        }
        if (bits > 64) {
            byte[] raw = new byte[16];
            for (int k = 0; k < 16; k++) {
                raw[15 - k] = b.get(checked(b, byteOff + k, 1));
            }
            return "0x" + new BigInteger(1, raw).toString(16);
        }
        int bytesNeeded = (bitOff + bits + 7) / 8;
        long raw = read(b, byteOff + bitOff / 8, Math.min(8, bytesNeeded - bitOff / 8));
        raw >>>= bitOff % 8;
        if (bits < 64) {
            raw &= (1L << bits) - 1;
            if (signed && (raw & (1L << (bits - 1))) != 0) {
                raw |= -1L << bits;
            }
        }
        return signed ? (Object) raw : unsignedValue(raw, bits);
    }

    private static Object unsignedValue(long raw, int bits) {
        return bits == 64 && raw < 0 ? new BigInteger(Long.toUnsignedString(raw)) : (Object) raw;
    }

    private static Object enumValue(List<BtfType.EnumValue> values, boolean signed, long raw, int size) {
        long v = raw;
        if (signed && size < 8) {
            v = (raw << (64 - size * 8)) >> (64 - size * 8);
        }
        for (BtfType.EnumValue e : values) {
            if (e.value() == v || (size < 8 && (e.value() & ((1L << size * 8) - 1)) == raw)) {
                return e.name();
            }
        }
        return signed ? (Object) v : unsignedValue(raw, size * 8);
    }

    private static Object array(Btf btf, BtfType.Array a, ByteBuffer b, int byteOff, int depth, int[] left) {
        long elemSize = btf.sizeOf(a.elementType());
        if (isChar(btf, a.elementType())) {
            String s = cString(b, byteOff, a.count());
            if (s != null) {
                return s;
            }
        }
        List<Object> out = new ArrayList<>((int) Math.min(Integer.toUnsignedLong(a.count()), 4096));
        for (long k = 0; k < Integer.toUnsignedLong(a.count()); k++) {
            long off = byteOff + k * elemSize;
            if (off > b.capacity()) {
                throw new BpfFormatException("BTF array of " + Integer.toUnsignedString(a.count()) + " elements of "
                        + elemSize + " bytes does not fit in a value of " + b.capacity() + " bytes");
            }
            out.add(value(btf, a.elementType(), b, (int) off, 0, 0, depth + 1, left));
        }
        return out;
    }

    private static Map<String, Object> members(Btf btf, List<BtfType.Member> members, boolean bitfields,
                                               ByteBuffer b, int byteOff, int depth, int[] left) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (BtfType.Member m : members) {
            int bitOffset = m.bitOffset();
            Object v = value(btf, m.type(), b, byteOff + bitOffset / 8, bitfields || m.bitfieldSize() != 0 ? bitOffset % 8 : 0,
                    m.bitfieldSize(), depth + 1, left);
            if (m.name().isEmpty() && v instanceof Map<?, ?> inner) {
                inner.forEach((k, val) -> out.put(String.valueOf(k), val)); // anonymous struct/union: its members
            } else {
                out.put(m.name(), v);
            }
        }
        return out;
    }

    /** A char array printed as text by bpftool: printable bytes up to a NUL, then only NULs. */
    private static String cString(ByteBuffer b, int off, int count) {
        int end = -1;
        for (int k = 0; k < count; k++) {
            byte c = b.get(checked(b, off + k, 1));
            if (c == 0) {
                end = k;
                break;
            }
            if (c < 0x20 || c > 0x7e) {
                return null;
            }
        }
        if (end < 0) {
            return null;
        }
        for (int k = end; k < count; k++) {
            if (b.get(off + k) != 0) {
                return null;
            }
        }
        byte[] text = new byte[end];
        b.get(off, text);
        return new String(text, StandardCharsets.US_ASCII);
    }

    private static boolean isChar(Btf btf, int id) {
        return btf.type(btf.resolve(id)) instanceof BtfType.Int i && i.size() == 1 && i.bits() == 8
                && ((i.encoding() & 2) != 0 || i.name().equals("char") || i.name().equals("signed char")
                || i.name().equals("unsigned char"));
    }

    private static long read(ByteBuffer b, int off, int size) {
        checked(b, off, size);
        long v = 0;
        for (int k = size - 1; k >= 0; k--) {
            v = (v << 8) | (b.get(off + k) & 0xff);
        }
        return v;
    }

    private static int checked(ByteBuffer b, int off, int size) {
        if (off < 0 || size < 0 || off + size > b.capacity()) {
            throw new BpfFormatException("BTF value: " + size + " bytes at offset " + off + " lie outside the "
                    + b.capacity() + " bytes given");
        }
        return off;
    }
}
