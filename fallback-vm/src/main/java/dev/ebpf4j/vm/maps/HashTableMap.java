package dev.ebpf4j.vm.maps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * {@code HASH}, {@code PERCPU_HASH}, {@code LRU_HASH} and {@code LRU_PERCPU_HASH}. Each entry owns an
 * aligned value segment; a lookup from a program maps it into the run's address space, so writes and
 * atomics through the returned pointer change the stored value. Updates of an existing key copy in
 * place. A full map refuses new keys with {@code E2BIG}, except LRU maps, which evict the least
 * recently used entry (lookups and updates count as use).
 */
public final class HashTableMap extends BpfMap {

    private static final class Entry {
        final byte[] key;
        final MemorySegment value;
        /** The value of each CPU as programs see it (one slice unless per-CPU), made once. */
        final MemorySegment[] slices;
        volatile long used;

        Entry(byte[] key, MemorySegment value, long used, int cpus, int stride, int valueSize) {
            this.key = key;
            this.value = value;
            this.used = used;
            this.slices = new MemorySegment[cpus];
            for (int c = 0; c < cpus; c++) {
                slices[c] = value.asSlice((long) c * stride, valueSize);
            }
        }
    }

    /**
     * A key of the table. Stored keys own their array and never change. Keys of up to 8 bytes also compare and hash
     * as one little-endian number, so a program's lookup probes with that number, read straight from its memory;
     * longer keys probe over the address space's scratch array. The probe is one reusable key per address space
     * and is never stored.
     */
    private static final class Key {
        private byte[] bytes;
        private int length;
        private long small;
        private int hash;

        Key() {}

        Key(byte[] bytes) {
            set(bytes, bytes.length);
        }

        Key set(byte[] b, int n) {
            this.bytes = b;
            this.length = n;
            if (n <= 8) {
                long v = 0;
                for (int i = 0; i < n; i++) {
                    v |= (b[i] & 0xffL) << (8 * i);
                }
                this.small = v;
                this.hash = mix(v);
            } else {
                int h = 1;
                for (int i = 0; i < n; i++) {
                    h = 31 * h + b[i];
                }
                this.small = 0;
                this.hash = h;
            }
            return this;
        }

        /** A probe for a key of {@code n <= 8} bytes whose little-endian value is {@code v}. */
        Key setSmall(long v, int n) {
            this.bytes = null;
            this.length = n;
            this.small = v;
            this.hash = mix(v);
            return this;
        }

