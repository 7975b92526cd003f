package dev.ebpf4j.object.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.RandomAccess;

import dev.ebpf4j.object.BpfFormatException;

/**
 * A parsed BTF blob: header, type section and string section, as found in an object's {@code .BTF}
 * section or in {@code /sys/kernel/btf/vmlinux}.
 *
 * <p>{@link #parse(ByteBuffer)} makes one validating pass over the type section and keeps it as an
 * array of 32-bit words plus the start of each type; {@link BtfType} records and names are decoded
 * on first use and cached. Everything that could make later accessors fail is checked while parsing:
 * header bounds, unknown kinds and flag bits, vlen against the remaining bytes, every string offset,
 * every referenced type id, and reference loops that do not pass through a struct, union or
 * function prototype (e.g. a PTR that reaches itself through typedefs). So once {@code parse}
 * returned, {@link #type}, {@link #resolve}, {@link #describe} and {@link BtfDump} throw only for bad
 * arguments, and {@link #sizeOf} only for types without a size.
 *
 * <p>Instances are immutable and safe to share between threads.
 */
public final class Btf {
    /** {@code BTF_MAGIC}. */
    public static final int MAGIC = 0xeB9F;
    /** {@code BTF_VERSION}. */
    public static final int VERSION = 1;
    /** Size of {@code struct btf_header}. */
    public static final int HEADER_SIZE = 24;
    /** {@code BTF_MAX_TYPE}: the largest type id. */
    public static final int MAX_TYPE_ID = 0x000f_ffff;

    /** Byte size the BPF target uses for pointers. */
    private static final int POINTER_SIZE = 8;
    private static final int INFO_MASK = 0x9f00_ffff;
    private static final int INT_DATA_MASK = 0x0fff_00ff;
    private static final int DESCRIBE_DEPTH = 24;
    /**
     * Types one description names at most: a function prototype that is its own return and parameter type would
     * otherwise branch into 2^{@link #DESCRIBE_DEPTH} names (a fuzzing finding: seconds per call).
     */
    private static final int DESCRIBE_TYPES = 128;

    /** The header fields, unsigned values in {@code int}s; offsets are relative to the header's end. */
    public record Header(int magic, int version, int flags, int headerLength, int typeOffset, int typeLength,
            int stringOffset, int stringLength) {}

    private final Header header;
    private final ByteOrder order;
    /** The raw header bytes (all {@code hdr_len} of them), kept for re-encoding. */
    private final byte[] headerBytes;
    private final Btf base;
    /** Id of the first type in this blob's type section: 1, or the base's type count for split BTF. */
    private final int firstId;
    private final int[] words;
    /** starts[i] = word index of type {@code firstId + i}; one extra entry = words.length. */
    private final int[] starts;
    private final byte[] strings;
    /** Offset of this blob's first string in the combined (base + own) string space. */
    private final int stringBase;
    private final BtfType[] cache;
    private volatile Map<String, int[]> nameIndex;
    private volatile Map<String, Integer> stringIndex;

    private Btf(Header header, ByteOrder order, byte[] headerBytes, Btf base, int[] words, int[] starts,
            byte[] strings) {
        this.header = header;
        this.order = order;
        this.headerBytes = headerBytes;
        this.base = base;
        this.firstId = base == null ? 1 : base.typeCount();
        this.words = words;
        this.starts = starts;
        this.strings = strings;
        this.stringBase = base == null ? 0 : base.stringBase + base.strings.length;
        this.cache = new BtfType[starts.length - 1];
    }

    // ------------------------------------------------------------------------------------ parsing

    /** Parses a standalone BTF blob. */
    public static Btf parse(byte[] blob) {
        return parse(ByteBuffer.wrap(blob), null);
    }

    /** Parses a standalone BTF blob: the bytes from the buffer's position to its limit (the buffer is not moved). */
    public static Btf parse(ByteBuffer blob) {
        return parse(blob, null);
    }

    /** Parses split BTF (e.g. a kernel module's) whose type ids and string offsets continue those of {@code base}. */
    public static Btf parse(byte[] blob, Btf base) {
        return parse(ByteBuffer.wrap(blob), base);
    }

