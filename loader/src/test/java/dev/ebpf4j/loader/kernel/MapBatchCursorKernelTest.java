package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;

/** {@link MapBatchCursor}, {@link KernelMap#forEachBatch} and {@link KernelMap#entries()} on kernel maps made here. */
class MapBatchCursorKernelTest {

    private static KernelMap create(MapType type, int keySize, int valueSize, int maxEntries) {
        Fd fd = Bpf.mapCreate(type.value(), keySize, valueSize, maxEntries, 0, "batch_test");
        return new KernelMap(new MapSpec("batch_test", "batch_test", MapSpec.Kind.BTF, ".maps", type, keySize, valueSize,
                maxEntries, 0, MapSpec.Pinning.NONE, 0, 0, 0, 0, null, null, List.of()), fd, false);
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }

    /** Fills a u32 -> u64 map with key i -> i * 3 + 1 for i in [0, n), in batches. */
    private static void fill(KernelMap map, int n) {
        List<byte[]> ks = new ArrayList<>();
        List<byte[]> vs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ks.add(u32(i));
            vs.add(u64(i * 3L + 1));
        }
        map.updateBatch(ks, vs);
    }

    /** Reads the cursor to its end into key -> value, failing on a key seen twice. */
    private static Map<Integer, Long> drain(MapBatchCursor c, int maxPerBatch) {
        Map<Integer, Long> seen = new HashMap<>();
        while (c.next()) {
            assertTrue(c.count() > 0 && c.count() <= maxPerBatch, "count " + c.count());
            for (int i = 0; i < c.count(); i++) {
                int k = c.keys().get(ValueLayout.JAVA_INT_UNALIGNED, (long) i * c.keySize());
                long v = c.values().get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * c.valueSize());
                assertNull(seen.put(k, v), "key " + k + " handed out twice");
            }
        }
        assertEquals(0, c.count(), "no entries after the end");
        return seen;
    }

    private static Map<Integer, Long> expected(int n) {
        Map<Integer, Long> want = new HashMap<>();
        for (int i = 0; i < n; i++) {
            want.put(i, i * 3L + 1);
        }
        return want;
    }

    @Test
    void cursorReturnsExactlyTheHashMapsContentsAndStopsAtEnoent() {
        KernelTests.requireKernel();
        try (KernelMap map = create(MapType.HASH, 4, 8, 16384)) {
            fill(map, 10_000);
            try (MapBatchCursor c = map.batchCursor(100)) {
                assertEquals(expected(10_000), drain(c, 100));
                assertFalse(c.next(), "the end stays the end");
                c.reset();
                assertEquals(expected(10_000), drain(c, 100), "reset starts over");
            }
            long[] sum = new long[2];
            long visited = map.forEachBatch(777, (keys, values, count) -> {
                for (int i = 0; i < count; i++) {
                    sum[0] += keys.get(ValueLayout.JAVA_INT_UNALIGNED, i * 4L);
                    sum[1] += values.get(ValueLayout.JAVA_LONG_UNALIGNED, i * 8L);
                }
            });
            assertEquals(10_000, visited);
            assertEquals(10_000L * 9_999 / 2, sum[0]);
            assertEquals(3 * (10_000L * 9_999 / 2) + 10_000, sum[1]);

            Map<Integer, Long> viaEntries = new HashMap<>();
            for (Map.Entry<byte[], byte[]> e : map.entries()) {
                viaEntries.put(ByteBuffer.wrap(e.getKey()).order(ByteOrder.nativeOrder()).getInt(),
                        ByteBuffer.wrap(e.getValue()).order(ByteOrder.nativeOrder()).getLong());
            }
            assertEquals(expected(10_000), viaEntries, "entries() reads the same");
            assertEquals(10_000, map.lookupBatch(1 << 16).size(), "a batch larger than the map: one call, ENOENT");

            map.delete(u32(5));
            map.update(u32(20_000), u64(7));
            Map<Integer, Long> after = expected(10_000);
            after.remove(5);
            after.put(20_000, 7L);
            try (MapBatchCursor c = map.batchCursor(4096)) {
                assertEquals(after, drain(c, 4096), "a new cursor sees the changes");
            }
        }
    }

    /** Bytes this thread allocated on the Java heap while {@code r} ran. */
    private static long allocatedBy(Runnable r) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory
                .getThreadMXBean();
        long before = mx.getCurrentThreadAllocatedBytes();
        r.run();
        return mx.getCurrentThreadAllocatedBytes() - before;
    }

    @Test
    void dumpingAndElementCallsAllocateNothingPerEntryOnceWarm() {
        KernelTests.requireKernel();
        try (KernelMap map = create(MapType.HASH, 4, 8, 16384)) {
            fill(map, 10_000);
            long[] sum = new long[1];
            KernelMap.BatchVisitor visitor = (keys, values, count) -> {
                for (int i = 0; i < count; i++) {
                    sum[0] += values.get(ValueLayout.JAVA_LONG_UNALIGNED, i * 8L);
                }
            };
            for (int warm = 0; warm < 20; warm++) {
                map.forEachBatch(1024, visitor);
            }
            long dump = allocatedBy(() -> map.forEachBatch(1024, visitor));
            // the cursor itself (arena, attr, segments) is a few hundred bytes; an object per entry would be >= 240 KB
            assertTrue(dump < 16 * 1024, "a 10,000-entry dump allocated " + dump + " bytes");

            byte[] key = u32(7);
            byte[] value = u64(8);
            MemorySegment k = java.lang.foreign.Arena.ofAuto().allocate(4, 8);
            MemorySegment v = java.lang.foreign.Arena.ofAuto().allocate(8, 8);
            Runnable updates = () -> {
                for (int i = 0; i < 20_000; i++) {
                    map.update(key, value);
                    k.set(ValueLayout.JAVA_INT, 0, i % 10_000);
                    Bpf.mapUpdate(map.fd(), k, v, 0);
                    Bpf.mapLookup(map.fd(), k, v);
                }
            };
            for (int warm = 0; warm < 5; warm++) {
                updates.run();
            }
            long perCall = allocatedBy(updates) / 60_000;
            // before the per-thread buffers: 96 bytes per KernelMap.update, 168 per raw call
            assertTrue(perCall < 8, "element calls allocated " + perCall + " bytes each");
        }
    }

    @Test
    void emptyMapEndsAtOnce() {
        KernelTests.requireKernel();
        try (KernelMap map = create(MapType.HASH, 4, 8, 64); MapBatchCursor c = map.batchCursor(8)) {
            assertFalse(c.next());
            assertEquals(0, c.count());
            assertTrue(map.entries().isEmpty());
        }
    }

    @Test
    void aBucketLargerThanTheBatchGrowsTheArraysOnEnospc() {
        KernelTests.requireKernel();
        // 1024 keys in 1024 buckets: some bucket surely holds several (no collision at all has odds ~1e-440)
        try (KernelMap map = create(MapType.HASH, 4, 8, 1024)) {
            fill(map, 1024);
            try (MapBatchCursor c = map.batchCursor(1)) {
                assertEquals(expected(1024), drain(c, 1024));
                assertTrue(c.batchSize() > 1, "the cursor grew from 1 to " + c.batchSize());
            }
            assertEquals(1024, map.lookupBatch(1).size(), "lookupBatch(1) grows too instead of failing with ENOSPC");
        }
    }

    @Test
    void perCpuValuesComeOnePerPossibleCpu() {
        KernelTests.requireKernel();
        try (KernelMap map = create(MapType.PERCPU_HASH, 4, 4, 256)) {
            int cpus = map.valuesPerEntry();
            assertEquals(8 * cpus, map.valueSize());
            for (int k = 0; k < 100; k++) {
                ByteBuffer v = ByteBuffer.allocate(8 * cpus).order(ByteOrder.nativeOrder());
                for (int cpu = 0; cpu < cpus; cpu++) {
                    v.putInt(cpu * 8, k * 1000 + cpu); // a 4-byte value in each 8-byte slot
                }
                map.update(u32(k), v.array());
            }
            int seen = 0;
            try (MapBatchCursor c = map.batchCursor(7)) {
                assertEquals(8 * cpus, c.valueSize());
                while (c.next()) {
                    for (int i = 0; i < c.count(); i++) {
                        int k = c.keys().get(ValueLayout.JAVA_INT_UNALIGNED, i * 4L);
                        MemorySegment value = c.values().asSlice((long) i * c.valueSize(), c.valueSize());
                        for (int cpu = 0; cpu < cpus; cpu++) {
                            assertEquals(k * 1000 + cpu, value.get(ValueLayout.JAVA_INT_UNALIGNED, cpu * 8L),
                                    "key " + k + " cpu " + cpu);
                        }
                        seen++;
                    }
                }
            }
            assertEquals(100, seen);
            byte[] one = map.lookup(u32(42)).orElseThrow();
            boolean found = false;
            for (Map.Entry<byte[], byte[]> e : map.entries()) {
                if (ByteBuffer.wrap(e.getKey()).order(ByteOrder.nativeOrder()).getInt() == 42) {
                    assertArrayEquals(one, e.getValue());
                    found = true;
                }
            }
            assertTrue(found);
        }
    }

    @Test
    void arraysAreReadByIndex() {
        KernelTests.requireKernel();
        try (KernelMap map = create(MapType.ARRAY, 4, 8, 10)) {
            for (int i = 0; i < 10; i++) {
                map.update(u32(i), u64(100 + i));
            }
            List<Integer> keys = new ArrayList<>();
            try (MapBatchCursor c = map.batchCursor(3)) {
                while (c.next()) {
                    assertTrue(c.count() <= 3);
                    for (int i = 0; i < c.count(); i++) {
                        int k = c.keys().get(ValueLayout.JAVA_INT_UNALIGNED, i * 4L);
                        assertEquals(100 + k, c.values().get(ValueLayout.JAVA_LONG_UNALIGNED, i * 8L));
                        keys.add(k);
                    }
                }
            }
            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), keys);
        }
    }

    @Test
    void mapsWithoutBatchOperationsAreRefusedWithTheKernelsErrno() {
        KernelTests.requireKernel();
        try (KernelMap queue = create(MapType.QUEUE, 0, 8, 4); MapBatchCursor c = queue.batchCursor(4)) {
            BpfMapException e = assertThrows(BpfMapException.class, c::next);
            assertTrue(e.errno() != 0 && e.getMessage().contains("lookupBatch") && e.getMessage().contains(e.errnoName()),
                    e.getMessage());
        }
    }

    @Test
    void aClosedCursorRefusesToRead() {
        KernelTests.requireKernel();
        try (KernelMap map = create(MapType.HASH, 4, 8, 64)) {
            MapBatchCursor c = map.batchCursor(8);
            c.close();
            c.close();
            assertThrows(IllegalStateException.class, c::next);
            assertThrows(IllegalArgumentException.class, () -> map.batchCursor(0));
        }
    }
}
