package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.testing.TestObjects;

/** prog load / loadall pin what they load; bpftool sees the pins; prog run by pin, id, name compares with bpftool. */
class ProgLoadCommandKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private String bpftool;

    @BeforeEach
    void needs() {
        bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
    }

    private static Path pin(String what) {
        return Path.of("/sys/fs/bpf/ebpf4j-load-test-" + ProcessHandle.current().pid() + "-" + what);
    }

    private JsonNode bpftoolShow(Path pinned) throws IOException {
        return JSON.readTree(TestObjects.run(bpftool, "-j", "prog", "show", "pinned", pinned.toString()));
    }

    private static String offlineTag(String object, String program) {
        ProgramSpec p = ObjectSpec.open(TestObjects.example(object)).program(program).orElseThrow();
        return p.tag();
    }

    @Test
    void loadPinsTheFirstProgramAndPrintsNothing() throws Exception {
        Path pin = pin("hello");
        try {
            CliRun r = CliRun.of("prog", "load", TestObjects.example("hello.bpf.o").toString(), pin.toString());
            assertEquals(0, r.exitCode(), r.err());
            assertEquals("", r.out());
            assertEquals("", r.err());
            JsonNode shown = bpftoolShow(pin);
            assertEquals("hello", shown.get("name").asText());
            assertEquals("xdp", shown.get("type").asText());
            assertEquals(offlineTag("hello.bpf.o", "hello"), shown.get("tag").asText());
            assertTrue(shown.get("map_ids").size() >= 1, "its .bss map lives on with it: " + shown);

            CliRun again = CliRun.of("prog", "load", TestObjects.example("hello.bpf.o").toString(), pin.toString());
            assertEquals(1, again.exitCode(), "the path is taken");
        } finally {
            Files.deleteIfExists(pin);
        }
        assertFalse(Files.exists(pin));
    }

    @Test
    void mapOptionUsesAnExistingMapByNameOrIndex() throws Exception {
        Path first = pin("filter1");
        Path firstMaps = pin("filter1-maps");
        Path second = pin("filter2");
        Path third = pin("filter3");
        String object = TestObjects.example("packet_filter.bpf.o").toString();
        // packet_filter pins its verdicts map by name under the default pin root, as bpftool's load would
        Path verdicts = Path.of("/sys/fs/bpf/verdicts");
        TestObjects.skipUnless(!Files.exists(verdicts), verdicts + " exists already (not ours)");
        try {
            CliRun r = CliRun.of("prog", "load", object, first.toString(), "pinmaps", firstMaps.toString());
            assertEquals(0, r.exitCode(), r.err());
            int blockedId = JSON.readTree(TestObjects.run(bpftool, "-j", "map", "show", "pinned",
                    firstMaps.resolve("blocked_ports").toString())).get("id").asInt();
            int index = ObjectSpec.open(TestObjects.example("packet_filter.bpf.o")).maps().stream()
                    .map(m -> m.name()).toList().indexOf("blocked_ports");

            CliRun byName = CliRun.of("prog", "load", object, second.toString(),
                    "map", "name", "blocked_ports", "pinned", firstMaps.resolve("blocked_ports").toString());
            assertEquals(0, byName.exitCode(), byName.err());
            CliRun byIndex = CliRun.of("prog", "load", object, third.toString(),
                    "map", "idx", String.valueOf(index), "id", String.valueOf(blockedId));
            assertEquals(0, byIndex.exitCode(), byIndex.err());
            for (Path p : new Path[] {first, second, third}) {
                JsonNode ids = bpftoolShow(p).get("map_ids");
                assertTrue(ids.toString().contains(String.valueOf(blockedId)), p + " uses map " + blockedId + ": " + ids);
            }

            CliRun unknown = CliRun.of("prog", "load", object, pin("filter4").toString(), "map", "name", "nope", "id",
                    String.valueOf(blockedId));
            assertEquals(1, unknown.exitCode());
            assertEquals("Error: unable to find map 'nope'", unknown.err().strip());
            CliRun offload = CliRun.of("prog", "load", object, pin("filter4").toString(), "dev", "e4j-none");
            assertEquals(1, offload.exitCode());
            assertTrue(offload.err().contains("offloads the program to a network device's hardware"), offload.err());
            assertFalse(Files.exists(pin("filter4")));
        } finally {
            for (Path p : new Path[] {first, second, third, verdicts}) {
                Files.deleteIfExists(p);
            }
            TestObjects.run("rm", "-rf", firstMaps.toString());
        }
    }

    @Test
    void loadallPinsEveryProgramByName() throws Exception {
        Path dir = pin("globals");
        Path maps = pin("globals-maps");
        try {
            CliRun r = CliRun.of("prog", "loadall", TestObjects.example("globals.bpf.o").toString(), dir.toString(),
                    "pinmaps", maps.toString());
            assertEquals(0, r.exitCode(), r.err());
            assertEquals("", r.out());
            for (ProgramSpec p : ObjectSpec.open(TestObjects.example("globals.bpf.o")).programs()) {
                JsonNode shown = bpftoolShow(dir.resolve(p.name()));
                assertEquals(p.name(), shown.get("name").asText());
                assertEquals(p.tag(), shown.get("tag").asText(), p.name());
            }
            try (var s = Files.list(dir)) {
                assertEquals(ObjectSpec.open(TestObjects.example("globals.bpf.o")).programs().size(), s.count());
            }
            // the same pins as bpftool's loadall, program and map file names alike
            Path theirDir = pin("globals-bpftool");
            Path theirMaps = pin("globals-bpftool-maps");
            try {
                TestObjects.run(bpftool, "prog", "loadall", TestObjects.example("globals.bpf.o").toString(),
                        theirDir.toString(), "pinmaps", theirMaps.toString());
                assertEquals(names(theirDir), names(dir));
                assertEquals(names(theirMaps), names(maps));
            } finally {
                TestObjects.run("rm", "-rf", theirDir.toString(), theirMaps.toString());
            }
            try (var s = Files.list(maps)) {
                for (Path m : s.toList()) {
                    JsonNode map = JSON.readTree(TestObjects.run(bpftool, "-j", "map", "show", "pinned", m.toString()));
                    assertTrue(map.get("id").asInt() > 0, map.toString());
                }
            }
        } finally {
            TestObjects.run("rm", "-rf", dir.toString(), maps.toString());
        }
    }

    @Test
    void typeMustAgreeWithTheSection() throws Exception {
        Path pin = pin("typed");
        try {
            CliRun ok = CliRun.of("prog", "load", TestObjects.example("globals.bpf.o").toString(), pin.toString(),
                    "type", "classifier");
            assertEquals(0, ok.exitCode(), ok.err());
            Files.delete(pin);
            CliRun bad = CliRun.of("prog", "load", TestObjects.example("globals.bpf.o").toString(), pin.toString(),
                    "type", "xdp");
            assertEquals(1, bad.exitCode());
            assertTrue(bad.err().contains("does not match program classify"), bad.err());
            assertFalse(Files.exists(pin));
        } finally {
            Files.deleteIfExists(pin);
        }
    }

    @Test
    void fallbackRuntimeCannotPin() {
        Path pin = pin("fallback");
        CliRun r = CliRun.of("--runtime", "fallback", "prog", "load", TestObjects.example("hello.bpf.o").toString(),
                pin.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("Error: prog load: pinning needs the kernel runtime"), r.err());
        assertFalse(Files.exists(pin));
        CliRun all = CliRun.of("--runtime", "fallback", "prog", "loadall", TestObjects.example("hello.bpf.o").toString(),
                pin.toString());
        assertTrue(all.err().startsWith("Error: prog loadall: pinning needs the kernel runtime"), all.err());
    }

    private static String maskDuration(String s) {
        return s.replaceAll("duration( \\(average\\))?: \\d+ns", "duration$1: Nns").replaceAll("\"duration\":\\d+",
                "\"duration\":0");
    }

    @Test
    void runsAPinnedProgramAsBpftoolDoes() throws Exception {
        Path pin = pin("run");
        Path packet = Files.createTempFile("ebpf4j-packet", ".bin");
        try {
            byte[] bytes = new byte[64];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 7 + 'A');
            }
            Files.write(packet, bytes);
            assertEquals(0, CliRun.of("prog", "load", TestObjects.example("hello.bpf.o").toString(), pin.toString()).exitCode());
            int id = bpftoolShow(pin).get("id").asInt();
            String[][] forms = {{"pinned", pin.toString()}, {"id", String.valueOf(id)}};
            for (String[] form : forms) {
                String[] tail = {"data_in", packet.toString(), "data_out", "-", "repeat", "3"};
                String expected = TestObjects.run(concat(new String[] {bpftool, "prog", "run", form[0], form[1]}, tail));
                CliRun ours = CliRun.of(concat(new String[] {"prog", "run", form[0], form[1]}, tail));
                assertEquals(0, ours.exitCode(), ours.err());
                assertTrue(expected.contains("Return value: 2, duration (average): "), expected);
                assertEquals(maskDuration(expected), maskDuration(ours.out()));

                String expectedJson = TestObjects.run(concat(new String[] {bpftool, "-j", "prog", "run", form[0], form[1]},
                        new String[] {"data_in", packet.toString()}));
                CliRun json = CliRun.of("-j", "prog", "run", form[0], form[1], "data_in", packet.toString());
                assertEquals(JSON.readTree(maskDuration(expectedJson)), JSON.readTree(maskDuration(json.out())));
            }
            // the counter in hello's .bss counted the 2 x (3 + 1) runs of each tool
            CliRun fallback = CliRun.of("--runtime", "fallback", "prog", "run", "pinned", pin.toString(), "data_in",
                    packet.toString());
            assertEquals(1, fallback.exitCode());
            assertTrue(fallback.err().contains("fallback VM cannot reach"), fallback.err());
            CliRun none = CliRun.of("prog", "run", "id", "999999999", "data_in", packet.toString());
            assertEquals(1, none.exitCode());
            assertEquals("Error: get by id (999999999): No such file or directory", none.err().strip());
        } finally {
            Files.deleteIfExists(pin);
            Files.deleteIfExists(packet);
        }
    }

    private static java.util.Set<String> names(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return new java.util.TreeSet<>(s.map(m -> m.getFileName().toString()).toList());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = new String[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
