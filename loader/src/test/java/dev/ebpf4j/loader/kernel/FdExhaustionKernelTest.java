package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.MapInfo;
import dev.ebpf4j.loader.inspect.ProgramInfo;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * RLIMIT_NOFILE fault injection: in a child JVM started under {@code prlimit --nofile=512:512} (the test JVM's own
 * limit is never touched), descriptors are used up with {@code /dev/null} channels until none, one, two, ... are
 * left, and an example object is loaded each time, until the load succeeds. So the load runs out at every point in
 * turn: the BTF, each map (created or opened from its pin), each program, with everything before it already made.
 * After every step: the exception names what failed and EMFILE, the process holds the BPF descriptors it held
 * before, and the kernel lists no map or program of the object that was not there before.
 */
class FdExhaustionKernelTest {
    static final int LIMIT = 512;

    /** In the child: one line per step, {@code STEP object k outcome | message}, then {@code LEAK ...} lines if any. */
    public static void main(String[] args) throws Exception {
        preloadClasses();
        Path pins = KernelTests.pinDir("nofile");
        try {
            for (String name : args) {
                sweep(ObjectSpec.open(TestObjects.example(name)), pins);
            }
        } finally {
            KernelTests.deleteTree(pins);
        }
        System.out.println("DONE");
    }

