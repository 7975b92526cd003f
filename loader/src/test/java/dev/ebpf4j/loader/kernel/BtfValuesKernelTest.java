package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfValues;
import dev.ebpf4j.object.testing.TestObjects;

/** Map values formatted from BTF look exactly like bpftool's "formatted" map dump of the same kernel maps. */
class BtfValuesKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void globalDataAndBtfMapsFormatLikeBpftool() throws Exception {
        String bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless(Files.isWritable(Path.of("/sys/fs/bpf")) && "root".equals(System.getProperty("user.name")),
                "needs root and bpffs at /sys/fs/bpf");
        Path dir = Path.of("/sys/fs/bpf/ebpf4j-values-test-" + ProcessHandle.current().pid());
        int compared = 0;
        try {
            for (String name : List.of("globals.bpf.o", "hello.bpf.o", "syscall_counter.bpf.o")) {
                ObjectSpec object = ObjectSpec.open(TestObjects.example(name));
                Btf btf = KernelBtf.prepare(object, KernelBtf.Features.ALL);
                Path objDir = dir.resolve(object.name());
                Files.createDirectories(dir);
                TestObjects.run(bpftool, "prog", "loadall", TestObjects.example(name).toString(), objDir.toString());
                List<Integer> mapIds = new ArrayList<>();
                for (var p : object.programs()) {
                    JSON.readTree(TestObjects.run(bpftool, "-j", "prog", "show", "pinned", objDir.resolve(p.name()).toString()))
                            .get("map_ids").forEach(n -> mapIds.add(n.asInt()));
                }
                for (int id : mapIds.stream().distinct().toList()) {
                    JsonNode info = JSON.readTree(TestObjects.run(bpftool, "-j", "map", "show", "id", String.valueOf(id)));
                    MapSpec spec = object.maps().stream().filter(m -> m.kernelName().equals(info.get("name").asText()))
                            .findFirst().orElseThrow();
                    if (spec.kind() == MapSpec.Kind.BTF) {
                        // give the map an entry so there is something to format
                        TestObjects.run(bpftool, "map", "update", "id", String.valueOf(id), "key", "7", "0", "0", "0",
                                "value", "42", "0", "0", "0", "0", "0", "1", "0");
                    }
                    for (JsonNode entry : JSON.readTree(TestObjects.run(bpftool, "-j", "map", "dump", "id", String.valueOf(id)))) {
                        JsonNode expected = entry.get("formatted");
                        if (spec.btfValueTypeId() == 0 || expected == null) {
                            continue;
                        }
                        Object value = BtfValues.format(btf, spec.btfValueTypeId(), bytes(entry.get("value")));
                        assertEquals(expected.get("value").toString(), JSON.writeValueAsString(value), name + " map " + spec.kernelName());
                        if (spec.btfKeyTypeId() != 0) {
                            Object key = BtfValues.format(btf, spec.btfKeyTypeId(), bytes(entry.get("key")));
                            assertEquals(expected.get("key").toString(), JSON.writeValueAsString(key), name + " map " + spec.kernelName());
                        }
                        compared++;
                    }
                }
            }
        } finally {
            if (Files.exists(dir)) {
                try (Stream<Path> s = Files.walk(dir)) {
                    for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
        assertTrue(compared >= 6, "compared " + compared);
    }

    private static byte[] bytes(JsonNode hexArray) {
        byte[] out = new byte[hexArray.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (byte) Integer.parseInt(hexArray.get(i).asText().substring(2), 16);
        }
        return out;
    }
}