    /**
     * Parses BTF; with a non-null {@code base} the blob is split BTF: its first type gets id
     * {@code base.typeCount()} and string offsets below the base's string size refer to the base.
     */
    public static Btf parse(ByteBuffer blob, Btf base) {
        Objects.requireNonNull(blob, "blob");
        ByteBuffer b = blob.slice();
        int n = b.remaining();
        if (n < HEADER_SIZE) {
            throw new BpfFormatException("BTF: blob of " + n + " bytes is too short for the " + HEADER_SIZE
                    + "-byte header");
        }
        ByteOrder order = checkMagicAndVersion(b, "BTF");
        int flags = b.get(3) & 0xff;
        long hdrLen = Integer.toUnsignedLong(b.getInt(4));
        if (hdrLen < HEADER_SIZE) {
            throw new BpfFormatException("BTF: header length " + hdrLen + " at offset 4 is less than " + HEADER_SIZE);
        }
        if (hdrLen > n) {
            throw new BpfFormatException("BTF: header length " + hdrLen + " at offset 4 runs past the end of the "
                    + n + "-byte blob");
        }
        long typeOff = Integer.toUnsignedLong(b.getInt(8));
        long typeLen = Integer.toUnsignedLong(b.getInt(12));
        long strOff = Integer.toUnsignedLong(b.getInt(16));
        long strLen = Integer.toUnsignedLong(b.getInt(20));
        long dataLen = n - hdrLen;
        if (typeOff + typeLen > dataLen) {
            throw new BpfFormatException("BTF: type section [" + typeOff + ", +" + typeLen
                    + ") (header offsets 8 and 12) runs past the end of the data (" + dataLen
                    + " bytes after the header)");
        }
        if (strOff + strLen > dataLen) {
            throw new BpfFormatException("BTF: string section [" + strOff + ", +" + strLen
                    + ") (header offsets 16 and 20) runs past the end of the data (" + dataLen
                    + " bytes after the header)");
        }
        if ((typeOff & 3) != 0) {
            throw new BpfFormatException("BTF: type section offset " + typeOff + " is not 4-byte aligned");
        }
        if ((typeLen & 3) != 0) {
            throw new BpfFormatException("BTF: type section length " + typeLen + " is not a multiple of 4");
        }
        if (typeOff + typeLen > strOff) {
            throw new BpfFormatException("BTF: type section [" + typeOff + ", +" + typeLen
                    + ") overlaps or follows the string section at " + strOff);
        }
        if (strLen > 0 && b.get((int) (hdrLen + strOff + strLen - 1)) != 0) {
            throw new BpfFormatException("BTF: string section (offset " + (hdrLen + strOff) + ", " + strLen
                    + " bytes) does not end with a NUL byte");
        }
        if (base == null && (strLen == 0 || b.get((int) (hdrLen + strOff)) != 0)) {
            throw new BpfFormatException("BTF: string section (offset " + (hdrLen + strOff)
                    + ") must start with the empty string");
        }
        Header header = new Header(MAGIC, VERSION, flags, (int) hdrLen, (int) typeOff, (int) typeLen, (int) strOff,
                (int) strLen);
        byte[] headerBytes = new byte[(int) hdrLen];
        b.get(0, headerBytes);
        byte[] strings = new byte[(int) strLen];
        b.get((int) (hdrLen + strOff), strings);
        int[] words = new int[(int) (typeLen >>> 2)];
        b.slice((int) (hdrLen + typeOff), (int) typeLen).order(order).asIntBuffer().get(words);

        long stringBase = base == null ? 0 : base.stringBase + (long) base.strings.length;
        if (stringBase + strLen > 0xffff_ffffL) {
            throw new BpfFormatException("BTF: base and split string sections together exceed 4 GiB");
        }
        int firstId = base == null ? 1 : base.typeCount();
        int[] starts = scanTypes(words, firstId, stringBase + strLen);
        Btf btf = new Btf(header, order, headerBytes, base, words, starts, strings);
        btf.checkReferences();
        return btf;
    }

    private static BpfFormatException typeError(int id, int kind, int word, String what) {
        BtfKind k = BtfKind.ofNumber(kind);
        return new BpfFormatException("BTF type id " + id + " (" + (k == null ? "kind " + kind : k.label())
                + ") at type section offset " + (word * 4L) + ": " + what);
    }

