package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.object.testing.TestObjects;

class BtfCommandTest {

    @Test
    void dumpOfAnObjectEqualsBpftools() {
        String bpftool = TestObjects.requireTool("bpftool").toString();
        for (Path object : TestObjects.exampleObjects()) {
            CliRun r = CliRun.of("btf", "dump", "file", object.toString());
            assertEquals(0, r.exitCode(), r.err());
            assertEquals(TestObjects.run(bpftool, "btf", "dump", "file", object.toString()), r.out(), object.toString());
        }
    }

    @Test
    void dumpOfVmlinuxEqualsBpftools() {
        String bpftool = TestObjects.requireTool("bpftool").toString();
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        TestObjects.skipUnless(Files.isReadable(vmlinux), vmlinux + " is not readable");
        CliRun r = CliRun.of("btf", "dump", "file", vmlinux.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(TestObjects.run(bpftool, "btf", "dump", "file", vmlinux.toString()), r.out());
    }

    @Test
    void jsonListsTypesWithIdsAndKinds() throws Exception {
        CliRun r = CliRun.of("-j", "btf", "dump", "file", TestObjects.example("hello.bpf.o").toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonNode types = new ObjectMapper().readTree(r.out()).get("types");
        assertEquals(1, types.get(0).get("id").asInt());
        assertTrue(types.findValuesAsText("name").contains("hello"));
        assertTrue(types.findValuesAsText("kind").contains("DATASEC"));
    }

    @Test
    void unknownSourceIsAUsageError() {
        CliRun r = CliRun.of("btf", "dump", "map", "3");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown BTF source 'map'"), r.err());
    }
}
