package dev.ebpf4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * The program tag ebpf4j computes offline equals the tag the kernel computes when libbpf (through bpftool)
 * loads the same object. Objects with CO-RE relocations are left out (their instructions change at load), and so
 * is legacy_maps.bpf.o (libbpf 1.x no longer loads the legacy "maps" section).
 */
class ProgramTagKernelTest {
    private static final Path BPFFS = Path.of("/sys/fs/bpf");

    @ParameterizedTest
    @ValueSource(strings = {"hello.bpf.o", "syscall_counter.bpf.o", "globals.bpf.o", "packet_filter.bpf.o"})
    void offlineTagEqualsKernelTag(String name) throws Exception {
        String bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless(Files.isWritable(BPFFS) && "root".equals(System.getProperty("user.name")),
                "needs root and bpffs at /sys/fs/bpf");
        ObjectSpec object = ObjectSpec.open(TestObjects.example(name));
        // packet_filter pins 'verdicts' by name under /sys/fs/bpf; never touch a pin we did not create.
        List<Path> byNamePins = object.maps().stream().filter(m -> m.pinning() != dev.ebpf4j.object.MapSpec.Pinning.NONE)
                .map(m -> BPFFS.resolve(m.name())).toList();
        for (Path pin : byNamePins) {
            TestObjects.skipUnless(!Files.exists(pin), pin + " already exists; not touching it");
        }
        Path dir = BPFFS.resolve("ebpf4j-tag-test-" + ProcessHandle.current().pid() + "-" + object.name());
        try {
            TestObjects.run(bpftool, "prog", "loadall", TestObjects.example(name).toString(), dir.toString());
            for (ProgramSpec p : object.programs()) {
                String json = TestObjects.run(bpftool, "-j", "prog", "show", "pinned", dir.resolve(p.name()).toString());
                String kernelTag = new ObjectMapper().readTree(json).get("tag").asText();
                assertFalse(kernelTag.isEmpty());
                assertEquals(kernelTag, p.tag(), name + " program " + p.name());
            }
        } finally {
            deleteTree(dir);
            for (Path pin : byNamePins) {
                Files.deleteIfExists(pin);
            }
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
