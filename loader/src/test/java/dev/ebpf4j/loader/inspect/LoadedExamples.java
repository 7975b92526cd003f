package dev.ebpf4j.loader.inspect;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.ebpf4j.object.insn.BpftoolOracle;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Example objects loaded by bpftool into {@code /sys/fs/bpf/ebpf4j-inspect-<pid>-<name>}; {@link #close()} removes
 * the pins, which unloads the programs and their maps.
 */
public final class LoadedExamples implements AutoCloseable {
    public final Map<String, List<BpftoolOracle.Prog>> programs = new LinkedHashMap<>();
    private final List<Path> dirs = new ArrayList<>();

    /** Loads {@code examples/<name>.bpf.o} for each name; skips (fails under EBPF4J_NO_SKIP=1) without root and bpftool. */
    public static LoadedExamples load(String... names) {
        BpftoolOracle.requireKernel();
        LoadedExamples out = new LoadedExamples();
        try {
            for (String name : names) {
                Path dir = BpftoolOracle.BPFFS.resolve("ebpf4j-inspect-" + ProcessHandle.current().pid() + "-" + name);
                out.dirs.add(dir);
                Files.createDirectories(dir);
                List<String> failures = new ArrayList<>();
                List<BpftoolOracle.Prog> progs = BpftoolOracle.loadAll(TestObjects.example(name + ".bpf.o"), dir, failures);
                if (progs.isEmpty()) {
                    throw new IllegalStateException("bpftool could not load " + name + ": " + failures);
                }
                out.programs.put(name, progs);
            }
            return out;
        } catch (IOException e) {
            out.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException | Error e) {
            out.close();
            throw e;
        }
    }

    /** Every loaded program. */
    public List<BpftoolOracle.Prog> all() {
        return programs.values().stream().flatMap(List::stream).toList();
    }

    public BpftoolOracle.Prog program(String name) {
        return all().stream().filter(p -> p.name().equals(name)).findFirst().orElseThrow();
    }

    @Override
    public void close() {
        for (Path dir : dirs) {
            BpftoolOracle.removePins(dir);
        }
    }
}
