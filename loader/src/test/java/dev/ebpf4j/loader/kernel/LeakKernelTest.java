package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

/** Loading and closing an object a thousand times leaves no descriptor, mapping, program or map behind. */
class LeakKernelTest {
    static final int ROUNDS = 1000;

    @Test
    void loadAndCloseHelloAThousandTimes() throws Exception {
        KernelTests.requireKernel();
        String bpftool = TestObjects.requireTool("bpftool").toString();
        ObjectSpec hello = ObjectSpec.open(TestObjects.example("hello.bpf.o"));
        Path pins = KernelTests.pinDir("leak");
        Set<Integer> progIds = new HashSet<>();
        Set<Integer> mapIds = new HashSet<>();
        try {
            // once first, so that lazily loaded classes and probes do not count as leaks
            try (BpfObject warm = BpfObject.of(hello).load(KernelTests.kernel(pins))) {
                warm.program("hello").testRun(TestRun.Input.of(new byte[64]));
            }
            int fdsBefore = KernelTests.openFds();
            long mapsBefore = mappings();
            long start = System.nanoTime();
            for (int i = 0; i < ROUNDS; i++) {
                try (BpfObject obj = BpfObject.of(hello).load(KernelTests.kernel(pins))) {
                    progIds.add(((KernelProgram) obj.program("hello")).id());
                    for (BpfMap m : obj.maps()) {
                        mapIds.add(((KernelMap) m).id());
                    }
                    if (i == 0) {
                        assertTrue(mappings() > mapsBefore, "a loaded hello maps its .bss and .rodata");
                    }
                    if (i % 100 == 0) {
                        obj.program("hello").testRun(TestRun.Input.of(new byte[64]));
                        assertEquals(1, obj.globals(".bss").getInt("counter"));
                    }
                }
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(ROUNDS, progIds.size(), "every load made a new program");
            assertEquals(2 * ROUNDS, mapIds.size());
            assertEquals(fdsBefore, KernelTests.openFds(), "descriptors after " + ROUNDS + " loads");
            assertEquals(mapsBefore, mappings(), "BPF map mappings: " + mapsBefore + " before, " + mappings() + " after");
            // the kernel frees programs and maps after an RCU grace period: wait for it, a few seconds at most
            Set<Integer> liveProgs = Set.of();
            Set<Integer> liveMaps = Set.of();
            for (int attempt = 0; attempt < 50; attempt++) {
                liveProgs = live(bpftool, "prog", progIds);
                liveMaps = live(bpftool, "map", mapIds);
                if (liveProgs.isEmpty() && liveMaps.isEmpty()) {
                    break;
                }
                Thread.sleep(100);
            }
            assertEquals(Set.of(), liveProgs, "programs of ours bpftool still lists");
            assertEquals(Set.of(), liveMaps, "maps of ours bpftool still lists");
            System.out.printf("leak test: %d loads of hello in %d ms (%.2f ms each); fds %d -> %d; mappings %d -> %d%n",
                    ROUNDS, millis, millis / (double) ROUNDS, fdsBefore, KernelTests.openFds(), mapsBefore, mappings());
        } finally {
            KernelTests.deleteTree(pins);
        }
    }

    /** The ids of {@code ids} that {@code bpftool prog|map list} still shows. */
    private static Set<Integer> live(String bpftool, String what, Set<Integer> ids) throws Exception {
        JsonNode list = new ObjectMapper().readTree(TestObjects.run(bpftool, "-j", what, "list"));
        Set<Integer> out = new HashSet<>();
        for (JsonNode n : list) {
            int id = n.get("id").asInt();
            if (ids.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    /** Mappings of BPF maps in this process ({@code anon_inode:bpf-map}); the JVM's own come and go. */
    private static long mappings() throws Exception {
        return java.nio.file.Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("bpf-map")).count();
    }
}
