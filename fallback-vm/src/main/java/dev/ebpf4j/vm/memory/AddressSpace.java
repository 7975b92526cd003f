package dev.ebpf4j.vm.memory;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

import dev.ebpf4j.object.insn.Opcode;
import dev.ebpf4j.vm.BpfRuntimeException;

/**
 * The address space of one program run: the VM's {@link SharedRegions} plus regions mapped for this
 * run (stack frames, context, packet, map values a lookup returned, ring buffer records). Every load,
 * store and atomic is resolved to a region and bounds-checked; a miss is a {@link BpfRuntimeException}
 * naming the address, size and the region it strayed from. Not thread-safe: one run, one thread.
 *
 * <p>These methods are what compiled code calls too: {@link #load}, {@link #store}, {@link #atomic}.
 */
public final class AddressSpace {

    private static final VarHandle ATOMIC32 = ValueLayout.JAVA_INT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle ATOMIC64 = ValueLayout.JAVA_LONG.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    private static final VarHandle ATOMIC8 = ValueLayout.JAVA_BYTE.varHandle();
    private static final VarHandle ATOMIC16 = ValueLayout.JAVA_SHORT.withOrder(ByteOrder.LITTLE_ENDIAN).varHandle();
    /** Most per-run regions a run may map (bounds lookups of hash values in long loops). */
    public static final int MAX_LOCAL_REGIONS = 1 << 20;

    /** Per-run region slots reserved for stack frames ({@link #mapFrame}); other regions come after them. */
    public static final int FRAME_SLOTS = 8;

    private final SharedRegions shared;
    private Region[] local = new Region[32];
    private int localCount = FRAME_SLOTS;
    /**
     * Regions of owners (hash map entries) by owner. They outlive the run that mapped them (unmapped from its
     * slots, the objects kept) so a later run re-maps the same object instead of allocating one; bounded by
     * {@link #MAX_KEPT_REGIONS} and {@link #MAX_KEPT_BYTES}, past which they are dropped between runs.
     */
    private java.util.IdentityHashMap<Object, Region> owned;
    private long ownedBytes;
    /** Incremented by every {@link #release}: regions whose epoch differs are not mapped in the current run. */
    private int epoch;
    private static final int MAX_KEPT_REGIONS = 4096;
    private static final long MAX_KEPT_BYTES = 1 << 20;
    private byte[] scratch = new byte[64];
    private Object helperScratch;

    public AddressSpace(SharedRegions shared) {
        this.shared = shared;
    }

    /**
     * Maps the stack frame of call depth {@code index} (below {@link #FRAME_SLOTS}) at its reserved slot, so a
     * frame keeps its address when the address space is reused for another run ({@link #release}).
     */
    public Region mapFrame(int index, String name, MemorySegment segment) {
        Objects.checkIndex(index, FRAME_SLOTS);
        Region r = new Region(SharedRegions.LIMIT + index, Region.Kind.STACK, name, segment, true, true, null, null);
        local[index] = r;
        return r;
    }

    /** A mark of the regions mapped so far; {@link #release(int)} unmaps everything mapped after it. */
    public int mark() {
        return localCount;
    }

    /**
     * Unmaps every region mapped after {@code mark} (map values, ring buffer records, contexts bound later) and
     * forgets owned regions, so this address space can serve another run; stack frames stay mapped.
     */
    public void release(int mark) {
        if (mark < FRAME_SLOTS || mark > localCount) {
            throw new IllegalArgumentException("mark " + mark + " outside [" + FRAME_SLOTS + ", " + localCount + "]");
        }
        Arrays.fill(local, mark, localCount, null);
        localCount = mark;
        epoch++;
        if (owned != null && (owned.size() > MAX_KEPT_REGIONS || ownedBytes > MAX_KEPT_BYTES)) {
            owned.clear();
            ownedBytes = 0;
        }
    }

    public SharedRegions shared() {
        return shared;
    }

    /** Maps a region for this run. */
    public Region map(Region.Kind kind, String name, MemorySegment segment, boolean readable, boolean writable,
                      Object owner, ContextAccess access) {
        int slot = nextSlot();
        Region r = new Region(SharedRegions.LIMIT + slot, kind, name, segment, readable, writable, owner, access);
        local[slot] = r;
        localCount = slot + 1;
        r.epoch = epoch;
        return r;
    }

