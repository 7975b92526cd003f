package dev.ebpf4j.loader.ringbuf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.function.Consumer;

import dev.ebpf4j.bindings.Epoll;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;

/**
 * Consumes a {@code BPF_MAP_TYPE_RINGBUF} map from user space, the way the kernel lays it out: a consumer page
 * (ours to write), then the producer page and the data area mapped twice in a row so a record that wraps is still
 * contiguous. Records are handed out as read-only {@link MemorySegment} views into the mapping (zero copy) that are
 * valid only inside the callback; discarded records are skipped and counted. Wake-ups come from epoll on the map.
 *
 * <p>Memory ordering follows the kernel's: the producer position and each record header are read with acquire
 * semantics, the consumer position is published with release semantics after the records are handled.
 */
public final class RingBufferReader implements AutoCloseable {
    private static final int BUSY = 1 << 31;
    private static final int DISCARD = 1 << 30;
    private static final int HEADER = 8;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();
    private static final VarHandle INT = ValueLayout.JAVA_INT.varHandle();

    private final MemorySegment consumerPage;
    private final MemorySegment producerPage;
    private final MemorySegment data;
    private final long mask;
    private final Epoll epoll;
    private long discarded;
    private boolean closed;

    private RingBufferReader(MemorySegment consumerPage, MemorySegment producer, long pageSize, long size, Epoll epoll) {
        this.consumerPage = consumerPage;
        this.producerPage = producer.asSlice(0, pageSize);
        this.data = producer.asSlice(pageSize, 2 * size).asReadOnly();
        this.mask = size - 1;
        this.epoll = epoll;
    }

    /**
     * Maps the ring buffer map {@code map} whose {@code max_entries} (its data size, a power of two and a multiple
     * of the page size) is {@code size}. The reader does not own {@code map}: close the reader before the map.
     */
    public static RingBufferReader open(Fd map, long size) {
        long page = pageSize();
        if (size <= 0 || (size & (size - 1)) != 0 || size % page != 0) {
            throw new IllegalArgumentException("a ring buffer's size is a power of two and a multiple of the page size ("
                    + page + "), not " + size);
        }
        MemorySegment consumer = Syscall.mmap(page, 1 | 2, 1, map, 0);
        MemorySegment producer;
        try {
            producer = Syscall.mmap(page + 2 * size, 1, 1, map, page);
        } catch (RuntimeException e) {
            Syscall.munmap(consumer);
            throw e;
        }
        Epoll epoll;
        try {
            epoll = Epoll.create(1);
            epoll.add(map, 0);
        } catch (RuntimeException e) {
            Syscall.munmap(producer);
            Syscall.munmap(consumer);
            throw e;
        }
        return new RingBufferReader(consumer, producer, page, size, epoll);
    }

    /** Hands every available record to {@code handler}; returns how many it handed out. Does not wait. */
    public synchronized int drain(Consumer<MemorySegment> handler) {
        checkOpen();
        long consumer = (long) LONG.getAcquire(consumerPage, 0L);
        int handled = 0;
        while (true) {
            long producer = (long) LONG.getAcquire(producerPage, 0L);
            if (consumer >= producer) {
                break;
            }
            long at = consumer & mask;
            int header = (int) INT.getAcquire(data, at);
            if ((header & BUSY) != 0) {
                break; // reserved, not yet submitted: later records must wait for it
            }
            int length = header & ~(BUSY | DISCARD);
            if ((header & DISCARD) != 0) {
                discarded++;
            } else {
                handler.accept(data.asSlice(at + HEADER, length));
                handled++;
            }
            consumer += (length + HEADER + 7) & ~7L;
            LONG.setRelease(consumerPage, 0L, consumer);
        }
        return handled;
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) for records, then hands out all available; returns how many.
     */
    public int poll(int timeoutMillis, Consumer<MemorySegment> handler) {
        int n = drain(handler);
        if (n > 0) {
            return n;
        }
        epoll.await(timeoutMillis);
        return drain(handler);
    }

    /** Bytes written but not yet consumed. */
    public long available() {
        return (long) LONG.getAcquire(producerPage, 0L) - (long) LONG.getAcquire(consumerPage, 0L);
    }

    /** Records the program discarded (bpf_ringbuf_discard) that the reader skipped. */
    public long discarded() {
        return discarded;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        epoll.close();
        Syscall.munmap(data.isReadOnly() ? MemorySegment.ofAddress(producerPage.address()).reinterpret(
                producerPage.byteSize() + data.byteSize()) : producerPage);
        Syscall.munmap(consumerPage);
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("ring buffer reader is closed");
        }
    }

    static long pageSize() {
        return Syscall.pageSize();
    }
}
