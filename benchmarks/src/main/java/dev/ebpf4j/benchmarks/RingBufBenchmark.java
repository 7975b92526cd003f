package dev.ebpf4j.benchmarks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.loader.kernel.KernelMap;
import dev.ebpf4j.loader.ringbuf.RingBufferReader;

/**
 * Ring buffer records through {@link RingBufferReader}: program {@code rb_64} or {@code rb_1k} of
 * {@code ringbuf.bpf.o} is run {@value #BATCH} times by one {@code BPF_PROG_TEST_RUN} (one record per run), then the
 * reader drains the 4 MiB buffer. {@code view} reads the records in place (the zero-copy segment: every 8-byte
 * word summed), {@code copy} copies each out ({@code toArray}). The score is records per second, producer included;
 * {@code produceOnly} drains with a handler that touches nothing, the floor for both.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RingBufBenchmark {
    static final int BATCH = 1024;

    @Param({"64", "1024"})
    public int size;

    private BpfObject obj;
    private BpfProgram producer;
    private RingBufferReader reader;
    private TestRun.Input input;
    private long sum;
    private Blackhole bh;
    private Consumer<MemorySegment> copy;
    private Consumer<MemorySegment> view;
    private final Consumer<MemorySegment> nothing = s -> { };

    @Setup
    public void setUp(Blackhole bh) {
        this.bh = bh;
        obj = BpfObject.open(BenchFiles.cObject("ringbuf.bpf.o")).load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL));
        producer = obj.program(size == 64 ? "rb_64" : "rb_1k");
        KernelMap events = (KernelMap) obj.map("events");
        reader = RingBufferReader.open(events.fd(), events.spec().maxEntries());
        input = TestRun.Input.of(FallbackVmBenchmark.udp(9, 64)).withRepeat(BATCH);
        copy = s -> this.bh.consume(s.toArray(ValueLayout.JAVA_BYTE));
        view = s -> {
            long acc = 0;
            for (long at = 0; at < s.byteSize(); at += 8) {
                acc += s.get(ValueLayout.JAVA_LONG_UNALIGNED, at);
            }
            sum += acc;
        };
        int n = cycle(view);
        if (n != BATCH) {
            throw new IllegalStateException("read " + n + " records, expected " + BATCH);
        }
    }

    private int cycle(Consumer<MemorySegment> handler) {
        producer.testRun(input);
        return reader.drain(handler);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int view() {
        return cycle(view);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int copy() {
        return cycle(copy);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int produceOnly() {
        return cycle(nothing);
    }

    @TearDown
    public void tearDown() {
        long dropped = obj.globals(".bss").getLong("rb_dropped");
        reader.close();
        obj.close();
        bh.consume(sum);
        if (dropped != 0) {
            throw new IllegalStateException(dropped + " records dropped (ring buffer full)");
        }
    }
}
