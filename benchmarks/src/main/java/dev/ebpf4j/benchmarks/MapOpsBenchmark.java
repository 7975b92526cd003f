package dev.ebpf4j.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.kernel.KernelMap;

/**
 * Single-element lookup and update from Java on a kernel hash map u32 -> u64 holding 100,000 entries (map
 * {@code big} of {@code bench.bpf.o}); the anchor is {@code benchmarks/target/c/map_ops}, the same loop with libbpf's
 * {@code bpf_map_lookup_elem}/{@code bpf_map_update_elem} on a map of the same type and sizes. Two Java paths:
 * {@link KernelMap} (byte arrays in and out, native copies made per call) and {@link Bpf#mapLookup} with
 * key and value segments allocated once.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class MapOpsBenchmark {
    static final int ENTRIES = 100_000;

    private BpfObject obj;
    private KernelMap map;
    private byte[][] keys;
    private byte[] value;
    private Arena arena;
    private MemorySegment key;
    private MemorySegment val;
    private int next;

    @Setup
    public void setUp() {
        obj = BpfObject.open(BenchFiles.benchObject()).load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL));
        map = (KernelMap) obj.map("big");
        fill(map);
        keys = new byte[ENTRIES][];
        for (int i = 0; i < ENTRIES; i++) {
            keys[i] = le32(i);
        }
        value = new byte[8];
        arena = Arena.ofConfined();
        key = arena.allocate(4, 8);
        val = arena.allocate(8, 8);
    }

    static void fill(KernelMap map) {
        List<byte[]> ks = new ArrayList<>();
        List<byte[]> vs = new ArrayList<>();
        for (int i = 0; i < ENTRIES; i++) {
            ks.add(le32(i));
            vs.add(new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16), 0, 0, 0, 0, 0});
            if (ks.size() == 10_000) {
                map.updateBatch(ks, vs);
                ks.clear();
                vs.clear();
            }
        }
    }

    static byte[] le32(int i) {
        return new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16), (byte) (i >> 24)};
    }

    private int nextKey() {
        int k = next;
        next = k + 1 == ENTRIES ? 0 : k + 1;
        return k;
    }

    @Benchmark
    public byte[] lookupKernelMap() {
        return map.lookup(keys[nextKey()]).orElseThrow();
    }

    @Benchmark
    public void updateKernelMap() {
        map.update(keys[nextKey()], value);
    }

    @Benchmark
    public long lookupRaw() {
        key.set(ValueLayout.JAVA_INT, 0, nextKey());
        if (!Bpf.mapLookup(map.fd(), key, val)) {
            throw new IllegalStateException("missing key");
        }
        return val.get(ValueLayout.JAVA_LONG, 0);
    }

    @Benchmark
    public void updateRaw() {
        int k = nextKey();
        key.set(ValueLayout.JAVA_INT, 0, k);
        val.set(ValueLayout.JAVA_LONG, 0, k);
        Bpf.mapUpdate(map.fd(), key, val, 0);
    }

    @TearDown
    public void tearDown() {
        arena.close();
        obj.close();
    }
}
