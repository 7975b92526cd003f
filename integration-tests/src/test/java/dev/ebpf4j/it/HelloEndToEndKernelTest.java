package dev.ebpf4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.loader.kernel.KernelMap;
import dev.ebpf4j.loader.kernel.KernelProgram;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * End to end through the public API with bpftool as the oracle: hello.bpf.o loaded by ebpf4j into the kernel is
 * the program and the maps bpftool sees, and the counter read through the mapping is the one bpftool dumps.
 */
class HelloEndToEndKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path BPFFS = Path.of("/sys/fs/bpf");

    @Test
    void helloAsBpftoolSeesIt() throws Exception {
        String bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless(Files.isWritable(BPFFS) && "root".equals(System.getProperty("user.name")),
                "needs root and bpffs at /sys/fs/bpf");
        ObjectSpec spec = ObjectSpec.open(TestObjects.example("hello.bpf.o"));
        Path pins = BPFFS.resolve("ebpf4j-test-" + ProcessHandle.current().pid() + "-it-hello");
        Files.createDirectories(pins);
        try (BpfObject obj = BpfObject.of(spec).load(LoadOptions.defaults().withRuntime(RuntimeKind.AUTO).withPinRoot(pins))) {
            assertEquals(RuntimeKind.KERNEL, obj.runtime().kind(), "AUTO chooses the kernel as root: " + obj.runtime());
            assertEquals(0, obj.globals(".bss").getInt("counter"));
            TestRun.Result r = obj.program("hello").testRun(TestRun.Input.of(new byte[64]).withRepeat(5));
            assertEquals(2, r.retval(), "XDP_PASS");
            assertEquals(5, obj.globals(".bss").getInt("counter"), "read through the mapping");

            KernelProgram hello = (KernelProgram) obj.program("hello");
            JsonNode prog = JSON.readTree(TestObjects.run(bpftool, "-j", "prog", "show", "id", String.valueOf(hello.id())));
            assertEquals(spec.program("hello").orElseThrow().tag(), prog.get("tag").asText());
            assertEquals(hello.tag(), prog.get("tag").asText());
            assertEquals("hello", prog.get("name").asText());
            assertEquals("xdp", prog.get("type").asText());
            assertTrue(prog.has("btf_id"), "loaded with BTF: " + prog);
            Map<String, Integer> mapsByName = new HashMap<>();
            for (JsonNode id : prog.get("map_ids")) {
                JsonNode map = JSON.readTree(TestObjects.run(bpftool, "-j", "map", "show", "id", id.asText()));
                mapsByName.put(map.get("name").asText(), id.asInt());
            }
            BpfMap bss = obj.map(".bss");
            BpfMap rodata = obj.map(".rodata");
            assertEquals(Map.of("hello.bss", ((KernelMap) bss).id(), "hello.rodata", ((KernelMap) rodata).id()), mapsByName);

            JsonNode dump = JSON.readTree(TestObjects.run(bpftool, "-j", "map", "dump", "id", String.valueOf(((KernelMap) bss).id())));
            assertEquals(1, dump.size());
            assertEquals(5, dump.get(0).get("formatted").get("value").get(".bss").get(0).get("counter").asInt(), dump.toString());
            JsonNode ro = JSON.readTree(TestObjects.run(bpftool, "-j", "map", "show", "id", String.valueOf(((KernelMap) rodata).id())));
            assertTrue(ro.path("frozen").asInt() == 1 || ro.path("frozen").asBoolean(), "rodata is frozen: " + ro);
        } finally {
            deleteTree(pins);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
