package dev.ebpf4j.benchmarks;

import java.nio.file.Path;
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

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.XdpMode;
import dev.ebpf4j.loader.link.Link;

/**
 * Open + load (kernel) + attach XDP in generic mode + detach + close of {@code examples/hello.bpf.o}, in a warm
 * JVM, on the host side of a veth pair this benchmark makes (and deletes) in a network namespace of its own. The
 * anchor is {@code benchmarks/target/c/load_attach}: the same with libbpf, run by {@code benchmarks/run-all}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class LoadAttachBenchmark {
    private BenchFiles.Veth veth;
    private Path hello;
    private LoadOptions kernel;

    @Setup
    public void setUp() {
        veth = BenchFiles.Veth.create();
        hello = BenchFiles.root().resolve("examples/hello.bpf.o");
        kernel = LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL);
    }

    @Benchmark
    public boolean openLoadAttach() {
        try (BpfObject obj = BpfObject.open(hello).load(kernel);
             Link link = obj.program("hello").attachXdp(veth.host, XdpMode.GENERIC)) {
            return link.attached();
        }
    }

    @TearDown
    public void tearDown() {
        veth.close();
    }
}