    /**
     * The region of this run that exposes {@code segment} on behalf of {@code owner} (a hash map entry),
     * mapped on first use; the same owner gets the same region for the rest of the run.
     */
    public Region mapOwned(Object owner, Region.Kind kind, String name, MemorySegment segment, boolean writable) {
        if (owned == null) {
            owned = new java.util.IdentityHashMap<>();
        }
        Region r = owned.get(owner);
        if (r != null && r.segment() == segment && r.kind() == kind && r.writable() == writable) {
            if (r.epoch != epoch) {
                // kept from an earlier run: map the same region object again, at a slot of this run
                int slot = nextSlot();
                r.remap(SharedRegions.LIMIT + slot, epoch);
                local[slot] = r;
                localCount = slot + 1;
            }
            return r;
        }
        r = map(kind, name, segment, true, writable, owner, null);
        r.epoch = epoch;
        if (owned.put(owner, r) == null) {
            ownedBytes += segment.byteSize();
        }
        return r;
    }

    /** The next free per-run slot, the table grown when needed; a fault past {@link #MAX_LOCAL_REGIONS}. */
    private int nextSlot() {
        if (localCount >= MAX_LOCAL_REGIONS) {
            throw new BpfRuntimeException("too many memory regions in one run (" + MAX_LOCAL_REGIONS + ")");
        }
        if (localCount == local.length) {
            local = Arrays.copyOf(local, local.length * 2);
        }
        return localCount;
    }

    /** The region whose slot holds {@code address}, or null (no check of the offset). */
    public Region region(long address) {
        int id = (int) (address >>> 32);
        if (id >= SharedRegions.LIMIT) {
            int i = id - SharedRegions.LIMIT;
            return i < localCount ? local[i] : null;
        }
        return shared.get(id);
    }

    /** Offset of {@code address} from byte 0 of its region (negative below it). */
    public static long offset(long address) {
        return (address & 0xffff_ffffL) - Region.GUARD;
    }

    /**
     * The region that holds all of {@code [address, address + size)} and allows the access, or a
     * {@link BpfRuntimeException}. {@code size} may be 0 (then only the region and the offset are checked).
     */
    public Region check(long address, long size, boolean write) {
        Region r = region(address);
        long off = offset(address);
        if (r == null || size < 0 || off < r.lo || off + size > r.hi || !(write ? r.writable() : r.readable())) {
            throw fault(write ? "write" : "read", address, size);
        }
        return r;
    }

    /** A load of {@code size} bytes (1, 2, 4, 8), zero-extended. */
    public long load(long address, int size) {
        Region r = region(address);
        long off = offset(address);
        if (r == null || off < r.lo || off + size > r.hi || !r.readable()) {
            throw fault("read", address, size);
        }
        ContextAccess a = r.access();
        if (a != null) {
            return a.load(off, size);
        }
        return Segments.get(r.segment(), off, size);
    }

    /** A store of the low {@code size} bytes of {@code value}. */
    public void store(long address, int size, long value) {
        Region r = region(address);
        long off = offset(address);
        if (r == null || off < r.lo || off + size > r.hi || !r.writable()) {
            throw fault("write", address, size);
        }
        ContextAccess a = r.access();
        if (a != null) {
            a.store(off, size, value);
            return;
        }
        Segments.set(r.segment(), off, size, value);
    }

