package dev.ebpf4j.vm.verifier;

/**
 * The abstract value of one register (or spilled stack slot): a type from a small lattice and, depending on the
 * type, an unsigned range (scalars), a signed offset range (pointers), the frame (stack pointers), the map, an id
 * (null checks, packet ranges, references), a memory size or a function.
 *
 * @param type   the type
 * @param umin   scalars: smallest unsigned value; packet pointers: unused
 * @param umax   scalars: largest unsigned value; packet pointers: largest variable part added since the base
 * @param lo     pointers: smallest offset from the base
 * @param hi     pointers: largest offset from the base
 * @param frame  stack pointers: the frame index
 * @param map    map pointers and map values: the map
 * @param id     OR_NULL pointers: the null-check id; packet pointers: the range id; ringbuf memory: the reference
 * @param size   ringbuf memory: its size
 * @param func   function pointers: the target slot
 */
record Reg(Type type, long umin, long umax, long lo, long hi, int frame, MapInfo map, int id, long size, int func) {

    /** Offsets beyond this magnitude mean "unbounded". */
    static final long INF = 1L << 40;

    enum Type {
        NOT_INIT("?"),
        SCALAR("scalar"),
        CTX("ctx"),
        STACK("fp"),
        MAP_VALUE("map_value"),
        MAP_VALUE_OR_NULL("map_value_or_null"),
        MAP_PTR("map_ptr"),
        MAP_PTR_OR_NULL("map_ptr_or_null"),
        PACKET("pkt"),
        PACKET_END("pkt_end"),
        MEM("ringbuf_mem"),
        MEM_OR_NULL("ringbuf_mem_or_null"),
        RAW_MEM("mem"),
        FUNC("func"),
        /** A trusted BTF pointer to the current task ({@code bpf_get_current_task_btf}): loads only. */
        TASK("ptr_task_struct"),
        /** Different types on different paths that joined here. */
        MIXED("mixed");

        final String text;

        Type(String text) {
            this.text = text;
        }

        boolean orNull() {
            return this == MAP_VALUE_OR_NULL || this == MAP_PTR_OR_NULL || this == MEM_OR_NULL;
        }

        Type nonNull() {
            return switch (this) {
                case MAP_VALUE_OR_NULL -> MAP_VALUE;
                case MAP_PTR_OR_NULL -> MAP_PTR;
                case MEM_OR_NULL -> MEM;
                default -> this;
            };
        }

        Type orNullOf() {
            return switch (this) {
                case MAP_VALUE -> MAP_VALUE_OR_NULL;
                case MAP_PTR -> MAP_PTR_OR_NULL;
                case MEM -> MEM_OR_NULL;
                default -> null;
            };
        }

        /** Pointer types whose bytes may be loaded or stored. */
        boolean isMemory() {
            return this == CTX || this == STACK || this == MAP_VALUE || this == PACKET || this == MEM
                    || this == RAW_MEM;
        }

        boolean isPointer() {
            return this != NOT_INIT && this != SCALAR && this != MIXED;
        }
    }

    static final Reg NOT_INIT = new Reg(Type.NOT_INIT, 0, 0, 0, 0, 0, null, 0, 0, 0);
    static final Reg UNKNOWN = new Reg(Type.SCALAR, 0, -1L, 0, 0, 0, null, 0, 0, 0);
    static final Reg MIXED = new Reg(Type.MIXED, 0, 0, 0, 0, 0, null, 0, 0, 0);
    static final Reg U32 = scalar(0, 0xffffffffL);

    static Reg scalar(long umin, long umax) {
        if (Long.compareUnsigned(umin, umax) > 0) {
            return UNKNOWN;
        }
        return new Reg(Type.SCALAR, umin, umax, 0, 0, 0, null, 0, 0, 0);
    }

    static Reg constant(long v) {
        return scalar(v, v);
    }

    /** Scalar of the width of an n-byte load. */
    static Reg sized(int bytes) {
        return bytes >= 8 ? UNKNOWN : scalar(0, (1L << (bytes * 8)) - 1);
    }

    static Reg pointer(Type type, long off) {
        return new Reg(type, 0, 0, off, off, 0, null, 0, 0, 0);
    }

    static Reg stack(int frame, long off) {
        return new Reg(Type.STACK, 0, 0, off, off, frame, null, 0, 0, 0);
    }

    static Reg mapValue(Type type, MapInfo map, long off, int id) {
        return new Reg(type, 0, 0, off, off, 0, map, id, 0, 0);
    }

    static Reg mem(Type type, long size, int id) {
        return new Reg(type, 0, 0, 0, 0, 0, null, id, size, 0);
    }

    static Reg packet(int id, long off, long varMax) {
        return new Reg(Type.PACKET, 0, varMax, off, off, 0, null, id, 0, 0);
    }

    static Reg func(int target) {
        return new Reg(Type.FUNC, 0, 0, 0, 0, 0, null, 0, 0, target);
    }

    boolean isScalar() {
        return type == Type.SCALAR;
    }

