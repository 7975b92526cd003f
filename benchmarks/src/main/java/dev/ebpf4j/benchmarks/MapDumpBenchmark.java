package dev.ebpf4j.benchmarks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.kernel.KernelMap;
import dev.ebpf4j.loader.kernel.MapBatchCursor;

/**
 * Reading every entry of a 100,000-entry kernel hash map (u32 -> u64): per key ({@code keys()}, i.e. one
 * {@code BPF_MAP_GET_NEXT_KEY} per key, then one {@code BPF_MAP_LOOKUP_ELEM} per key) against
 * {@code BPF_MAP_LOOKUP_BATCH} with {@code batch} entries per call: {@code cursor} reads every key and value out of
 * the {@link MapBatchCursor}'s native arrays (nothing allocated per entry), {@code batchLookup}
 * ({@link KernelMap#lookupBatch}, what {@link KernelMap#entries()} does) copies each into a key and a value array
 * and a {@code Map.Entry}. The C anchor is {@code map_ops}' dump section (libbpf's {@code bpf_map_lookup_batch}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MapDumpBenchmark {
    @Param({"64", "256", "1024", "4096", "16384"})
    public int batch;

    private BpfObject obj;
    private KernelMap map;

    @Setup
    public void setUp() {
        obj = BpfObject.open(BenchFiles.benchObject()).load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL));
        map = (KernelMap) obj.map("big");
        MapOpsBenchmark.fill(map);
        int n = perKey();
        int b = batchLookup().size();
        long expectedSum = 0;
        for (int i = 0; i < MapOpsBenchmark.ENTRIES; i++) {
            expectedSum += i + (i & 0xffffffL); // key + the value fill() stored
        }
        long c = cursor();
        if (n != MapOpsBenchmark.ENTRIES || b != MapOpsBenchmark.ENTRIES || c != expectedSum) {
            throw new IllegalStateException("dumped " + n + " per key, " + b + " in batches, cursor sum " + c
                    + " (want " + expectedSum + ")");
        }
    }

    @Benchmark
    public int perKey() {
        int n = 0;
        for (byte[] k : map.keys()) {
            n += map.lookup(k).orElseThrow().length > 0 ? 1 : 0;
        }
        return n;
    }

    @Benchmark
    public List<Map.Entry<byte[], byte[]>> batchLookup() {
        return map.lookupBatch(batch);
    }

    @Benchmark
    public long cursor() {
        long sum = 0;
        try (MapBatchCursor c = map.batchCursor(batch)) {
            while (c.next()) {
                MemorySegment keys = c.keys();
                MemorySegment values = c.values();
                for (int i = 0, n = c.count(); i < n; i++) {
                    sum += keys.get(ValueLayout.JAVA_INT_UNALIGNED, i * 4L)
                            + values.get(ValueLayout.JAVA_LONG_UNALIGNED, i * 8L);
                }
            }
        }
        return sum;
    }

    @TearDown
    public void tearDown() {
        obj.close();
    }
}