    /**
     * An atomic read-modify-write (the {@code imm} of {@code STX|ATOMIC}: add, or, and, xor, each with
     * or without fetch, xchg, cmpxchg against {@code expected}, load-acquire, store-release) of 4 or 8
     * bytes (1 to 8 for acquire/release). Returns the old value, zero-extended (for load-acquire: the value read).
     */
    public long atomic(int op, long address, int size, long operand, long expected) {
        boolean write = op != Opcode.LOAD_ACQ;
        Region r = region(address);
        long off = offset(address);
        if (r == null || off < r.lo || off + size > r.hi || !(write ? r.writable() : r.readable())) {
            throw fault("atomic " + (write ? "update" : "read"), address, size);
        }
        if (r.access() != null) {
            throw new BpfRuntimeException("atomic operation on context " + r + " is not allowed");
        }
        if (r.segment().maxByteAlignment() < size) {
            // byte[]-backed memory (packets): the kernel's verifier refuses atomics on packets as well
            throw new BpfRuntimeException("atomic operation on " + r + " is not allowed");
        }
        if (((r.segment().address() + off) & (size - 1)) != 0) {
            throw new BpfRuntimeException(String.format("misaligned atomic access of %d bytes at 0x%x (offset %d of %s)",
                    size, address, off, r));
        }
        MemorySegment s = r.segment();
        if (size == 8) {
            return switch (op) {
                case Opcode.ATOMIC_ADD, Opcode.ATOMIC_ADD | Opcode.FETCH -> (long) ATOMIC64.getAndAdd(s, off, operand);
                case Opcode.ATOMIC_OR, Opcode.ATOMIC_OR | Opcode.FETCH -> (long) ATOMIC64.getAndBitwiseOr(s, off, operand);
                case Opcode.ATOMIC_AND, Opcode.ATOMIC_AND | Opcode.FETCH -> (long) ATOMIC64.getAndBitwiseAnd(s, off, operand);
                case Opcode.ATOMIC_XOR, Opcode.ATOMIC_XOR | Opcode.FETCH -> (long) ATOMIC64.getAndBitwiseXor(s, off, operand);
                case Opcode.XCHG -> (long) ATOMIC64.getAndSet(s, off, operand);
                case Opcode.CMPXCHG -> (long) ATOMIC64.compareAndExchange(s, off, expected, operand);
                case Opcode.LOAD_ACQ -> (long) ATOMIC64.getAcquire(s, off);
                case Opcode.STORE_REL -> {
                    ATOMIC64.setRelease(s, off, operand);
                    yield 0L;
                }
                default -> throw new BpfRuntimeException("unknown atomic operation 0x" + Integer.toHexString(op));
            };
        }
        if (size == 4) {
            int v = (int) operand;
            int old = switch (op) {
                case Opcode.ATOMIC_ADD, Opcode.ATOMIC_ADD | Opcode.FETCH -> (int) ATOMIC32.getAndAdd(s, off, v);
                case Opcode.ATOMIC_OR, Opcode.ATOMIC_OR | Opcode.FETCH -> (int) ATOMIC32.getAndBitwiseOr(s, off, v);
                case Opcode.ATOMIC_AND, Opcode.ATOMIC_AND | Opcode.FETCH -> (int) ATOMIC32.getAndBitwiseAnd(s, off, v);
                case Opcode.ATOMIC_XOR, Opcode.ATOMIC_XOR | Opcode.FETCH -> (int) ATOMIC32.getAndBitwiseXor(s, off, v);
                case Opcode.XCHG -> (int) ATOMIC32.getAndSet(s, off, v);
                case Opcode.CMPXCHG -> (int) ATOMIC32.compareAndExchange(s, off, (int) expected, v);
                case Opcode.LOAD_ACQ -> (int) ATOMIC32.getAcquire(s, off);
                case Opcode.STORE_REL -> {
                    ATOMIC32.setRelease(s, off, v);
                    yield 0;
                }
                default -> throw new BpfRuntimeException("unknown atomic operation 0x" + Integer.toHexString(op));
            };
            return old & 0xffff_ffffL;
        }
        if (op == Opcode.LOAD_ACQ) {
            return size == 1 ? ((byte) ATOMIC8.getAcquire(s, off)) & 0xffL : ((short) ATOMIC16.getAcquire(s, off)) & 0xffffL;
        }
        if (op == Opcode.STORE_REL) {
            if (size == 1) {
                ATOMIC8.setRelease(s, off, (byte) operand);
            } else {
                ATOMIC16.setRelease(s, off, (short) operand);
            }
            return 0;
        }
        throw new BpfRuntimeException("atomic operation 0x" + Integer.toHexString(op) + " needs 4 or 8 bytes, not " + size);
    }

    /**
     * The backing memory of {@code [address, address + size)} after a bounds check, for helpers that
     * copy whole buffers. Context regions whose fields are rewritten cannot be sliced.
     */
    public MemorySegment slice(long address, long size, boolean write) {
        Region r = check(address, size, write);
        if (r.access() != null) {
            throw new BpfRuntimeException("a helper cannot read or write the context " + r + " as raw memory");
        }
        return r.segment().asSlice(offset(address), size);
    }

