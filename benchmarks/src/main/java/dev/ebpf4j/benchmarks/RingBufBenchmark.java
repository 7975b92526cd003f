package dev.ebpf4j.benchmarks;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * Ring buffer records read by {@link RingBufferReader}: before each operation (not timed) program {@code rb_64} or
 * {@code rb_1k} of {@code ringbuf.bpf.o} is run {@value #BATCH} times by one {@code BPF_PROG_TEST_RUN} (one record
 * per run) into its 64 MiB buffer; the operation drains them. {@code view} reads each record in place (the zero-copy
 * segment: every 8-byte word summed), {@code copy} copies each out ({@code toArray}) and reads nothing more,
 * {@code skip} hands out the views and touches nothing. The score is records per second consumed. The producer's
 * cost is the kernel's: see {@code produce} in docs/benchmarks.md (the test run's duration, printed at tear-down).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class RingBufBenchmark {
    static final int BATCH = 32768;

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

    private long produceNanos;
    private int produced;

    private int cycle(Consumer<MemorySegment> handler) {
        produce();
        return reader.drain(handler);
    }

    /** Fills the buffer with {@value #BATCH} records (not timed). */
    @Setup(Level.Invocation)
    public void produce() {
        if (reader.available() == 0) {
            long t = System.nanoTime();
            producer.testRun(input);
            produceNanos += System.nanoTime() - t;
            produced += BATCH;
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int view() {
        return reader.drain(view);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int copy() {
        return reader.drain(copy);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int skip() {
        return reader.drain(nothing);
    }

    @TearDown
    public void tearDown() {
        long dropped = obj.globals(".bss").getLong("rb_dropped");
        System.out.printf("# producer (test run of %s, wall time including the call's fixed cost): %.1f ns per record%n",
                producer.name(), (double) produceNanos / Math.max(1, produced));
        reader.close();
        obj.close();
        bh.consume(sum);
        if (dropped != 0) {
            throw new IllegalStateException(dropped + " records dropped (ring buffer full)");
        }
    }
}
