package dev.ebpf4j.benchmarks;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

import dev.ebpf4j.object.btf.Btf;

/**
 * Parsing the kernel's BTF ({@code /sys/kernel/btf/vmlinux}, about 5 MB and 126k types on 6.18).
 * {@code parse} is what a loader pays to open the blob (validation of every type, string offset,
 * reference and loop, plus the type index); {@code parseAndDecodeAll} also builds the record of
 * every type, the worst case for a caller that walks the whole graph.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class BtfParseBenchmark {
    @Param("/sys/kernel/btf/vmlinux")
    public String path;

    private byte[] blob;

    @Setup
    public void load() throws IOException {
        blob = Files.readAllBytes(Path.of(path));
    }

    @Benchmark
    public Btf parse() {
        return Btf.parse(blob);
    }

    @Benchmark
    public Btf parseAndDecodeAll(Blackhole bh) {
        Btf btf = Btf.parse(blob);
        for (int id = 0, n = btf.typeCount(); id < n; id++) {
            bh.consume(btf.type(id));
        }
        return btf;
    }
}
