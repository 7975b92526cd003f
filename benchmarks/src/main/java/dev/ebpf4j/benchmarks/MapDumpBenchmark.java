package dev.ebpf4j.benchmarks;

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

/**
 * Reading every entry of a 100,000-entry kernel hash map (u32 -> u64): per key ({@code keys()}, i.e. one
 * {@code BPF_MAP_GET_NEXT_KEY} per key, then one {@code BPF_MAP_LOOKUP_ELEM} per key) against
 * {@code BPF_MAP_LOOKUP_BATCH} ({@link KernelMap#lookupBatch}) with {@code batch} entries per call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MapDumpBenchmark {
    @Param({"64", "4096"})
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
        if (n != MapOpsBenchmark.ENTRIES || b != MapOpsBenchmark.ENTRIES) {
            throw new IllegalStateException("dumped " + n + " per key, " + b + " in batches");
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

    @TearDown
    public void tearDown() {
        obj.close();
    }
}