    private static void sweep(ObjectSpec spec, Path pins) throws Exception {
        // once in full first, so that classes, probes and caches the loader fills lazily do not count
        BpfObject.of(spec).load(KernelTests.kernel(pins)).close();
        Set<String> ours = new HashSet<>();
        spec.maps().stream().map(MapSpec::name).map(FdExhaustionKernelTest::kernelName).forEach(ours::add);
        spec.programs().stream().map(ProgramSpec::name).map(FdExhaustionKernelTest::kernelName).forEach(ours::add);
        Inspector inspector = new Inspector();
        long limit = softLimit();
        // from "fewer than none" (the count can be off by a descriptor the JVM holds for a moment) up to a full load
        for (int free = -2; free < 64; free++) {
            Set<Integer> mapsBefore = new HashSet<>(inspector.maps().ids());
            Set<Integer> progsBefore = new HashSet<>(inspector.programs().ids());
            int fdsBefore = KernelTests.openFds();
            long inUse = allFds();
            List<FileChannel> filler = new ArrayList<>();
            String outcome;
            try {
                try {
                    for (long i = inUse; i < limit - free; i++) {
                        filler.add(FileChannel.open(Path.of("/dev/null")));
                    }
                } catch (IOException full) {
                    // no descriptor left at all: the load gets none
                }
                try (BpfObject obj = BpfObject.of(spec).load(KernelTests.kernel(pins))) {
                    outcome = "loaded " + obj.maps().size() + " maps, " + obj.programs().size() + " programs";
                }
            } catch (RuntimeException e) {
                outcome = "failed " + e.getClass().getSimpleName() + " | " + e.getMessage().lines().findFirst().orElse("");
            } finally {
                for (FileChannel c : filler) {
                    c.close();
                }
            }
            System.out.println("STEP " + spec.name() + " " + (free + 2) + " " + outcome);
            if (KernelTests.openFds() != fdsBefore) {
                System.out.println("LEAK fds " + fdsBefore + " -> " + KernelTests.openFds() + " after step " + (free + 2));
            }
            // the kernel frees maps and programs after an RCU grace period: give it a few seconds
            List<String> left = List.of();
            for (int attempt = 0; attempt < 50; attempt++) {
                left = new ArrayList<>();
                for (int id : inspector.maps().ids()) {
                    if (!mapsBefore.contains(id)) {
                        String n = inspector.maps().byId(id).map(MapInfo::name).orElse("");
                        if (ours.contains(n)) {
                            left.add("map " + id + " " + n);
                        }
                    }
                }
                for (int id : inspector.programs().ids()) {
                    if (!progsBefore.contains(id)) {
                        String n = inspector.programs().list().stream().filter(p -> p.id() == id).map(ProgramInfo::name)
                                .findFirst().orElse("");
                        if (ours.contains(n)) {
                            left.add("prog " + id + " " + n);
                        }
                    }
                }
                if (left.isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            if (!left.isEmpty()) {
                System.out.println("LEAK kernel " + left + " after step " + (free + 2));
            }
            if (outcome.startsWith("loaded")) {
                return;
            }
        }
        System.out.println("LEAK never loaded " + spec.name());
    }

    /**
     * Loads every ebpf4j class found in a directory of the class path. A class read from a directory needs a
     * descriptor while it loads, so an error path's class loaded for the first time with no descriptor left would
     * fail as NoClassDefFoundError (from a jar, as in an application, classes need none: the jar is open already).
     */
    private static void preloadClasses() throws IOException {
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path root = Path.of(entry);
            if (!Files.isDirectory(root.resolve("dev/ebpf4j"))) {
                continue;
            }
            try (Stream<Path> s = Files.walk(root.resolve("dev/ebpf4j"))) {
                for (Path c : s.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String name = root.relativize(c).toString().replace('/', '.').replaceFirst("\\.class$", "");
                    try {
                        Class.forName(name, false, FdExhaustionKernelTest.class.getClassLoader());
                    } catch (ClassNotFoundException | LinkageError e) {
                        // a test class whose dependencies are not on this class path: not needed here
                    }
                }
            }
        }
    }

    /** The kernel's name for a map or program: BPF_OBJ_NAME_LEN - 1 characters. */
    private static String kernelName(String name) {
        return name.length() > 15 ? name.substring(0, 15) : name;
    }

    private static long softLimit() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
            if (line.startsWith("Max open files")) {
                return Long.parseLong(line.substring("Max open files".length()).trim().split("\\s+")[0]);
            }
        }
        throw new IllegalStateException("no 'Max open files' in /proc/self/limits");
    }

    /** Every open descriptor, not counting the one listing them. */
    private static long allFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void runningOutOfDescriptorsHalfWayLeavesNothingBehind() throws Exception {
        KernelTests.requireKernel();
        Path prlimit = TestObjects.requireTool("prlimit");
        String java = ProcessHandle.current().info().command().orElseThrow();
        List<String> objects = List.of("globals.bpf.o", "packet_filter.bpf.o", "legacy_maps.bpf.o");
        List<String> command = new ArrayList<>(List.of(prlimit.toString(), "--nofile=" + LIMIT + ":" + LIMIT, "--", java,
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                FdExhaustionKernelTest.class.getName()));
        command.addAll(objects);
        String out = TestObjects.run(command.toArray(String[]::new));
        System.out.println(out);
        assertTrue(out.contains("DONE"), out);
        assertEquals(List.of(), out.lines().filter(l -> l.startsWith("LEAK")).toList(), out);
        List<String> steps = out.lines().filter(l -> l.startsWith("STEP ")).toList();
        for (String o : objects) {
            String name = o.substring(0, o.indexOf('.'));
            ObjectSpec spec = ObjectSpec.open(TestObjects.example(o));
            List<String> mine = steps.stream().filter(l -> l.startsWith("STEP " + name + " ")).toList();
            assertTrue(mine.getLast().contains(" loaded "), mine.getLast());
            for (String step : mine.subList(0, mine.size() - 1)) {
                // what failed, in the kernel's words: the errno, and the map, program or BTF it failed on
                assertTrue(step.contains("EMFILE"), step);
                assertTrue(step.contains(": creating map '") || step.contains(": map '") || step.contains("program '")
                        || step.contains("the object's BTF"), step);
            }
            assertTrue(mine.getFirst().contains("loading the object's BTF failed: BPF_BTF_LOAD: EMFILE"), mine.getFirst());
            // every map and every program was the one to fail at some step: the load failed at each point half way
            for (MapSpec m : spec.maps()) {
                assertTrue(mine.stream().anyMatch(l -> l.contains("map '" + m.name() + "'")), m.name() + " in " + mine);
            }
            for (ProgramSpec p : spec.programs()) {
                assertTrue(mine.stream().anyMatch(l -> l.contains("program '" + p.name() + "'")), p.name() + " in " + mine);
            }
        }
    }
}
