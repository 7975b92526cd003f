package dev.ebpf4j.loader.perf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Epoll;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.uapi.Uapi;
import dev.ebpf4j.bindings.uapi.perf_event_attr;

/**
 * Reads what programs send with {@code bpf_perf_event_output} into a {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY} map, as
 * libbpf's {@code perf_buffer} does: one {@code PERF_COUNT_SW_BPF_OUTPUT} software event per CPU, opened with
 * {@code PERF_SAMPLE_RAW} and a wake-up per sample, its ring mmap'ed (a control page and 2^n data pages) and its fd
 * stored in the map at the CPU's index; epoll waits on them all.
 *
 * <p>Records are {@code PERF_RECORD_SAMPLE} (the raw bytes go to {@link Handler#sample}, padded by the kernel to keep
 * records 8-byte aligned) and {@code PERF_RECORD_LOST} (the kernel found the ring full: {@link Handler#lost} and
 * {@link #lost()}). {@code data_head} is read with acquire semantics and {@code data_tail} published with release
 * semantics after the records are handled. A record that runs past the end of the ring is copied into one piece;
 * others are handed out as read-only views into the mapping, valid only inside the callback.
 */
public final class PerfBufferReader implements AutoCloseable {
    /** {@code offsetof(struct perf_event_mmap_page, data_head)} (then data_tail, data_offset, data_size). */
    static final long DATA_HEAD = 1024;
    static final long DATA_TAIL = 1032;
    static final long DATA_OFFSET = 1040;
    static final long DATA_SIZE = 1048;
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    /** What a reader hands out. */
    public interface Handler {
        /** A sample's raw bytes (with the kernel's trailing alignment padding), sent on {@code cpu}. */
        void sample(int cpu, MemorySegment data);

        /** The kernel dropped {@code count} samples on {@code cpu} because its ring was full. */
        default void lost(int cpu, long count) {}
    }

    private final Fd map;
    private final List<Ring> rings;
    private final Epoll epoll;
    private long lost;
    private long wrapped;
    private boolean closed;

    private record Ring(int cpu, Fd event, MemorySegment mapping, MemorySegment data, long size) {}

    private PerfBufferReader(Fd map, List<Ring> rings, Epoll epoll) {
        this.map = map;
        this.rings = rings;
        this.epoll = epoll;
    }

    /** A reader for every online CPU with {@code pageCount} data pages per CPU (a power of two). */
    public static PerfBufferReader open(Fd perfEventArray, int pageCount) {
        return open(perfEventArray, pageCount, onlineCpus());
    }

    /**
     * A reader for the given CPUs. The map's {@code max_entries} must cover every CPU index. The reader does not own
     * the map; it removes its entries on close.
     */
    public static PerfBufferReader open(Fd perfEventArray, int pageCount, List<Integer> cpus) {
        if (pageCount <= 0 || (pageCount & (pageCount - 1)) != 0) {
            throw new IllegalArgumentException("a perf buffer has a power-of-two number of data pages, not " + pageCount);
        }
        long page = pageSize();
        List<Ring> rings = new ArrayList<>();
        Epoll epoll = Epoll.create(Math.max(1, cpus.size()));
        try {
            for (int cpu : cpus) {
                Ring ring = openRing(cpu, pageCount, page);
                rings.add(ring);
                epoll.add(ring.event(), cpu);
                storeInMap(perfEventArray, cpu, ring.event());
            }
        } catch (RuntimeException e) {
            for (Ring r : rings) {
                closeRing(r);
            }
            epoll.close();
            throw e;
        }
        return new PerfBufferReader(perfEventArray.dup(), rings, epoll);
    }