    /** Pass 1: finds each type's start, checking kinds, flag bits, vlen and string offsets. */
    private static int[] scanTypes(int[] w, int firstId, long stringsEnd) {
        int[] starts = new int[Math.min(w.length / 3, MAX_TYPE_ID) + 2];
        int count = 0;
        int p = 0;
        int end = w.length;
        while (p < end) {
            int id = firstId + count;
            if (end - p < 3) {
                throw new BpfFormatException("BTF type id " + id + " at type section offset " + (p * 4L)
                        + ": truncated type header (" + ((end - p) * 4) + " of 12 bytes)");
            }
            if (id > MAX_TYPE_ID) {
                throw new BpfFormatException("BTF type id " + id + " at type section offset " + (p * 4L)
                        + ": more than " + MAX_TYPE_ID + " types");
            }
            int info = w[p + 1];
            int kind = (info >>> 24) & 0x1f;
            int vlen = info & 0xffff;
            boolean kflag = info < 0;
            if ((info & ~INFO_MASK) != 0) {
                throw typeError(id, kind, p, String.format("unused bits set in info word 0x%08x", info));
            }
            checkString(w[p], stringsEnd, id, kind, p, "name", -1);
            int extra; // words after the 3-word header
            boolean kflagAllowed = false;
            boolean vlenAllowed = false;
            switch (kind) {
                case 1 -> extra = 1; // INT
                case 2, 8, 9, 10, 11 -> extra = 0; // PTR, TYPEDEF, VOLATILE, CONST, RESTRICT
                case 3 -> extra = 3; // ARRAY
                case 4, 5 -> { // STRUCT, UNION
                    extra = 3 * vlen;
                    kflagAllowed = vlenAllowed = true;
                }
                case 6 -> { // ENUM
                    extra = 2 * vlen;
                    kflagAllowed = vlenAllowed = true;
                }
                case 7 -> { // FWD
                    extra = 0;
                    kflagAllowed = true;
                }
                case 12 -> { // FUNC: vlen is the linkage
                    extra = 0;
                    vlenAllowed = true;
                    if (vlen > 2) {
                        throw typeError(id, kind, p, "unknown function linkage " + vlen);
                    }
                }
                case 13 -> { // FUNC_PROTO
                    extra = 2 * vlen;
                    vlenAllowed = true;
                }
                case 14 -> extra = 1; // VAR
                case 15 -> { // DATASEC
                    extra = 3 * vlen;
                    vlenAllowed = true;
                }
                case 16 -> extra = 0; // FLOAT
                case 17 -> { // DECL_TAG
                    extra = 1;
                    kflagAllowed = true;
                }
                case 18 -> { // TYPE_TAG
                    extra = 0;
                    kflagAllowed = true;
                }
                case 19 -> { // ENUM64
                    extra = 3 * vlen;
                    kflagAllowed = vlenAllowed = true;
                }
                default -> throw typeError(id, kind, p, "unknown kind " + kind);
            }
            if (kflag && !kflagAllowed) {
                throw typeError(id, kind, p, "kind_flag is set but has no meaning for this kind");
            }
            if (vlen != 0 && !vlenAllowed) {
                throw typeError(id, kind, p, "vlen " + vlen + " must be 0 for this kind");
            }
            if (extra > end - p - 3) {
                throw typeError(id, kind, p, "vlen " + vlen + " needs " + (extra * 4L) + " bytes after the type but only "
                        + ((end - p - 3) * 4L) + " remain in the type section");
            }
            int q = p + 3;
            switch (kind) {
                case 1 -> {
                    int data = w[q];
                    if ((data & ~INT_DATA_MASK) != 0) {
                        throw typeError(id, kind, p, String.format("unused bits set in int data 0x%08x", data));
                    }
                }
                case 4, 5 -> {
                    for (int i = 0; i < vlen; i++) {
                        checkString(w[q + 3 * i], stringsEnd, id, kind, p, "member # name", i);
                    }
                }
                case 6, 13 -> {
                    for (int i = 0; i < vlen; i++) {
                        checkString(w[q + 2 * i], stringsEnd, id, kind, p,
                                kind == 6 ? "enumerator # name" : "parameter # name", i);
                    }
                }
                case 19 -> {
                    for (int i = 0; i < vlen; i++) {
                        checkString(w[q + 3 * i], stringsEnd, id, kind, p, "enumerator # name", i);
                    }
                }
                case 14 -> {
                    if (Integer.compareUnsigned(w[q], 2) > 0) {
                        throw typeError(id, kind, p, "unknown variable linkage " + Integer.toUnsignedString(w[q]));
                    }
                }
                default -> {}
            }
            starts[count++] = p;
            p = q + extra;
        }
        starts[count] = end;
        return Arrays.copyOf(starts, count + 1);
    }

    /** {@code what} names the field; a {@code #} in it stands for {@code index}. */
    private static void checkString(int off, long stringsEnd, int id, int kind, int p, String what, int index) {
        if (Integer.toUnsignedLong(off) >= stringsEnd) {
            throw typeError(id, kind, p, what.replace("#", Integer.toString(index)) + " offset " + Integer.toUnsignedString(off)
                    + " is outside the string section (" + stringsEnd + " bytes)");
        }
    }