        private static int mix(long v) {
            long z = v * 0x9e37_79b9_7f4a_7c15L;
            return (int) (z ^ (z >>> 32));
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && hash == k.hash && length == k.length
                    && (length <= 8 ? small == k.small : Arrays.equals(bytes, 0, length, k.bytes, 0, k.length));
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    private final boolean lru;
    private final int cpus;
    private final ConcurrentHashMap<Key, Entry> table = new ConcurrentHashMap<>();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong clock = new AtomicLong();

    public HashTableMap(MapSpec spec, SharedRegions shared, int cpus) {
        super(spec, shared);
        if (spec.keySize() <= 0 || spec.valueSize() <= 0 || spec.maxEntries() <= 0) {
            throw new BpfMapException(Errno.EINVAL, "hash map '" + spec.name() + "' needs key_size, value_size and max_entries > 0");
        }
        MapType t = spec.type();
        this.lru = t == MapType.LRU_HASH || t == MapType.LRU_PERCPU_HASH;
        this.cpus = t == MapType.PERCPU_HASH || t == MapType.LRU_PERCPU_HASH ? cpus : 1;
    }

    public boolean perCpu() {
        return spec.type() == MapType.PERCPU_HASH || spec.type() == MapType.LRU_PERCPU_HASH;
    }

    private int javaValueSize() {
        return perCpu() ? cpus * stride() : valueSize();
    }

    @Override
    public byte[] lookup(byte[] key) {
        checkKey(key);
        Entry e = table.get(new Key(key));
        if (e == null) {
            return null;
        }
        // Java's copies in and out of an entry hold its lock, so a lookup sees one update's value whole (every CPU's
        // slot included): single operations from Java are linearizable (MapLinearizabilityTest)
        synchronized (e) {
            if (!perCpu()) {
                return e.value.asSlice(0, valueSize()).toArray(ValueLayout.JAVA_BYTE);
            }
            byte[] out = new byte[cpus * stride()];
            for (int c = 0; c < cpus; c++) {
                MemorySegment.copy(e.value, ValueLayout.JAVA_BYTE, (long) c * stride(), out, c * stride(), valueSize());
            }
            return out;
        }
    }

    @Override
    public List<byte[]> keys() {
        List<byte[]> out = list();
        for (Entry e : table.values()) {
            out.add(e.key.clone());
        }
        return out;
    }

    @Override
    public int size() {
        return table.size();
    }

    @Override
    protected long updateFromJava(byte[] key, byte[] value, long flags) {
        checkValue(value, javaValueSize());
        return update(key.clone(), flags, -1, MemorySegment.ofArray(value));
    }

    /**
     * The update of both paths. {@code cpu} -1 copies every CPU's value from {@code source} (Java layout),
     * otherwise only that CPU's value (a program's update), the others of a new entry left zero.
     */
    private long update(byte[] key, long flags, int cpu, MemorySegment source) {
        long f = flags & ~BPF_F_LOCK;
        if (f > BPF_EXIST) {
            return -Errno.EINVAL;
        }
        Key k = new Key(key);
        Entry e = table.get(k);
        if (e != null) {
            if (f == BPF_NOEXIST) {
                return -Errno.EEXIST;
            }
            store(e, cpu, source);
            e.used = clock.incrementAndGet();
            return 0;
        }
        if (f == BPF_EXIST) {
            return -Errno.ENOENT;
        }
        while (true) {
            int n = count.get();
            if (n >= maxEntries()) {
                if (!lru) {
                    return -Errno.E2BIG;
                }
                evictOldest();
                continue;
            }
            if (count.compareAndSet(n, n + 1)) {
                break;
            }
        }
        Entry fresh = new Entry(key, Segments.allocate((long) cpus * stride()), clock.incrementAndGet(), cpus, stride(),
                valueSize());
        store(fresh, cpu, source);
        Entry prev = table.putIfAbsent(k, fresh);
        if (prev != null) {
            count.decrementAndGet();
            if (f == BPF_NOEXIST) {
                return -Errno.EEXIST;
            }
            store(prev, cpu, source);
        }
        return 0;
    }

    /** Copies {@code source} into {@code e} under the entry's lock (see {@link #lookup}). */
    private void store(Entry e, int cpu, MemorySegment source) {
        synchronized (e) {
            copyIn(e, cpu, source);
        }
    }

    private void copyIn(Entry e, int cpu, MemorySegment source) {
        if (cpu < 0) {
            if (!perCpu()) {
                MemorySegment.copy(source, 0, e.value, 0, valueSize());
            } else {
                for (int c = 0; c < cpus; c++) {
                    MemorySegment.copy(source, (long) c * stride(), e.value, (long) c * stride(), valueSize());
                }
            }
        } else {
            MemorySegment.copy(source, 0, e.value, perCpu() ? (long) cpu * stride() : 0, valueSize());
        }
    }

    private void evictOldest() {
        Map.Entry<Key, Entry> oldest = null;
        for (Map.Entry<Key, Entry> me : table.entrySet()) {
            if (oldest == null || me.getValue().used < oldest.getValue().used) {
                oldest = me;
            }
        }
        if (oldest != null && table.remove(oldest.getKey(), oldest.getValue())) {
            count.decrementAndGet();
        }
    }

    @Override
    protected long deleteFromJava(byte[] key) {
        return delete(new Key(key));
    }

    private long delete(Key k) {
        Entry e = table.remove(k);
        if (e == null) {
            return -Errno.ENOENT;
        }
        count.decrementAndGet();
        return 0;
    }

    @Override
    public long lookupFromProgram(AddressSpace memory, int cpu, long keyAddress) {
        Entry e = table.get(probe(memory, keyAddress));
        if (e == null) {
            return 0;
        }
        if (lru) {
            e.used = clock.incrementAndGet();
        }
        Region r = memory.mapOwned(e, Region.Kind.MAP_VALUE, name(), e.slices[perCpu() ? cpu : 0], true);
        return r.base();
    }

    @Override
    public long updateFromProgram(AddressSpace memory, int cpu, long keyAddress, long valueAddress, long flags) {
        byte[] key = readKey(memory, keyAddress);
        MemorySegment src = memory.slice(valueAddress, valueSize(), false);
        return update(key, flags, cpu, src);
    }

    @Override
    public long deleteFromProgram(AddressSpace memory, int cpu, long keyAddress) {
        return delete(probe(memory, keyAddress));
    }

    /** The key at {@code keyAddress} to look up with, over the address space's scratch array (not to be stored). */
    private Key probe(AddressSpace memory, long keyAddress) {
        Key k;
        if (memory.helperScratch() instanceof Key reused) {
            k = reused;
        } else {
            k = new Key();
            memory.helperScratch(k);
        }
        int n = keySize();
        if (n == 1 || n == 2 || n == 4 || n == 8) {
            return k.setSmall(memory.readRaw(keyAddress, n), n);
        }
        return k.set(memory.readScratch(keyAddress, n), n);
    }
}
