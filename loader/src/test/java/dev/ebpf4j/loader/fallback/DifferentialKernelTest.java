package dev.ebpf4j.loader.fallback;

import static dev.ebpf4j.loader.fallback.Packets.u16;
import static dev.ebpf4j.loader.fallback.Packets.u64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.loader.kernel.KernelBackend;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * The same example programs and inputs through the kernel and through the fallback VM give equal return values,
 * data out, context out and map contents. Per-CPU maps are compared by their sum over CPUs (the kernel runs a test
 * on whichever CPU the thread is on). Skipped without a working kernel runtime.
 */
class DifferentialKernelTest {

    /** One run: which program, what input. */
    record Run(String program, TestRun.Input input) {
    }

    /** What a runtime gave back for a list of runs, then the maps. */
    record Outcome(List<String> runs, Map<String, String> maps) {
    }

    private static Outcome outcome(RuntimeKind kind, String example, Consumer<BpfObject> setup, List<Run> runs) {
        ObjectSpec spec = ObjectSpec.open(TestObjects.example(example));
        Path pins = null;
        LoadOptions options = LoadOptions.defaults().withRuntime(kind);
        if (kind == RuntimeKind.KERNEL) {
            pins = pinDir(spec.name());
            options = options.withPinRoot(pins);
        }
        try (BpfObject obj = BpfObject.of(spec).load(options)) {
            assertEquals(kind, obj.runtime().kind());
            setup.accept(obj);
            List<String> results = new ArrayList<>();
            for (Run run : runs) {
                TestRun.Result r = obj.program(run.program()).testRun(run.input());
                results.add(run.program() + " retval " + r.retval() + " data " + hex(r.dataOut()) + " ctx "
                        + (r.contextOut() == null ? "none" : hex(r.contextOut())));
            }
            Map<String, String> maps = new TreeMap<>();
            for (BpfMap m : obj.maps()) {
                maps.put(m.name(), contents(m));
            }
            return new Outcome(results, maps);
        } finally {
            deleteTree(pins);
        }
    }

    /** Every entry, keys sorted; per-CPU values summed as u64 per CPU slot group. */
    private static String contents(BpfMap m) {
        Map<String, String> entries = new TreeMap<>();
        for (byte[] k : m.keys()) {
            byte[] v = m.lookup(k).orElseThrow();
            boolean perCpu = switch (m.spec().type()) {
                case PERCPU_ARRAY, PERCPU_HASH, LRU_PERCPU_HASH -> true;
                default -> false;
            };
            entries.put(hex(k), perCpu ? "sum " + Packets.sumPerCpu(v) + " over " + v.length / 8 + " cpus" : hex(v));
        }
        return entries.toString();
    }

    private static void assertSameOutcome(String example, Consumer<BpfObject> setup, List<Run> runs) {
        TestObjects.skipUnless(new KernelBackend().unavailableReason(ObjectSpec.open(TestObjects.example(example))).isEmpty(),
                "the kernel runtime cannot load " + example + ": "
                        + new KernelBackend().unavailableReason(ObjectSpec.open(TestObjects.example(example))).orElse(""));
        TestObjects.skipUnless(Files.isWritable(Path.of("/sys/fs/bpf")), "needs a writable bpffs at /sys/fs/bpf");
        Outcome kernel = outcome(RuntimeKind.KERNEL, example, setup, runs);
        Outcome fallback = outcome(RuntimeKind.FALLBACK, example, setup, runs);
        assertEquals(kernel.runs().size(), runs.size());
        for (int i = 0; i < runs.size(); i++) {
            assertEquals(kernel.runs().get(i), fallback.runs().get(i), "run " + i + " of " + example);
        }
        assertEquals(kernel.maps(), fallback.maps(), example + " maps after the runs");
    }

    private static TestRun.Input packet(byte[] data) {
        return TestRun.Input.of(data);
    }

    @Test
    void hello() {
        assertSameOutcome("hello.bpf.o", obj -> { }, List.of(
                new Run("hello", packet(Packets.udp(53, 10))),
                new Run("hello", packet(Packets.tcp(80))),
                new Run("hello", packet(Packets.udp(1, 0)).withRepeat(7))));
    }

    @Test
    void packetFilter() {
        List<Run> runs = new ArrayList<>();
        for (byte[] p : List.of(Packets.udp(53, 20), Packets.udp(53, 0), Packets.udp(80, 20), Packets.tcp(53),
                Packets.udp(5353, 3), new byte[60], Packets.udp(9, 1))) {
            runs.add(new Run("filter_udp_ports", packet(p)));
        }
        runs.add(new Run("filter_udp_ports", packet(Packets.udp(53, 5)).withRepeat(5)));
        assertSameOutcome("packet_filter.bpf.o", obj -> {
            obj.map("blocked_ports").update(u16(53), u64(0));
            obj.map("blocked_ports").update(u16(5353), u64(40));
        }, runs);
    }

    @Test
    void globalsClassifyAndKeepLong() {
        byte[] mark = ByteBuffer.allocate(192).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0x55).putInt(48, 9).array();
        assertSameOutcome("globals.bpf.o", obj -> { }, List.of(
                new Run("classify", packet(Packets.udp(1, 0))),
                new Run("classify", packet(Packets.udp(1, 58))),
                new Run("classify", packet(Packets.udp(7, 300)).withContext(mark)),
                new Run("keep_long", packet(Packets.udp(1, 0))),
                new Run("keep_long", packet(Packets.udp(1, 58))),
                new Run("keep_long", packet(Packets.udp(1, 200)).withContext(mark))));
    }

    @Test
    void syscallCounter() {
        List<Run> runs = new ArrayList<>();
        for (long id : new long[] {0, 1, 1, 59, 511, 512 + 59, 1L << 40}) {
            runs.add(new Run("count_syscalls", TestRun.Input.of(null).withContext(Packets.args(0, id))));
        }
        assertSameOutcome("syscall_counter.bpf.o", obj -> { }, runs);
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static Path pinDir(String what) {
        Path dir = Path.of("/sys/fs/bpf", "ebpf4j-test-" + ProcessHandle.current().pid() + "-diff-" + what);
        try {
            deleteTree(dir);
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