    /** Pass 2: every referenced type id exists; no loop through pointers, modifiers, arrays and vars. */
    private void checkReferences() {
        int limit = typeCount();
        int n = starts.length - 1;
        for (int i = 0; i < n; i++) {
            int p = starts[i];
            int id = firstId + i;
            int info = words[p + 1];
            int kind = (info >>> 24) & 0x1f;
            int vlen = info & 0xffff;
            switch (kind) {
                case 2, 8, 9, 10, 11, 12, 14, 17, 18 -> checkRef(words[p + 2], limit, id, kind, p, "type", -1);
                case 13 -> {
                    checkRef(words[p + 2], limit, id, kind, p, "return type", -1);
                    for (int j = 0; j < vlen; j++) {
                        checkRef(words[p + 3 + 2 * j + 1], limit, id, kind, p, "parameter # type", j);
                    }
                }
                case 3 -> {
                    checkRef(words[p + 3], limit, id, kind, p, "element type", -1);
                    checkRef(words[p + 4], limit, id, kind, p, "index type", -1);
                }
                case 4, 5 -> {
                    for (int j = 0; j < vlen; j++) {
                        checkRef(words[p + 3 + 3 * j + 1], limit, id, kind, p, "member # type", j);
                    }
                }
                case 15 -> {
                    for (int j = 0; j < vlen; j++) {
                        checkRef(words[p + 3 + 3 * j], limit, id, kind, p, "variable # type", j);
                    }
                }
                default -> {}
            }
            if (kind == 17) {
                int target = words[p + 2];
                if (target == 0) {
                    throw typeError(id, kind, p, "tags type id 0 (void)");
                }
                int idx = words[p + 3];
                if (idx < -1) {
                    throw typeError(id, kind, p, "component index " + idx + " is less than -1");
                }
            }
        }
        checkLoops();
    }

    /** {@code what} names the field; a {@code #} in it stands for {@code index}. */
    private static void checkRef(int ref, int limit, int id, int kind, int p, String what, int index) {
        if (Integer.compareUnsigned(ref, limit) >= 0) {
            throw typeError(id, kind, p, what.replace("#", Integer.toString(index)) + " refers to type id " + Integer.toUnsignedString(ref)
                    + " but the last type id is " + (limit - 1));
        }
    }

    /** The next type in a chain that sizeOf, resolve and describe follow, or -1 when the chain ends here. */
    private int chainNext(int id) {
        if (id < firstId) {
            return -1; // base types were checked with the base
        }
        int p = starts[id - firstId];
        int kind = (words[p + 1] >>> 24) & 0x1f;
        return switch (kind) {
            case 2, 8, 9, 10, 11, 14, 18 -> words[p + 2];
            case 3 -> words[p + 3];
            default -> -1;
        };
    }

    private void checkLoops() {
        int n = starts.length - 1;
        byte[] state = new byte[n]; // 0 new, 1 on the current walk, 2 known to end
        for (int i = 0; i < n; i++) {
            if (state[i] != 0) {
                continue;
            }
            int id = firstId + i;
            while (id > 0 && id >= firstId && state[id - firstId] == 0) {
                state[id - firstId] = 1;
                id = chainNext(id);
            }
            if (id >= firstId && state[id - firstId] == 1) {
                throw new BpfFormatException("BTF type id " + id + ": reference loop " + loopText(id));
            }
            for (int j = firstId + i; j > 0 && j >= firstId && state[j - firstId] == 1; j = chainNext(j)) {
                state[j - firstId] = 2;
            }
        }
    }

    private String loopText(int start) {
        StringBuilder sb = new StringBuilder();
        int id = start;
        for (int steps = 0; steps < 16; steps++) {
            sb.append('[').append(id).append("] ").append(kind(id).label());
            String nm = name(id);
            if (!nm.isEmpty()) {
                sb.append(" '").append(nm).append('\'');
            }
            sb.append(" -> ");
            id = chainNext(id);
            if (id == start) {
                return sb.append('[').append(id).append(']').toString();
            }
        }
        return sb.append("...").toString();
    }

    // ----------------------------------------------------------------------------------- accessors

    public Header header() {
        return header;
    }

    /** The byte order the blob was written in (detected from the magic). */
    public ByteOrder byteOrder() {
        return order;
    }

    /** The base BTF of split BTF. */
    public Optional<Btf> base() {
        return Optional.ofNullable(base);
    }

    /** Number of type ids, counting id 0 (void) and, for split BTF, the base's types: ids run 0..typeCount()-1. */
    public int typeCount() {
        return firstId + starts.length - 1;
    }

    /** The first type id defined by this blob: 1, or the base's {@link #typeCount()} for split BTF. */
    public int firstTypeId() {
        return firstId;
    }

    /** This blob's string section (read-only). */
    public ByteBuffer stringSection() {
        return ByteBuffer.wrap(strings).asReadOnlyBuffer();
    }

    /** Offset, in the combined string space, of this blob's first string: 0, or the base's total for split BTF. */
    public int stringBase() {
        return stringBase;
    }

    private BpfFormatException badId(int id) {
        return new BpfFormatException("BTF: type id " + Integer.toUnsignedString(id) + " is out of range (ids are 0.."
                + (typeCount() - 1) + ")");
    }

    private void checkId(int id) {
        if (id < 0 || id >= typeCount()) {
            throw badId(id);
        }
    }

