package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * One kernel hash map (packet_filter's {@code blocked_ports}, u16 to u64) used from eight threads at once through
 * one {@code KernelMap}: each thread writes and reads back keys of its own, and all of them race on one shared key.
 * Every read must be a value some thread wrote, and the map must end with exactly the last values.
 */
class KernelMapConcurrencyKernelTest {
    private static final int THREADS = 8;
    private static final int KEYS_PER_THREAD = 100;
    private static final int ROUNDS = 20;
    private static final int SHARED = 9999;

    @Test
    void manyThreadsUpdateAndReadOneMap() throws Exception {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("concurrent");
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try (BpfObject obj = BpfObject.open(TestObjects.example("packet_filter.bpf.o")).load(KernelTests.kernel(pins))) {
            BpfMap map = obj.map("blocked_ports");
            CyclicBarrier start = new CyclicBarrier(THREADS);
            List<Future<Integer>> results = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    int sharedReads = 0;
                    for (int round = 0; round < ROUNDS; round++) {
                        for (int i = 0; i < KEYS_PER_THREAD; i++) {
                            int port = thread * KEYS_PER_THREAD + i;
                            map.update(port(port), u64(value(thread, round, i)));
                            assertEquals(value(thread, round, i), read(map, port), "own key " + port);
                            map.update(port(SHARED), u64(value(thread, round, i)));
                            long seen = read(map, SHARED);
                            assertTrue(written(seen), "a read of the shared key saw " + Long.toHexString(seen));
                            sharedReads++;
                        }
                    }
                    return sharedReads;
                }));
            }
            int reads = 0;
            for (Future<Integer> f : results) {
                reads += f.get();
            }
            assertEquals(THREADS * ROUNDS * KEYS_PER_THREAD, reads);
            Map<Integer, Long> expected = new HashMap<>();
            for (int t = 0; t < THREADS; t++) {
                for (int i = 0; i < KEYS_PER_THREAD; i++) {
                    expected.put(t * KEYS_PER_THREAD + i, value(t, ROUNDS - 1, i));
                }
            }
            Map<Integer, Long> actual = new HashMap<>();
            for (Map.Entry<byte[], byte[]> e : map.entries()) {
                int port = Short.toUnsignedInt(ByteBuffer.wrap(e.getKey()).order(ByteOrder.nativeOrder()).getShort());
                actual.put(port, ByteBuffer.wrap(e.getValue()).order(ByteOrder.nativeOrder()).getLong());
            }
            long shared = actual.remove(SHARED);
            assertTrue(written(shared) && (shared >>> 16 & 0xffff) == ROUNDS - 1, Long.toHexString(shared));
            assertEquals(expected, actual);
        } finally {
            pool.shutdownNow();
            KernelTests.deleteTree(pins);
        }
    }

    /** Thread, round and index in one u64, with a tag in the top bits so a torn or stray value shows. */
    private static long value(int thread, int round, int i) {
        return 0x5eed_0000_0000_0000L | (long) thread << 32 | (long) round << 16 | i;
    }

    private static boolean written(long v) {
        return (v & 0xffff_0000_0000_0000L) == 0x5eed_0000_0000_0000L && (v >>> 32 & 0xffff) < THREADS
                && (v >>> 16 & 0xffff) < ROUNDS && (v & 0xffff) < KEYS_PER_THREAD;
    }

    private static long read(BpfMap map, int port) {
        return ByteBuffer.wrap(map.lookup(port(port)).orElseThrow()).order(ByteOrder.nativeOrder()).getLong();
    }

    private static byte[] port(int port) {
        return ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) port).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.nativeOrder()).putLong(v).array();
    }
}
