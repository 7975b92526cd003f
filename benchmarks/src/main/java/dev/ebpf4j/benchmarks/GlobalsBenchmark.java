package dev.ebpf4j.benchmarks;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
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
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.kernel.KernelMap;

/**
 * Reading the {@code counter} of {@code examples/hello.bpf.o} loaded in the kernel: through the mmap'ed
 * {@code .bss} ({@link Globals#getInt}, a volatile read of the mapping) against a {@code BPF_MAP_LOOKUP_ELEM} of
 * the {@code .bss} map's only value ({@link KernelMap#lookup}, and raw {@link Bpf#mapLookup} into preallocated memory).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class GlobalsBenchmark {
    private BpfObject obj;
    private Globals bss;
    private KernelMap bssMap;
    private Arena arena;
    private MemorySegment key;
    private MemorySegment value;
    private final byte[] zero = new byte[4];

    @Setup
    public void setUp() {
        obj = BpfObject.open(BenchFiles.root().resolve("examples/hello.bpf.o"))
                .load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL));
        bss = obj.globals(".bss");
        if (!bss.live()) {
            throw new IllegalStateException(".bss is not mapped");
        }
        bssMap = (KernelMap) obj.map(".bss");
        arena = Arena.ofConfined();
        key = arena.allocate(4, 4);
        value = arena.allocate(bssMap.valueSize(), 8);
    }

    @Benchmark
    public int globalsGetInt() {
        return bss.getInt("counter");
    }

    @Benchmark
    public byte[] lookupKernelMap() {
        return bssMap.lookup(zero).orElseThrow();
    }

    @Benchmark
    public int lookupRaw() {
        Bpf.mapLookup(bssMap.fd(), key, value);
        return value.get(ValueLayout.JAVA_INT, 0);
    }

    @TearDown
    public void tearDown() {
        arena.close();
        obj.close();
    }
}