    /** The kind of type {@code id}, without decoding the type. */
    public BtfKind kind(int id) {
        checkId(id);
        if (id == 0) {
            return BtfKind.VOID;
        }
        if (id < firstId) {
            return base.kind(id);
        }
        return BtfKind.ofNumber((words[starts[id - firstId] + 1] >>> 24) & 0x1f);
    }

    /** The name of type {@code id} ("" when anonymous), without decoding the rest of the type. */
    public String name(int id) {
        checkId(id);
        if (id == 0) {
            return "";
        }
        if (id < firstId) {
            return base.name(id);
        }
        return string(words[starts[id - firstId]]);
    }

    /** The type with this id; id 0 is {@link BtfType.Void}. */
    public BtfType type(int id) {
        checkId(id);
        if (id == 0) {
            return BtfType.Void.INSTANCE;
        }
        if (id < firstId) {
            return base.type(id);
        }
        int i = id - firstId;
        BtfType t = cache[i];
        if (t == null) {
            t = decode(starts[i]);
            cache[i] = t; // records are immutable: a racing duplicate decode is harmless
        }
        return t;
    }

    /** The type with this id, which must be of class {@code cls} (e.g. {@code BtfType.Struct.class}). */
    public <T extends BtfType> T type(int id, Class<T> cls) {
        BtfType t = type(id);
        if (!cls.isInstance(t)) {
            throw new BpfFormatException("BTF: type id " + id + " is " + t.kind().label() + " '" + t.name()
                    + "', expected " + cls.getSimpleName());
        }
        return cls.cast(t);
    }

    /** All types indexed by id (element 0 is void; for split BTF the base's types come first). */
    public List<BtfType> types() {
        return new TypeList();
    }

    private final class TypeList extends AbstractList<BtfType> implements RandomAccess {
        @Override
        public BtfType get(int index) {
            if (index < 0 || index >= typeCount()) {
                throw new IndexOutOfBoundsException(index);
            }
            return type(index);
        }

        @Override
        public int size() {
            return typeCount();
        }
    }

    /** The NUL-terminated string at {@code offset} of the (combined, for split BTF) string section. */
    public String string(int offset) {
        if (offset < stringBase && offset >= 0) {
            return base.string(offset);
        }
        long local = Integer.toUnsignedLong(offset) - stringBase;
        if (local >= strings.length) {
            throw new BpfFormatException("BTF: string offset " + Integer.toUnsignedString(offset)
                    + " is outside the string section (" + (stringBase + (long) strings.length) + " bytes)");
        }
        int from = (int) local;
        int to = from;
        while (strings[to] != 0) { // the section ends with NUL (checked in parse)
            to++;
        }
        return to == from ? "" : new String(strings, from, to - from, StandardCharsets.UTF_8);
    }

    private BtfType decode(int p) {
        int[] w = words;
        String name = string(w[p]);
        int info = w[p + 1];
        int kind = (info >>> 24) & 0x1f;
        int vlen = info & 0xffff;
        boolean kflag = info < 0;
        int st = w[p + 2];
        int q = p + 3;
        return switch (kind) {
            case 1 -> {
                int d = w[q];
                yield new BtfType.Int(name, st, (d >>> 24) & 0x0f, (d >>> 16) & 0xff, d & 0xff);
            }
            case 2 -> new BtfType.Ptr(name, st);
            case 3 -> new BtfType.Array(name, w[q], w[q + 1], w[q + 2]);
            case 4, 5 -> {
                BtfType.Member[] ms = new BtfType.Member[vlen];
                for (int i = 0; i < vlen; i++, q += 3) {
                    int off = w[q + 2];
                    ms[i] = kflag
                            ? new BtfType.Member(string(w[q]), w[q + 1], off & 0xff_ffff, off >>> 24)
                            : new BtfType.Member(string(w[q]), w[q + 1], off, 0);
                }
                List<BtfType.Member> list = List.of(ms);
                yield kind == 4 ? new BtfType.Struct(name, st, kflag, list) : new BtfType.Union(name, st, kflag, list);
            }
            case 6 -> {
                BtfType.EnumValue[] vs = new BtfType.EnumValue[vlen];
                for (int i = 0; i < vlen; i++, q += 2) {
                    vs[i] = new BtfType.EnumValue(string(w[q]), kflag ? w[q + 1] : Integer.toUnsignedLong(w[q + 1]));
                }
                yield new BtfType.Enum(name, st, kflag, List.of(vs));
            }
            case 7 -> new BtfType.Fwd(name, kflag);
            case 8 -> new BtfType.Typedef(name, st);
            case 9 -> new BtfType.Volatile(name, st);
            case 10 -> new BtfType.Const(name, st);
            case 11 -> new BtfType.Restrict(name, st);
            case 12 -> new BtfType.Func(name, st, BtfLinkage.ofNumber(vlen));
            case 13 -> {
                BtfType.Param[] ps = new BtfType.Param[vlen];
                for (int i = 0; i < vlen; i++, q += 2) {
                    ps[i] = new BtfType.Param(string(w[q]), w[q + 1]);
                }
                yield new BtfType.FuncProto(name, st, List.of(ps));
            }
            case 14 -> new BtfType.Var(name, st, BtfLinkage.ofNumber(w[q]));
            case 15 -> {
                BtfType.VarSecinfo[] vs = new BtfType.VarSecinfo[vlen];
                for (int i = 0; i < vlen; i++, q += 3) {
                    vs[i] = new BtfType.VarSecinfo(w[q], w[q + 1], w[q + 2]);
                }
                yield new BtfType.Datasec(name, st, List.of(vs));
            }
            case 16 -> new BtfType.Float(name, st);
            case 17 -> new BtfType.DeclTag(name, st, w[q], kflag);
            case 18 -> new BtfType.TypeTag(name, st, kflag);
            case 19 -> {
                BtfType.EnumValue[] vs = new BtfType.EnumValue[vlen];
                for (int i = 0; i < vlen; i++, q += 3) {
                    vs[i] = new BtfType.EnumValue(string(w[q]), Integer.toUnsignedLong(w[q + 1])
                            | (long) w[q + 2] << 32);
                }
                yield new BtfType.Enum64(name, st, kflag, List.of(vs));
            }
            default -> throw new IllegalStateException("kind " + kind + " passed validation"); // unreachable
        };
    }

