package dev.ebpf4j.vm.memory;

import java.lang.foreign.MemorySegment;

/**
 * One mapped piece of the VM's address space: a stack frame, a context, a packet, a map's values, a
 * ring buffer record, a map handle or program code. A region owns the 4 GiB slot {@code id << 32};
 * its byte 0 sits at {@link #base()} = {@code (id << 32) + GUARD}, so pointer arithmetic that strays
 * up to 1 GiB below or 3 GiB above still names this region in the error. Accesses are valid in the
 * window {@code [lo, hi)} of the backing segment (a packet's window moves with {@code xdp_adjust_head}).
 */
public final class Region {

    /** What a region holds; used in error messages and by helpers to check their arguments. */
    public enum Kind {
        STACK, CONTEXT, PACKET, MAP_VALUE, MAP_HANDLE, RINGBUF_RECORD, MEMORY, CODE, EXTERN,
        /** Kernel memory the caller supplied: the current task, typed ksyms (read-only for programs). */
        KERNEL
    }

    /** Offset of byte 0 of a region inside its 4 GiB slot. */
    public static final long GUARD = 0x4000_0000L;

    private int id;
    /** For regions an address space keeps from run to run: the run ({@code AddressSpace}'s epoch) it is mapped in. */
    int epoch;
    private final Kind kind;
    private final String name;
    private final MemorySegment segment;
    private final boolean readable;
    private final boolean writable;
    private final Object owner;
    private final ContextAccess access;
    /** The segment's backing array when it is a writable heap segment over a {@code byte[]} from index 0; else null. */
    private final byte[] bytes;
    long lo;
    long hi;

    Region(int id, Kind kind, String name, MemorySegment segment, boolean readable, boolean writable, Object owner,
           ContextAccess access) {
        this.id = id;
        this.kind = kind;
        this.name = name;
        this.segment = segment;
        this.readable = readable;
        this.writable = writable;
        this.owner = owner;
        this.access = access;
        this.bytes = segment.heapBase().orElse(null) instanceof byte[] b && segment.address() == 0 ? b : null;
        this.lo = 0;
        this.hi = segment.byteSize();
    }

    /** Gives this per-run region the slot {@code newId} in a later run of the same address space. */
    void remap(int newId, int newEpoch) {
        id = newId;
        epoch = newEpoch;
    }

    /** The address of byte 0 of the region with this id. */
    public static long baseOf(int id) {
        return ((long) id << 32) + GUARD;
    }

    public int id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    public String name() {
        return name;
    }

    /** The backing memory; a JIT may access it directly once it has checked the offset against {@link #lo()}/{@link #hi()}. */
    public MemorySegment segment() {
        return segment;
    }

    /**
     * The {@code byte[]} behind {@link #segment()} (offset {@code o} of the segment is index {@code o} of the array), or
     * null. Generated code reads and writes it with a byte-array view once it has checked the offset against
     * {@link #lo()}/{@link #hi()}: the array's own bounds check is all the JVM adds to that.
     */
    public byte[] bytes() {
        return bytes;
    }

    public boolean readable() {
        return readable;
    }

    public boolean writable() {
        return writable;
    }

    /** The object behind the region: a map, a ring buffer record, a program's code; or null. */
    public Object owner() {
        return owner;
    }

    /** Non-null for contexts whose fields the VM rewrites. */
    public ContextAccess access() {
        return access;
    }

    /** The address of byte 0 of the backing segment. */
    public long base() {
        return baseOf(id);
    }

    /** The address of byte {@code offset}. */
    public long address(long offset) {
        return base() + offset;
    }

    /** First accessible offset. */
    public long lo() {
        return lo;
    }

    /** One past the last accessible offset. */
    public long hi() {
        return hi;
    }

    /** Moves the accessible window (packet head/tail adjustment); must stay inside the segment. */
    public void window(long newLo, long newHi) {
        if (newLo < 0 || newHi > segment.byteSize() || newLo > newHi) {
            throw new IllegalArgumentException("window [" + newLo + ", " + newHi + ") outside " + segment.byteSize());
        }
        lo = newLo;
        hi = newHi;
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase(java.util.Locale.ROOT) + " '" + name + "' (" + (hi - lo) + " bytes at 0x"
                + Long.toHexString(address(lo)) + ")";
    }
}