    /**
     * {@code size} (1, 2, 4, 8) bytes at {@code address} as a little-endian number, zero-extended, for a helper that
     * reads memory as bytes: checked as {@link #read} (so a rewritten context is refused), without a copy.
     */
    public long readRaw(long address, int size) {
        return Segments.get(segmentFor(address, size, false), offset(address), size);
    }

    /**
     * Copies {@code length} bytes at {@code address} (bounds-checked as {@link #read}) into this address space's
     * scratch array and returns it: valid until the next call, for helpers that only look at the bytes (a map key
     * to look up). No allocation once the array has grown to the largest length asked for.
     */
    public byte[] readScratch(long address, int length) {
        MemorySegment from = segmentFor(address, length, false);
        if (scratch.length < length) {
            scratch = new byte[Math.max(length, 2 * scratch.length)];
        }
        MemorySegment.copy(from, ValueLayout.JAVA_BYTE, offset(address), scratch, 0, length);
        return scratch;
    }

    /**
     * An object helpers keep with this address space from run to run (a hash map's lookup key), or null: one slot
     * for whichever helper set it last; it must hold nothing that outlives a call.
     */
    public Object helperScratch() {
        return helperScratch;
    }

    public void helperScratch(Object o) {
        helperScratch = o;
    }

    /** The whole backing segment of the plain (not rewritten context) region holding {@code [address, address + size)}. */
    private MemorySegment segmentFor(long address, long size, boolean write) {
        Region r = check(address, size, write);
        if (r.access() != null) {
            throw new BpfRuntimeException("a helper cannot read or write the context " + r + " as raw memory");
        }
        return r.segment();
    }

    /** A copy of {@code length} bytes at {@code address}. */
    public byte[] read(long address, int length) {
        return slice(address, length, false).toArray(ValueLayout.JAVA_BYTE);
    }

    /** Copies {@code bytes} to {@code address}. */
    public void write(long address, byte[] bytes) {
        MemorySegment.copy(bytes, 0, slice(address, bytes.length, true), ValueLayout.JAVA_BYTE, 0, bytes.length);
    }

    /**
     * The NUL-terminated string at {@code address}, reading at most {@code max} bytes and never past its
     * region; null when the address is not readable memory.
     */
    public byte[] readCString(long address, int max) {
        Region r = region(address);
        long off = offset(address);
        if (r == null || !r.readable() || r.access() != null || off < r.lo || off >= r.hi) {
            return null;
        }
        long end = Math.min(r.hi, off + max);
        MemorySegment s = r.segment();
        long i = off;
        while (i < end && s.get(Segments.U8, i) != 0) {
            i++;
        }
        return s.asSlice(off, i - off).toArray(ValueLayout.JAVA_BYTE);
    }

    /** The error for an access of {@code size} bytes at {@code address} that no region allows. */
    public BpfRuntimeException fault(String what, long address, long size) {
        Region r = region(address);
        String at = String.format("%s of %d byte%s at 0x%x", what, size, size == 1 ? "" : "s", address);
        if (r == null) {
            if (address == 0) {
                return new BpfRuntimeException(at + ": null pointer dereference");
            }
            if (Long.compareUnsigned(address, 1L << 32) < 0 || address < 0) {
                return new BpfRuntimeException(at + ": not a pointer (no memory region is mapped there)");
            }
            return new BpfRuntimeException(at + ": unmapped address (no memory region is mapped there)");
        }
        long off = offset(address);
        boolean inside = off >= r.lo && off + size <= r.hi;
        String why;
        if (inside && r.access() == null && !(what.startsWith("read") ? r.readable() : r.writable())) {
            why = "the " + r + " is " + (r.readable() ? "read-only" : "not accessible");
        } else if (inside) {
            why = "the " + r + " is " + (r.writable() ? "not readable" : "read-only");
        } else {
            why = String.format("out of bounds: offset %d of the %s, valid offsets [%d, %d)", off, r, r.lo, r.hi);
        }
        return new BpfRuntimeException(at + ": " + why);
    }
}
