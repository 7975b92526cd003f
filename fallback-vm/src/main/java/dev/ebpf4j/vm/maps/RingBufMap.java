package dev.ebpf4j.vm.maps;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.vm.Errno;
import dev.ebpf4j.vm.memory.Segments;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * {@code BPF_MAP_TYPE_RINGBUF}: programs reserve records, fill them and submit or discard them; Java
 * consumes submitted records in order with {@link #poll()} / {@link #drain()}, or gets them pushed to
 * {@link #subscribe subscribers} at submit time. Capacity is {@code max_entries} bytes; every record
 * costs its size rounded up to 8 plus an 8-byte header until consumed (or discarded), so a full ring
 * makes {@code bpf_ringbuf_reserve} return NULL as in the kernel.
 */
public final class RingBufMap extends BpfMap {
    /** {@code BPF_RB_NO_WAKEUP}, {@code BPF_RB_FORCE_WAKEUP}: accepted, meaningless here. */
    public static final long BPF_RB_NO_WAKEUP = 1;
    public static final long BPF_RB_FORCE_WAKEUP = 2;
    /** {@code bpf_ringbuf_query} flags. */
    public static final long BPF_RB_AVAIL_DATA = 0;
    public static final long BPF_RB_RING_SIZE = 1;
    public static final long BPF_RB_CONS_POS = 2;
    public static final long BPF_RB_PROD_POS = 3;
    private static final int HEADER = 8;

    /** A record reserved by a program: memory it writes, then submits or discards. */
    public final class Reservation {
        private final MemorySegment data;
        private final long cost;
        private boolean done;

        private Reservation(MemorySegment data, long cost) {
            this.data = data;
            this.cost = cost;
        }

        public MemorySegment data() {
            return data;
        }

        public RingBufMap ring() {
            return RingBufMap.this;
        }

        /** True once submitted or discarded. */
        public synchronized boolean done() {
            return done;
        }

        public synchronized void submit() {
            if (done) {
                throw new IllegalStateException("ring buffer record already submitted or discarded");
            }
            done = true;
            deliver(data.toArray(ValueLayout.JAVA_BYTE), cost);
        }

        public synchronized void discard() {
            if (done) {
                throw new IllegalStateException("ring buffer record already submitted or discarded");
            }
            done = true;
            release(cost);
        }
    }

    private record Pending(byte[] data, long cost) {}

    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final List<Consumer<byte[]>> subscribers = new CopyOnWriteArrayList<>();
    private long used;
    private long producer;
    private long consumer;
    private long available;

    public RingBufMap(MapSpec spec, SharedRegions shared) {
        super(spec, shared);
        int size = spec.maxEntries();
        if (size <= 0 || Integer.bitCount(size) != 1 || size % 4096 != 0) {
            throw new BpfMapException(Errno.EINVAL, "ring buffer '" + spec.name()
                    + "' needs max_entries a power of two multiple of the page size, not " + size);
        }
    }

    /** Reserves {@code size} bytes, or null when the ring has no room (as the kernel's NULL). */
    public Reservation reserve(long size) {
        if (size <= 0 || size > maxEntries()) {
            return null;
        }
        long cost = ((size + 7) & ~7L) + HEADER;
        synchronized (this) {
            if (used + cost > maxEntries()) {
                return null;
            }
            used += cost;
        }
        return new Reservation(Segments.allocate(size), cost);
    }

    /** {@code bpf_ringbuf_output}: reserve, copy and submit; false when full. */
    public boolean output(byte[] data) {
        Reservation r = reserve(data.length);
        if (r == null) {
            return false;
        }
        MemorySegment.copy(data, 0, r.data(), ValueLayout.JAVA_BYTE, 0, data.length);
        r.submit();
        return true;
    }

    private void deliver(byte[] data, long cost) {
        synchronized (this) {
            producer += cost;
        }
        if (!subscribers.isEmpty()) {
            for (Consumer<byte[]> s : subscribers) {
                s.accept(data.clone());
            }
            release(cost);
            synchronized (this) {
                consumer += cost;
            }
            return;
        }
        synchronized (this) {
            available += data.length;
        }
        queue.add(new Pending(data, cost));
    }

    private synchronized void release(long cost) {
        used -= cost;
    }

    /** Calls {@code consumer} with every record submitted from now on (records are then not queued). */
    public void subscribe(Consumer<byte[]> consumer) {
        subscribers.add(consumer);
    }

    public void unsubscribe(Consumer<byte[]> consumer) {
        subscribers.remove(consumer);
    }

    /** The oldest submitted record not yet consumed, or null. */
    public byte[] poll() {
        Pending p = queue.poll();
        if (p == null) {
            return null;
        }
        synchronized (this) {
            consumer += p.cost();
            available -= p.data().length;
        }
        release(p.cost());
        return p.data();
    }

    /** Every queued record, oldest first. */
    public List<byte[]> drain() {
        List<byte[]> out = new ArrayList<>();
        for (byte[] r; (r = poll()) != null; ) {
            out.add(r);
        }
        return out;
    }

    /** {@code bpf_ringbuf_query}. */
    public synchronized long query(long flags) {
        return switch ((int) flags) {
            case (int) BPF_RB_AVAIL_DATA -> available;
            case (int) BPF_RB_RING_SIZE -> maxEntries();
            case (int) BPF_RB_CONS_POS -> consumer;
            case (int) BPF_RB_PROD_POS -> producer;
            default -> 0;
        };
    }

    @Override
    public byte[] lookup(byte[] key) {
        return null;
    }

    @Override
    public List<byte[]> keys() {
        return List.of();
    }

    @Override
    protected void checkKey(byte[] key) {
    }

    @Override
    protected long updateFromJava(byte[] key, byte[] value, long flags) {
        return -Errno.ENOTSUPP;
    }

    @Override
    protected long deleteFromJava(byte[] key) {
        return -Errno.ENOTSUPP;
    }
}
