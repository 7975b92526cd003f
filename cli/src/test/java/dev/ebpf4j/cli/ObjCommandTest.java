package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

class ObjCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static String hello() {
        return TestObjects.example("hello.bpf.o").toString();
    }

    @Test
    void showJsonHasTheDocumentedKeys() throws Exception {
        CliRun r = CliRun.of("-j", "obj", "show", hello());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(1, r.out().strip().lines().count(), "-j prints one line");
        JsonNode root = JSON.readTree(r.out());
        assertEquals("Dual BSD/GPL", root.get("license").asText());
        JsonNode prog = root.get("programs").get(0);
        assertEquals("hello", prog.get("name").asText());
        assertEquals("xdp", prog.get("section").asText());
        assertEquals("xdp", prog.get("type").asText());
        String tag = ObjectSpec.open(TestObjects.example("hello.bpf.o")).program("hello").orElseThrow().tag();
        assertEquals(tag, prog.get("tag").asText());
        assertTrue(tag.matches("[0-9a-f]{16}"), tag);
        assertTrue(prog.get("insns").asInt() > 5);
        List<String> maps = new ArrayList<>();
        for (JsonNode m : root.get("maps")) {
            maps.add(m.get("name").asText() + " " + m.get("type").asText() + " " + m.get("key_size").asInt() + " "
                    + m.get("value_size").asInt() + " " + m.get("max_entries").asInt() + " " + m.get("flags").asInt());
        }
        assertEquals(List.of("hello.bss array 4 4 1 1024", "hello.rodata array 4 15 1 1152"), maps);
        assertEquals("counter", root.get("globals").get(0).get("name").asText());
    }

    @Test
    void prettyJsonIsIndentedAndGlobalOptionsWorkAfterTheCommand() throws Exception {
        CliRun r = CliRun.of("obj", "show", hello(), "-p");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().lines().count() > 10, r.out());
        assertEquals("hello", JSON.readTree(r.out()).get("programs").get(0).get("name").asText());
    }

    @Test
    void showTextNamesProgramsMapsAndGlobals() {
        CliRun r = CliRun.of("obj", "show", TestObjects.example("syscall_counter.bpf.o").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("license \"GPL\""), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("\\tcount_syscalls: raw_tracepoint  section raw_tp/sys_enter  insns \\d+"
                + "  tag [0-9a-f]{16}  calls account  maps syscall_counts,syscall_.bss")), r.out());
        assertTrue(r.out().contains("\tsyscall_counts: array  key 4B  value 8B  max_entries 512  flags 0x0"), r.out());
        assertTrue(r.out().contains("\t.bss+0: total_calls  size 8  __u64"), r.out());
    }

    @Test
    void corruptObjectIsOneErrorLineSayingWhere(@TempDir Path dir) throws Exception {
        byte[] bytes = TestObjects.read(TestObjects.example("hello.bpf.o"));
        Path cut = dir.resolve("cut.bpf.o");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        CliRun r = CliRun.of("obj", "show", cut.toString());
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().startsWith("Error: "), r.err());
        assertTrue(r.err().contains("outside the file"), r.err());
    }
}