    private static Ring openRing(int cpu, int pageCount, long page) {
        Fd event;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = perf_event_attr.allocate(a);
            perf_event_attr.type(attr, Uapi.PERF_TYPE_SOFTWARE());
            perf_event_attr.size(attr, (int) perf_event_attr.sizeof());
            perf_event_attr.config(attr, Uapi.PERF_COUNT_SW_BPF_OUTPUT());
            perf_event_attr.sample_type(attr, Uapi.PERF_SAMPLE_RAW());
            perf_event_attr.sample_period(attr, 1);
            perf_event_attr.wakeup_events(attr, 1);
            event = Syscall.perfEventOpen(attr, -1, cpu, -1, Uapi.PERF_FLAG_FD_CLOEXEC());
        }
        try {
            long length = page * (1 + pageCount);
            MemorySegment mapping = Syscall.mmap(length, 1 | 2 /* PROT_READ|WRITE */, 1 /* MAP_SHARED */, event, 0);
            long offset = mapping.get(ValueLayout.JAVA_LONG, DATA_OFFSET);
            long size = mapping.get(ValueLayout.JAVA_LONG, DATA_SIZE);
            if (offset == 0 || size == 0) { // kernels before 4.1 leave them 0: the data follows the first page
                offset = page;
                size = page * pageCount;
            }
            Syscall.ioctl(event, Uapi.PERF_EVENT_IOC_ENABLE(), 0);
            return new Ring(cpu, event, mapping, mapping.asSlice(offset, size).asReadOnly(), size);
        } catch (RuntimeException e) {
            event.close();
            throw e;
        }
    }

    private static void storeInMap(Fd map, int cpu, Fd event) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(ValueLayout.JAVA_INT);
            key.set(ValueLayout.JAVA_INT, 0, cpu);
            MemorySegment value = a.allocate(ValueLayout.JAVA_INT);
            value.set(ValueLayout.JAVA_INT, 0, event.raw());
            Bpf.mapUpdate(map, key, value, 0);
        }
    }

    /** The CPUs this reader has a ring for. */
    public List<Integer> cpus() {
        return rings.stream().map(Ring::cpu).toList();
    }

    /** Hands every available record of every CPU to {@code handler}; returns how many samples. Does not wait. */
    public synchronized int drain(Handler handler) {
        checkOpen();
        int samples = 0;
        for (Ring r : rings) {
            samples += drain(r, handler);
        }
        return samples;
    }

    /** Waits up to {@code timeoutMillis} (-1: forever) for samples, then hands out all available; returns how many. */
    public int poll(int timeoutMillis, Handler handler) {
        int n = drain(handler);
        if (n > 0) {
            return n;
        }
        epoll.await(timeoutMillis);
        return drain(handler);
    }

    private int drain(Ring r, Handler handler) {
        MemorySegment control = r.mapping();
        long head = (long) LONG.getAcquire(control, DATA_HEAD);
        long tail = control.get(ValueLayout.JAVA_LONG, DATA_TAIL);
        long mask = r.size() - 1;
        int samples = 0;
        while (tail < head) {
            long at = tail & mask;
            int type = r.data().get(ValueLayout.JAVA_INT, at);
            int size = r.data().get(ValueLayout.JAVA_SHORT, at + 6) & 0xffff;
            if (size < 8) {
                throw new IllegalStateException("perf ring of CPU " + r.cpu() + ": record of size " + size + " at " + tail);
            }
            MemorySegment record;
            if (at + size <= r.size()) {
                record = r.data().asSlice(at, size);
            } else {
                long first = r.size() - at;
                record = Arena.ofAuto().allocate(size, 8);
                MemorySegment.copy(r.data(), at, record, 0, first);
                MemorySegment.copy(r.data(), 0, record, first, size - first);
                wrapped++;
            }
            if (type == Uapi.PERF_RECORD_SAMPLE()) {
                int rawSize = record.get(ValueLayout.JAVA_INT_UNALIGNED, 8);
                handler.sample(r.cpu(), record.asSlice(12, Math.min(rawSize, size - 12)));
                samples++;
            } else if (type == Uapi.PERF_RECORD_LOST()) {
                long count = record.get(ValueLayout.JAVA_LONG_UNALIGNED, 16);
                lost += count;
                handler.lost(r.cpu(), count);
            }
            tail += size;
            LONG.setRelease(control, DATA_TAIL, tail);
        }
        return samples;
    }

    /** Samples the kernel reported lost so far (in {@code PERF_RECORD_LOST} records read). */
    public synchronized long lost() {
        return lost;
    }

    /** Records that ran past the end of their ring and were copied (for tests). */
    synchronized long wrappedRecords() {
        return wrapped;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment key = a.allocate(ValueLayout.JAVA_INT);
            for (Ring r : rings) {
                key.set(ValueLayout.JAVA_INT, 0, r.cpu());
                try {
                    Bpf.mapDelete(map, key);
                } catch (RuntimeException ignored) {
                    // the map may be gone or read-only to us; the closed event removes nothing else
                }
            }
        }
        for (Ring r : rings) {
            closeRing(r);
        }
        epoll.close();
        map.close();
    }

    private static void closeRing(Ring r) {
        Syscall.munmap(r.mapping());
        r.event().close();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("perf buffer reader is closed");
        }
    }

    /** The online CPUs, from {@code /sys/devices/system/cpu/online} ({@code 0-3,5}). */
    public static List<Integer> onlineCpus() {
        return cpuList(Path.of("/sys/devices/system/cpu/online"));
    }

    /** The number of possible CPUs: the {@code max_entries} a perf event array needs. */
    public static int possibleCpus() {
        List<Integer> cpus = cpuList(Path.of("/sys/devices/system/cpu/possible"));
        return cpus.isEmpty() ? 1 : cpus.getLast() + 1;
    }

    static List<Integer> cpuList(Path file) {
        try {
            return parseCpuList(Files.readString(file).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Integer> parseCpuList(String list) {
        List<Integer> out = new ArrayList<>();
        if (list.isEmpty()) {
            return out;
        }
        for (String part : list.split(",")) {
            int dash = part.indexOf('-');
            int from = Integer.parseInt(part.substring(0, dash < 0 ? part.length() : dash).strip());
            int to = dash < 0 ? from : Integer.parseInt(part.substring(dash + 1).strip());
            for (int c = from; c <= to; c++) {
                out.add(c);
            }
        }
        return out;
    }

    static long pageSize() {
        return Syscall.pageSize();
    }
}