    // ------------------------------------------------------------------------------------- lookups

    /** Ids of all types named {@code name}, ascending (the base's first, for split BTF). */
    public List<Integer> findByName(String name) {
        Objects.requireNonNull(name, "name");
        List<Integer> out = base == null ? new ArrayList<>() : new ArrayList<>(base.findByName(name));
        int[] ids = nameIndex().get(name);
        if (ids != null) {
            for (int id : ids) {
                out.add(id);
            }
        }
        return out;
    }

    /** Ids of the types named {@code name} that are instances of {@code cls} (e.g. {@code BtfType.Struct.class}). */
    public List<Integer> findByName(String name, Class<? extends BtfType> cls) {
        List<Integer> all = findByName(name);
        all.removeIf(id -> !cls.isInstance(type(id)));
        return all;
    }

    /** The first type named {@code name} of class {@code cls}. */
    public OptionalInt findId(String name, Class<? extends BtfType> cls) {
        List<Integer> ids = findByName(name, cls);
        return ids.isEmpty() ? OptionalInt.empty() : OptionalInt.of(ids.getFirst());
    }

    private Map<String, int[]> nameIndex() {
        Map<String, int[]> idx = nameIndex;
        if (idx == null) {
            synchronized (this) {
                idx = nameIndex;
                if (idx == null) {
                    int n = starts.length - 1;
                    idx = new HashMap<>(n * 2);
                    for (int i = 0; i < n; i++) {
                        int off = words[starts[i]];
                        if (off == 0) {
                            continue;
                        }
                        String s = string(off);
                        if (s.isEmpty()) {
                            continue;
                        }
                        int id = firstId + i;
                        idx.merge(s, new int[] {id}, (a, b) -> {
                            int[] c = Arrays.copyOf(a, a.length + 1);
                            c[a.length] = b[0];
                            return c;
                        });
                    }
                    nameIndex = idx;
                }
            }
        }
        return idx;
    }

    // ----------------------------------------------------------------------------------- resolving

    /** Skips typedefs, const, volatile, restrict and type tags from {@code id}; returns the first other type's id. */
    public int resolve(int id) {
        checkId(id);
        int cur = id;
        while (true) {
            switch (type(cur)) {
                case BtfType.Typedef t -> cur = t.type();
                case BtfType.Const t -> cur = t.type();
                case BtfType.Volatile t -> cur = t.type();
                case BtfType.Restrict t -> cur = t.type();
                case BtfType.TypeTag t -> cur = t.type();
                default -> {
                    return cur;
                }
            }
        }
    }

    /** {@code type(resolve(id))}. */
    public BtfType resolvedType(int id) {
        return type(resolve(id));
    }

