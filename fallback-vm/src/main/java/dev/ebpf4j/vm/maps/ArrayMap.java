package dev.ebpf4j.vm.maps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * {@code BPF_MAP_TYPE_ARRAY} and {@code BPF_MAP_TYPE_PERCPU_ARRAY}: preallocated values indexed by a
 * {@code u32} key, every element always present, never deleted. All values live in one shared region,
 * element {@code i} of CPU {@code c} at {@code (c * maxEntries + i) * round_up(valueSize, 8)}, so
 * a pointer a lookup returned stays valid and writes through it are seen by everyone.
 */
public class ArrayMap extends BpfMap {
    protected final int cpus;
    protected final MemorySegment values;
    protected final Region region;
    private static final int LOCK_STRIPES = 64;
    private final Object[] locks;

    public ArrayMap(MapSpec spec, SharedRegions shared, int cpus, boolean programWritable) {
        super(spec, shared);
        if (spec.keySize() != 4) {
            throw new BpfMapException(Errno.EINVAL, "array map '" + spec.name() + "' needs 4-byte keys, not " + spec.keySize());
        }
        if (spec.maxEntries() <= 0 || spec.valueSize() <= 0) {
            throw new BpfMapException(Errno.EINVAL, "array map '" + spec.name() + "' needs max_entries and value_size > 0");
        }
        this.cpus = cpus;
        long size = (long) cpus * spec.maxEntries() * stride();
        if (size > Integer.MAX_VALUE / 2) {
            throw new BpfMapException(Errno.E2BIG, "array map '" + spec.name() + "' needs " + size + " bytes");
        }
        this.values = Segments.allocate(size);
        this.region = shared.register(Region.Kind.MAP_VALUE, spec.name(), values, true, programWritable, this);
        this.locks = new Object[Math.min(LOCK_STRIPES, spec.maxEntries())];
        java.util.Arrays.setAll(locks, n -> new Object());
    }

    /** True for the per-CPU variant. */
    public boolean perCpu() {
        return spec.type() == dev.ebpf4j.object.MapType.PERCPU_ARRAY;
    }

    /** The backing memory of all values (JIT and bulk access). */
    public MemorySegment segment() {
        return values;
    }

    /** The region programs see the values through. */
    public Region region() {
        return region;
    }

    /** Byte offset of element {@code index} of {@code cpu} in {@link #segment()}. */
    public long offsetOf(int cpu, int index) {
        return ((long) cpu * maxEntries() + index) * stride();
    }

    /** The address of element {@code index} (CPU 0) as programs see it. */
    public long valueAddress(int index) {
        return region.address(offsetOf(0, index));
    }

    private int index(byte[] key) {
        return (int) Bytes.toLong(key, 0, 4);
    }

    @Override
    public byte[] lookup(byte[] key) {
        checkKey(key);
        int i = index(key);
        if (i < 0 || i >= maxEntries()) {
            return null;
        }
        synchronized (lock(i)) {
            if (!perCpu()) {
                return values.asSlice(offsetOf(0, i), valueSize()).toArray(ValueLayout.JAVA_BYTE);
            }
            byte[] out = new byte[cpus * stride()];
            for (int c = 0; c < cpus; c++) {
                MemorySegment.copy(values, ValueLayout.JAVA_BYTE, offsetOf(c, i), out, c * stride(), valueSize());
            }
            return out;
        }
    }

    /**
     * The lock of element {@code i}'s copies in and out from Java and helpers (one of {@link #LOCK_STRIPES}), so a
     * lookup sees one update's value whole, every CPU's slot included (MapLinearizabilityTest).
     */
    private Object lock(int i) {
        return locks[i % locks.length];
    }

    /** Element {@code index}'s value on {@code cpu}. */
    public byte[] lookup(int index, int cpu) {
        if (index < 0 || index >= maxEntries() || cpu < 0 || cpu >= cpus) {
            return null;
        }
        return values.asSlice(offsetOf(cpu, index), valueSize()).toArray(ValueLayout.JAVA_BYTE);
    }

    @Override
    protected long updateFromJava(byte[] key, byte[] value, long flags) {
        checkValue(value, perCpu() ? cpus * stride() : valueSize());
        long rc = checkUpdate(index(key), flags);
        if (rc != 0) {
            return rc;
        }
        int i = index(key);
        synchronized (lock(i)) {
            if (!perCpu()) {
                MemorySegment.copy(value, 0, values, ValueLayout.JAVA_BYTE, offsetOf(0, i), valueSize());
            } else {
                for (int c = 0; c < cpus; c++) {
                    MemorySegment.copy(value, c * stride(), values, ValueLayout.JAVA_BYTE, offsetOf(c, i), valueSize());
                }
            }
        }
        return 0;
    }

    private long checkUpdate(int i, long flags) {
        if ((flags & ~BPF_F_LOCK) > BPF_EXIST) {
            return -Errno.EINVAL;
        }
        if (i < 0 || i >= maxEntries()) {
            return -Errno.E2BIG;
        }
        if ((flags & ~BPF_F_LOCK) == BPF_NOEXIST) {
            return -Errno.EEXIST;
        }
        return 0;
    }

    @Override
    protected long deleteFromJava(byte[] key) {
        return -Errno.EINVAL;
    }

    @Override
    public List<byte[]> keys() {
        List<byte[]> out = list();
        for (int i = 0; i < maxEntries(); i++) {
            out.add(Bytes.u32(i));
        }
        return out;
    }

    @Override
    public int size() {
        return maxEntries();
    }

    @Override
    public long lookupFromProgram(AddressSpace memory, int cpu, long keyAddress) {
        int i = (int) memory.load(keyAddress, 4);
        if (i < 0 || i >= maxEntries()) {
            return 0;
        }
        return region.address(offsetOf(perCpu() ? cpu : 0, i));
    }

    @Override
    public long updateFromProgram(AddressSpace memory, int cpu, long keyAddress, long valueAddress, long flags) {
        int i = (int) memory.load(keyAddress, 4);
        long rc = checkUpdate(i, flags);
        if (rc != 0) {
            return rc;
        }
        MemorySegment src = memory.slice(valueAddress, valueSize(), false);
        synchronized (lock(i)) {
            MemorySegment.copy(src, 0, values, offsetOf(perCpu() ? cpu : 0, i), valueSize());
        }
        return 0;
    }

    @Override
    public long deleteFromProgram(AddressSpace memory, int cpu, long keyAddress) {
        return -Errno.EINVAL;
    }
}
