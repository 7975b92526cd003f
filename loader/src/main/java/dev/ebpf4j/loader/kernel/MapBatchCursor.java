package dev.ebpf4j.loader.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfCommand;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.uapi.bpf_attr;

/**
 * Reads a kernel map's entries with {@code BPF_MAP_LOOKUP_BATCH} into native key and value arrays it owns and
 * reuses: no object per entry, one system call per batch. Each {@link #next()} fills the arrays with the next
 * batch; {@link #keys()} then holds {@link #count()} keys of {@link #keySize()} bytes back to back, and
 * {@link #values()} their values, {@link #valueSize()} bytes each (for per-CPU maps one 8-byte-rounded value per
 * possible CPU, as {@link KernelMap#valueSize()}). The segments stay valid, and are overwritten, until the next
 * {@code next()}; copy out what must outlive it.
 *
 * <pre>{@code
 * try (MapBatchCursor c = map.batchCursor(4096)) {
 *     while (c.next()) {
 *         for (int i = 0; i < c.count(); i++) {
 *             int key = c.keys().get(ValueLayout.JAVA_INT_UNALIGNED, (long) i * c.keySize());
 *             long value = c.values().get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * c.valueSize());
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p>The kernel ends the walk with {@code ENOENT} (the call that gets it may still carry entries: they are handed
 * out, and the next {@code next()} returns false). A hash map copies whole buckets: when one bucket holds more
 * entries than the batch has room for, the kernel answers {@code ENOSPC} and the cursor doubles its arrays and asks
 * again ({@link #batchSize()} shows the size it has grown to). Like every batch read, the walk is not a snapshot:
 * entries added or removed while it runs may or may not be seen. Other errors (e.g. {@code EINVAL} for a map type
 * without batch operations) are thrown as {@link BpfMapException} with the kernel's errno.
 *
 * <p>A cursor is confined to the thread that made it and must be closed (it frees its native arrays).
 */
public final class MapBatchCursor implements AutoCloseable {
    private static final int ENOENT = Errno.ENOENT.number();
    private static final int ENOSPC = Errno.ENOSPC.number();
    private static final int CMD = BpfCommand.MAP_LOOKUP_BATCH.value();
    /** {@code offsetofend(union bpf_attr, batch)}: the part of the attr a batch command uses (as libbpf passes). */
    private static final long BATCH_ATTR_SIZE = bpf_attr.batch.layout().byteSize();

    private final KernelMap map;
    private final int keySize;
    private final int valueSize;
    private final int maxBatch;
    private final Arena arena;
    private final MemorySegment attr;
    private final MemorySegment batch;
    private final MemorySegment inBatch;
    private final MemorySegment outBatch;
    private Arena arrays;
    private MemorySegment keys;
    private MemorySegment values;
    private int capacity;
    private int count;
    private boolean started;
    private boolean finished;

    MapBatchCursor(KernelMap map, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be positive: " + batchSize);
        }
        this.map = map;
        this.keySize = map.keySize();
        this.valueSize = map.valueSize();
        this.maxBatch = Math.max(1, map.spec().maxEntries());
        this.arena = Arena.ofConfined();
        boolean ok = false;
        try {
            this.attr = Bpf.newAttr(arena);
            this.batch = bpf_attr.batch(attr);
            // the batch token is a u32 bucket for hash maps and a key for arrays: room for either
            this.inBatch = arena.allocate(Math.max(8, keySize), 8);
            this.outBatch = arena.allocate(Math.max(8, keySize), 8);
            allocate(batchSize);
            ok = true;
        } finally {
            if (!ok) {
                close();
            }
        }
    }

    private void allocate(int entries) {
        Arena next = Arena.ofConfined();
        try {
            keys = next.allocate((long) Math.max(1, keySize) * entries, 8);
            values = next.allocate((long) Math.max(1, valueSize) * entries, 8);
        } catch (RuntimeException | Error e) {
            next.close();
            throw e;
        }
        if (arrays != null) {
            arrays.close();
        }
        arrays = next;
        capacity = entries;
    }

    /**
     * Reads the next batch into {@link #keys()} and {@link #values()}.
     *
     * @return false when the map has no more entries (then {@link #count()} is 0)
     * @throws BpfMapException when the kernel refuses the read
     */
    public boolean next() {
        if (arrays == null) {
            throw new IllegalStateException("the batch cursor over " + map.name() + " is closed");
        }
        count = 0;
        while (!finished) {
            bpf_attr.batch.in_batch(batch, started ? inBatch.address() : 0L);
            bpf_attr.batch.out_batch(batch, outBatch.address());
            bpf_attr.batch.keys(batch, keys.address());
            bpf_attr.batch.values(batch, values.address());
            bpf_attr.batch.count(batch, capacity);
            bpf_attr.batch.map_fd(batch, map.fd().raw());
            long r = Syscall.bpf(CMD, attr, BATCH_ATTR_SIZE);
            int n = bpf_attr.batch.count(batch);
            if (r == -ENOSPC && n == 0 && capacity < maxBatch) {
                // one hash bucket holds more entries than the arrays: grow them and read the same bucket again
                allocate((int) Math.min(maxBatch, 2L * capacity));
                continue;
            }
            if (r < 0 && r != -ENOENT) {
                throw new BpfMapException(map.name(), "lookupBatch(" + capacity + ")", new BpfException(CMD, (int) -r));
            }
            if (r < 0) { // ENOENT: the map holds nothing after what this call returned
                finished = true;
            } else {
                MemorySegment.copy(outBatch, 0, inBatch, 0, inBatch.byteSize());
                started = true;
            }
            if (n > 0) {
                count = n;
                return true;
            }
        }
        return false;
    }

    /** Starts over from the map's first entry. */
    public void reset() {
        started = false;
        finished = false;
        count = 0;
    }

    /** The entries the last {@link #next()} read. */
    public int count() {
        return count;
    }

    /** The keys of the last batch: {@link #count()} keys of {@link #keySize()} bytes (the segment may be longer). */
    public MemorySegment keys() {
        return keys;
    }

    /** The values of the last batch: {@link #count()} values of {@link #valueSize()} bytes. */
    public MemorySegment values() {
        return values;
    }

    /** Bytes per key. */
    public int keySize() {
        return keySize;
    }

    /** Bytes per value as read: for per-CPU maps, one 8-byte-rounded value per possible CPU. */
    public int valueSize() {
        return valueSize;
    }

    /** Entries the arrays hold: the size asked for, or more after an {@code ENOSPC}. */
    public int batchSize() {
        return capacity;
    }

    /** Frees the arrays; idempotent. */
    @Override
    public void close() {
        if (arrays != null) {
            arrays.close();
            arrays = null;
        }
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }
}