    /**
     * Size in bytes of type {@code id}, following typedefs, qualifiers, type tags and variables and
     * multiplying out arrays; pointers are 8 bytes.
     *
     * @throws BpfFormatException for void, functions, prototypes, forward declarations and tags, or
     *     when the size exceeds 2^32-1
     */
    public long sizeOf(int id) {
        checkId(id);
        long mult = 1;
        int cur = id;
        while (true) {
            BtfType t = type(cur);
            long size;
            switch (t) {
                case BtfType.Int x -> size = Integer.toUnsignedLong(x.size());
                case BtfType.Composite x -> size = Integer.toUnsignedLong(x.size());
                case BtfType.Enumeration x -> size = Integer.toUnsignedLong(x.size());
                case BtfType.Datasec x -> size = Integer.toUnsignedLong(x.size());
                case BtfType.Float x -> size = Integer.toUnsignedLong(x.size());
                case BtfType.Ptr x -> size = POINTER_SIZE;
                case BtfType.Reference x -> {
                    cur = x.type();
                    continue;
                }
                case BtfType.Var x -> {
                    cur = x.type();
                    continue;
                }
                case BtfType.Array x -> {
                    long count = Integer.toUnsignedLong(x.count());
                    if (count != 0 && mult > 0xffff_ffffL / count) {
                        throw new BpfFormatException("BTF: size of type id " + id + " (" + describe(id)
                                + ") exceeds 4 GiB");
                    }
                    mult *= count;
                    cur = x.elementType();
                    continue;
                }
                default -> throw new BpfFormatException("BTF: type id " + id + " (" + describe(id) + ") has no size"
                        + (cur != id ? ": it leads to type id " + cur + " (" + t.kind().label() + ")" : ""));
            }
            if (size != 0 && mult > 0xffff_ffffL / size) {
                throw new BpfFormatException("BTF: size of type id " + id + " (" + describe(id) + ") exceeds 4 GiB");
            }
            return mult * size;
        }
    }

    /** The members of the struct or union that {@code id} resolves to. */
    public List<BtfType.Member> members(int id) {
        if (resolvedType(id) instanceof BtfType.Composite c) {
            return c.members();
        }
        throw new BpfFormatException("BTF: type id " + id + " (" + describe(id) + ") is not a struct or union");
    }

    /**
     * A short C-like description of type {@code id} for messages: {@code struct task_struct},
     * {@code unsigned int *}, {@code const char[16]}, {@code int (*)(void *)}, {@code func hello},
     * {@code var counter}, {@code datasec .bss}. Never throws for a valid id; a type nested deeper than 24 levels,
     * or past the 128th type named, is written {@code ...}.
     */
    public String describe(int id) {
        checkId(id);
        StringBuilder sb = new StringBuilder();
        describe(id, sb, 0, new int[] {DESCRIBE_TYPES});
        return sb.toString();
    }

    /** Appends the description of {@code id}; {@code left[0]} counts down the types the whole description may name. */
    private void describe(int id, StringBuilder sb, int depth, int[] left) {
        if (depth > DESCRIBE_DEPTH || left[0] <= 0) {
            sb.append("...");
            return;
        }
        left[0]--;
        BtfType t = type(id);
        String name = t.name().isEmpty() ? "(anon)" : t.name();
        switch (t) {
            case BtfType.Void v -> sb.append("void");
            case BtfType.Int x -> sb.append(name);
            case BtfType.Float x -> sb.append(name);
            case BtfType.Typedef x -> sb.append(name);
            case BtfType.Struct x -> sb.append("struct ").append(name);
            case BtfType.Union x -> sb.append("union ").append(name);
            case BtfType.Enumeration x -> sb.append("enum ").append(name);
            case BtfType.Fwd x -> sb.append(x.union() ? "union " : "struct ").append(name);
            case BtfType.Ptr x -> {
                if (type(x.type()) instanceof BtfType.FuncProto fp) {
                    describeProto(fp, "(*)", sb, depth, left);
                } else {
                    describe(x.type(), sb, depth + 1, left);
                    sb.append(sb.isEmpty() || sb.charAt(sb.length() - 1) == '*' ? "*" : " *");
                }
            }
            case BtfType.Const x -> {
                sb.append("const ");
                describe(x.type(), sb, depth + 1, left);
            }
            case BtfType.Volatile x -> {
                sb.append("volatile ");
                describe(x.type(), sb, depth + 1, left);
            }
            case BtfType.Restrict x -> {
                sb.append("restrict ");
                describe(x.type(), sb, depth + 1, left);
            }
            case BtfType.TypeTag x -> {
                sb.append("__tag(").append(name).append(") ");
                describe(x.type(), sb, depth + 1, left);
            }
            case BtfType.Array x -> {
                describe(x.elementType(), sb, depth + 1, left);
                sb.append('[').append(Integer.toUnsignedString(x.count())).append(']');
            }
            case BtfType.FuncProto x -> describeProto(x, "", sb, depth, left);
            case BtfType.Func x -> sb.append("func ").append(name);
            case BtfType.Var x -> sb.append("var ").append(name);
            case BtfType.Datasec x -> sb.append("datasec ").append(name);
            case BtfType.DeclTag x -> sb.append("decl_tag ").append(name);
        }
    }

