package dev.ebpf4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.vm.Engine;

/**
 * The same programs run through {@code BpfProgram.testRun} on the kernel ({@code BPF_PROG_TEST_RUN}) and on the
 * fallback VM (JIT, interpreter), {@code repeat} runs per call on both sides so the kernel's syscall is amortised.
 * With repeat 1000 the score in µs/op is the time per run in ns (with repeat 1,000,000: in ms/op).
 *
 * <p>An XDP test run with repeat &gt; 1 costs the kernel a fixed ~15 ms on the build machine whatever the repeat
 * (most likely switching the XDP dispatcher to the program and back; inferred, not traced), so the kernel needs a repeat of
 * about 10^6 before the runs dominate; {@code benchmarks/run-all} runs the kernel with that. The tear-down prints the
 * runtime's own per-run time of the last call (the kernel's {@code duration}; the VM's, its whole loop over {@code repeat},
 * restoring the context between runs included, divided by {@code repeat}, as the kernel times its loop).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class TestRunBenchmark {
    @Param({"KERNEL", "JIT", "INTERPRETER"})
    public String runtime;

    @Param({"hello", "packet_filter", "checksum", "parser", "hash_counter"})
    public String program;

    @Param({"1000"})
    public int repeat;

    /** Where maps pinned by name (packet_filter's {@code verdicts}) go: a directory of this run, removed after it. */
    private Path pinRoot;
    private BpfObject obj;
    private BpfProgram prog;
    private TestRun.Input input;
    private TestRun.Result last;

    @Setup
    public void setUp() {
        RuntimeKind kind = runtime.equals("KERNEL") ? RuntimeKind.KERNEL : RuntimeKind.FALLBACK;
        if (kind == RuntimeKind.FALLBACK) {
            System.setProperty(Engine.PROPERTY, runtime.toLowerCase(java.util.Locale.ROOT));
        }
        Path path = switch (program) {
            case "hello" -> BenchFiles.root().resolve("examples/hello.bpf.o");
            case "packet_filter" -> BenchFiles.root().resolve("examples/packet_filter.bpf.o");
            case "checksum" -> BenchFiles.cObject("checksum.bpf.o");
            default -> BenchFiles.benchObject();
        };
        LoadOptions options = LoadOptions.defaults().withRuntime(kind);
        if (kind == RuntimeKind.KERNEL) {
            pinRoot = LoadOptions.DEFAULT_PIN_ROOT.resolve("ebpf4j-bench-" + ProcessHandle.current().pid());
            try {
                Files.createDirectories(pinRoot);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            options = options.withPinRoot(pinRoot);
        }
        obj = BpfObject.open(path).load(options);
        byte[] packet = switch (program) {
            case "packet_filter" -> FallbackVmBenchmark.udp(80, 64);
            case "checksum" -> FallbackVmBenchmark.udp(9, 1500 - 42);
            default -> FallbackVmBenchmark.udp(9, 64);
        };
        String name = program.equals("packet_filter") ? "filter_udp_ports" : program;
        if (program.equals("packet_filter")) {
            obj.map("blocked_ports").update(new byte[] {0, 53}, new byte[8]);
        }
        prog = obj.program(name);
        input = TestRun.Input.of(packet).withRepeat(repeat);
        TestRun.Result r = prog.testRun(input);
        System.out.println("# " + program + " on " + runtime + ": retval " + r.retval() + ", " + r.durationNanos()
                + " ns per run as the runtime measures it");
    }

    @Benchmark
    public long testRun() {
        last = prog.testRun(input);
        return last.retval();
    }

    @TearDown
    public void tearDown() {
        if (last != null) {
            System.out.println("# " + program + " on " + runtime + ", repeat " + repeat + ": " + last.durationNanos()
                    + " ns per run as the runtime measures it (last call)");
        }
        obj.close();
        System.clearProperty(Engine.PROPERTY);
        BenchFiles.deleteTree(pinRoot);
    }
}
