package dev.ebpf4j.loader.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.object.insn.BpftoolOracle;
import dev.ebpf4j.object.testing.TestObjects;

/** Pinned paths (bpftool -f) and descriptor holders (bpftool's pids) of objects bpftool loaded and pinned. */
class ReferencesKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LoadedExamples loaded;

    @BeforeAll
    static void load() {
        loaded = LoadedExamples.load("hello", "globals");
    }

    @AfterAll
    static void unload() {
        if (loaded != null) {
            loaded.close();
        }
    }

    @Test
    void pinnedPathsEqualBpftoolsForEveryProgramAndMap() throws Exception {
        Inspector kernel = new Inspector();
        Map<Integer, List<Path>> progs = kernel.pinnedPaths(ObjectKind.PROG);
        Map<Integer, List<Path>> maps = kernel.pinnedPaths(ObjectKind.MAP);
        for (BpftoolOracle.Prog prog : loaded.all()) {
            assertEquals(bpftoolPinned("prog", prog.id()), strings(progs.get(prog.id())), prog.name());
            assertTrue(progs.get(prog.id()).contains(prog.pin()), progs + " lacks " + prog.pin());
            for (int mapId : kernel.programs().get(prog.id()).mapIds()) {
                assertEquals(bpftoolPinned("map", mapId), strings(maps.getOrDefault(mapId, List.of())), "map " + mapId);
            }
        }
    }

    @Test
    void aProcessHoldingADescriptorIsListedOnceWithItsComm() {
        BpftoolOracle.Prog prog = loaded.program("hello");
        long self = ProcessHandle.current().pid();
        try (Fd first = Bpf.objGet(prog.pin().toString()); Fd second = Bpf.objGet(prog.pin().toString())) {
            List<Holder> holders = References.holders(ObjectKind.PROG, -1).getOrDefault(prog.id(), List.of());
            List<Holder> ours = holders.stream().filter(h -> h.pid() == self).toList();
            assertEquals(1, ours.size(), holders.toString());
            assertEquals(new String(TestObjects.read(Path.of("/proc/self/comm"))).strip(), ours.getFirst().comm());
            assertFalse(new Inspector().holders(ObjectKind.PROG).getOrDefault(prog.id(), List.of()).stream()
                    .anyMatch(h -> h.pid() == self), "the inspecting process lists itself");
        }
        assertFalse(References.holders(ObjectKind.PROG, -1).getOrDefault(prog.id(), List.of()).stream()
                .anyMatch(h -> h.pid() == self), "still listed after closing its descriptors");
    }

    @Test
    void mountsTableFindsBpffsAndUnescapesPaths() {
        assertEquals(List.of(Path.of("/sys/fs/bpf"), Path.of("/run/my bpf")), References.bpffsMounts(List.of(
                "sysfs /sys sysfs rw,nosuid 0 0",
                "bpf /sys/fs/bpf bpf rw,nosuid,nodev,noexec,relatime,mode=700 0 0",
                "none /run/my\\040bpf bpf rw 0 0",
                "bpf /sys/fs/bpf bpf rw 0 0")));
    }

    private static List<String> bpftoolPinned(String kind, int id) throws Exception {
        JsonNode shown = JSON.readTree(TestObjects.run("bpftool", "-j", "-f", kind, "show", "id", String.valueOf(id)));
        List<String> out = new ArrayList<>();
        shown.path("pinned").forEach(p -> out.add(p.asText()));
        return out.stream().sorted().toList();
    }

    private static List<String> strings(List<Path> paths) {
        return paths == null ? List.of() : paths.stream().map(Path::toString).sorted().toList();
    }
}