    private void describeProto(BtfType.FuncProto fp, String declarator, StringBuilder sb, int depth, int[] left) {
        describe(fp.returnType(), sb, depth + 1, left);
        sb.append(' ').append(declarator).append('(');
        List<BtfType.Param> ps = fp.params();
        if (ps.isEmpty()) {
            sb.append("void");
        }
        for (int i = 0; i < ps.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            BtfType.Param p = ps.get(i);
            if (p.type() == 0 && p.name().isEmpty()) {
                sb.append("...");
            } else {
                describe(p.type(), sb, depth + 1, left);
            }
        }
        sb.append(')');
    }

    // ------------------------------------------------------------------------------------ encoding

    /** Re-encodes this BTF in its own byte order; an unmodified blob from clang or pahole comes out byte for byte. */
    public byte[] encode() {
        return encode(order);
    }

    /** Re-encodes this BTF (this blob's own types and strings, not the base's) in {@code byteOrder}. */
    public byte[] encode(ByteOrder byteOrder) {
        List<BtfType> own = types().subList(firstId, typeCount());
        return BtfWriter.write(own, this, null, byteOrder);
    }

    /**
     * A new BTF with the same base, header and string section as this one, but with {@code types}
     * (ids from {@link #firstTypeId()} on) as the type section. Names not yet in the string section
     * are appended, so string offsets used elsewhere (e.g. by .BTF.ext) stay valid.
     */
    public Btf withTypes(List<? extends BtfType> types) {
        return parse(ByteBuffer.wrap(BtfWriter.write(types, this, null, order)), base);
    }

    /** A new standalone little-endian BTF with {@code types} as ids 1, 2, ... */
    public static Btf of(List<? extends BtfType> types) {
        return parse(BtfWriter.write(types, null, null, ByteOrder.LITTLE_ENDIAN));
    }

    /**
     * A new little-endian split BTF on top of {@code base}: {@code types} get ids
     * {@code base.typeCount()}, ...; names already in the base's strings reuse them.
     */
    public static Btf of(List<? extends BtfType> types, Btf base) {
        Objects.requireNonNull(base, "base");
        return parse(ByteBuffer.wrap(BtfWriter.write(types, null, base, ByteOrder.LITTLE_ENDIAN)), base);
    }

    byte[] headerBytes() {
        return headerBytes.clone();
    }

    byte[] rawStrings() {
        return strings;
    }

    /** Offset (combined space) of the first occurrence of {@code s} in the base's or this string section, or -1. */
    int findString(String s) {
        if (base != null) {
            int off = base.findString(s);
            if (off >= 0) {
                return off;
            }
        }
        Map<String, Integer> idx = stringIndex;
        if (idx == null) {
            synchronized (this) {
                idx = stringIndex;
                if (idx == null) {
                    idx = new HashMap<>();
                    int from = 0;
                    for (int i = 0; i < strings.length; i++) {
                        if (strings[i] == 0) {
                            idx.putIfAbsent(new String(strings, from, i - from, StandardCharsets.UTF_8), stringBase + from);
                            from = i + 1;
                        }
                    }
                    stringIndex = idx;
                }
            }
        }
        Integer off = idx.get(s);
        return off == null ? -1 : off;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Btf other && other.base == base && other.firstId == firstId
                && Arrays.equals(words, other.words) && Arrays.equals(strings, other.strings)
                && Arrays.equals(headerBytes, other.headerBytes) && order.equals(other.order);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(words) * 31 + Arrays.hashCode(strings);
    }

    @Override
    public String toString() {
        return "Btf[" + (typeCount() - firstId) + " types" + (base != null ? " split from " + (firstId - 1) + " base types" : "")
                + ", " + strings.length + " string bytes, " + order + "]";
    }

    /**
     * Reads the magic (either byte order) and version shared by BTF and BTF.ext headers, sets the buffer's order
     * and returns it.
     */
    static ByteOrder checkMagicAndVersion(ByteBuffer b, String what) {
        int m0 = b.get(0) & 0xff;
        int m1 = b.get(1) & 0xff;
        ByteOrder order;
        if ((m0 | m1 << 8) == MAGIC) {
            order = ByteOrder.LITTLE_ENDIAN;
        } else if ((m1 | m0 << 8) == MAGIC) {
            order = ByteOrder.BIG_ENDIAN;
        } else {
            throw new BpfFormatException(String.format(
                    "%s: bad magic 0x%02x%02x at offset 0 (expected 0xeb9f in either byte order)", what, m0, m1));
        }
        b.order(order);
        int version = b.get(2) & 0xff;
        if (version != VERSION) {
            throw new BpfFormatException(what + ": unsupported version " + version + " at offset 2 (expected 1)");
        }
        return order;
    }
}