    boolean isConst() {
        return type == Type.SCALAR && umin == umax;
    }

    boolean isNull() {
        return isConst() && umin == 0;
    }

    boolean fixedOffset() {
        return lo == hi;
    }

    Reg withOffsets(long newLo, long newHi) {
        return new Reg(type, umin, umax, clamp(newLo), clamp(newHi), frame, map, id, size, func);
    }

    Reg withType(Type t) {
        return new Reg(t, umin, umax, lo, hi, frame, map, id, size, func);
    }

    Reg withId(int newId) {
        return new Reg(type, umin, umax, lo, hi, frame, map, newId, size, func);
    }

    static long clamp(long v) {
        return Math.max(-INF, Math.min(INF, v));
    }

    /** Smallest signed value of a scalar (or -INF). */
    long smin() {
        return umax >= 0 ? umin : (umin < 0 ? umin : -INF);
    }

    /** Largest signed value of a scalar (or +INF). */
    long smax() {
        return umax >= 0 ? umax : (umin < 0 ? umax : INF);
    }

    // ---- lattice ----

    /** Least upper bound on the lattice (the value on either path). */
    static Reg join(Reg a, Reg b) {
        if (a.equals(b)) {
            return a;
        }
        if (a.type == Type.NOT_INIT || b.type == Type.NOT_INIT) {
            return NOT_INIT;
        }
        if (a.type == Type.SCALAR && b.type == Type.SCALAR) {
            long umin = Long.compareUnsigned(a.umin, b.umin) <= 0 ? a.umin : b.umin;
            long umax = Long.compareUnsigned(a.umax, b.umax) >= 0 ? a.umax : b.umax;
            return scalar(umin, umax);
        }
        // pointer or NULL
        if (a.isNull() && b.type.orNullOf() != null) {
            return b.withType(b.type.orNullOf());
        }
        if (b.isNull() && a.type.orNullOf() != null) {
            return a.withType(a.type.orNullOf());
        }
        if (a.isNull() && b.type.orNull()) {
            return b;
        }
        if (b.isNull() && a.type.orNull()) {
            return a;
        }
        Type ta = a.type;
        Type tb = b.type;
        if (ta != tb && ta.nonNull() == tb.nonNull()) {
            ta = ta.nonNull().orNullOf();
            tb = ta;
        }
        if (ta != tb || a.frame != b.frame || a.func != b.func || a.size != b.size
                || !java.util.Objects.equals(a.map, b.map)) {
            return MIXED;
        }
        int id = a.id == b.id ? a.id : -1;
        if (id == -1) {
            if (ta == Type.PACKET || ta == Type.MEM || ta == Type.MEM_OR_NULL) {
                return MIXED;
            }
            id = 0;
        }
        long umax = Long.compareUnsigned(a.umax, b.umax) >= 0 ? a.umax : b.umax;
        return new Reg(ta, 0, ta == Type.PACKET ? umax : 0, Math.min(a.lo, b.lo), Math.max(a.hi, b.hi), a.frame,
                a.map, id, a.size, a.func);
    }

    /** Join, then push every bound that moved to its extreme, so that loops reach a fixed point quickly. */
    static Reg widen(Reg old, Reg next) {
        Reg j = join(old, next);
        if (j.equals(old) || j.type != old.type) {
            return j;
        }
        if (j.type == Type.SCALAR) {
            long umin = j.umin == old.umin ? j.umin : 0;
            long umax = j.umax == old.umax ? j.umax : -1L;
            return scalar(umin, umax);
        }
        long lo = j.lo == old.lo ? j.lo : -INF;
        long hi = j.hi == old.hi ? j.hi : INF;
        long umax = j.umax == old.umax ? j.umax : -1L;
        return new Reg(j.type, j.umin, umax, lo, hi, j.frame, j.map, j.id, j.size, j.func);
    }

    @Override
    public String toString() {
        return switch (type) {
            case NOT_INIT -> "?";
            case SCALAR -> umin == umax ? "" + umin
                    : umin == 0 && umax == -1L ? "scalar" : "scalar(umin=" + Long.toUnsignedString(umin) + ",umax="
                    + Long.toUnsignedString(umax) + ")";
            case STACK -> "fp" + (frame > 0 ? "[" + frame + "]" : "") + off();
            case MAP_VALUE, MAP_VALUE_OR_NULL, MAP_PTR, MAP_PTR_OR_NULL ->
                    type.text + "(" + (map == null ? "" : map.name()) + (id != 0 ? ",id=" + id : "") + ")" + off();
            case PACKET -> "pkt(id=" + id + ")" + off();
            case MEM, MEM_OR_NULL -> type.text + "(size=" + size + ",id=" + id + ")" + off();
            case FUNC -> "func(" + func + ")";
            default -> type.text + off();
        };
    }

    private String off() {
        if (lo == hi) {
            return lo == 0 ? "" : (lo > 0 ? "+" + lo : "" + lo);
        }
        return "[" + (lo <= -INF ? "-inf" : lo) + "," + (hi >= INF ? "inf" : hi) + "]";
    }
}
