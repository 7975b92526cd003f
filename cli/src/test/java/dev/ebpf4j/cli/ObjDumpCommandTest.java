package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.object.testing.TestObjects;

class ObjDumpCommandTest {

    static List<Path> objects() {
        return TestObjects.exampleObjects();
    }

    /**
     * Without its '; source' lines, our listing is llvm-objdump -d -r's, line for line; the source lines come from
     * BTF.ext rather than DWARF, so they are checked to be lines llvm-objdump -S prints too, in the same order.
     */
    @ParameterizedTest
    @MethodSource("objects")
    void listingEqualsLlvmObjdump(Path object) {
        String objdump = TestObjects.requireTool("llvm-objdump").toString();
        CliRun r = CliRun.of("obj", "dump", object.toString());
        assertEquals(0, r.exitCode(), r.err());
        List<String> ours = r.out().lines().toList();
        assertEquals(TestObjects.run(objdump, "-d", "-r", object.toString()).lines().toList(),
                ours.stream().filter(l -> !l.startsWith("; ")).toList());
        List<String> theirSource = TestObjects.run(objdump, "-d", "-r", "-S", object.toString()).lines()
                .filter(l -> l.startsWith("; ")).toList();
        List<String> ourSource = ours.stream().filter(l -> l.startsWith("; ")).toList();
        assertTrue(ourSource.size() * 10 >= theirSource.size() * 8, "too few source lines: " + ourSource.size()
                + " of " + theirSource.size());
        int at = 0;
        for (String line : ourSource) {
            int found = theirSource.subList(at, theirSource.size()).indexOf(line);
            assertTrue(found >= 0 || isFunctionHeaderLine(line), "source line not printed by llvm-objdump -S at this point: " + line);
            if (found >= 0) {
                at += found + 1;
            }
        }
    }

    /** BTF names a function's first line where DWARF names its opening brace. */
    private static boolean isFunctionHeaderLine(String line) {
        return line.matches("; [^;\\t]*\\w+\\([^;]*\\)\\s*");
    }

    @Test
    void programViewIsLinkedWithSubprogramsAndReferences() {
        CliRun r = CliRun.of("obj", "dump", TestObjects.example("syscall_counter.bpf.o").toString(), "name",
                "count_syscalls", "linum");
        assertEquals(0, r.exitCode(), r.err());
        String out = r.out();
        assertTrue(out.contains("0000000000000000 <count_syscalls>:"), out);
        assertTrue(out.contains("0000000000000048 <account>:"), out);
        assertTrue(out.contains("call\taccount"), out);
        assertTrue(out.contains("map_fd\tsyscall_counts"), out);
        assertTrue(out.contains("map_value\t.bss+0 (total_calls)"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("; \t__u32 key = id & 511; [file:")
                && l.endsWith("syscall_counter.bpf.c line_num:19 line_col:14]")), out);
        // the call now jumps to account: slot 1 + 7 + 1 = 9 = 0x48 / 8
        assertTrue(out.contains("       1:\t85 10 00 00 07 00 00 00\tcall 7"), out);
    }

    @Test
    void jsonHasOneEntryPerInstructionWithSource() throws Exception {
        CliRun r = CliRun.of("-j", "obj", "dump", TestObjects.example("hello.bpf.o").toString(), "name", "hello");
        assertEquals(0, r.exitCode(), r.err());
        JsonNode arr = new ObjectMapper().readTree(r.out());
        List<String> disasm = new ArrayList<>();
        arr.forEach(n -> disasm.add(n.get("disasm").asText()));
        int expected = dev.ebpf4j.object.ObjectSpec.open(TestObjects.example("hello.bpf.o")).program("hello").orElseThrow()
                .linkedInstructions().size();
        assertEquals(expected, disasm.size(), disasm::toString);
        assertEquals(10, expected); // 12 slots, two of them lddw
        assertEquals("exit", disasm.get(disasm.size() - 1));
        assertEquals("hello", arr.get(0).get("func").asText());
        assertTrue(arr.get(0).get("src").asText().contains("bpf_printk"), arr.get(0).toString());
        assertTrue(arr.get(0).get("line_num").asInt() > 0);
    }

    @Test
    void unknownProgramNamesTheOnesThatExist() {
        CliRun r = CliRun.of("obj", "dump", TestObjects.example("globals.bpf.o").toString(), "name", "nope");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().contains("no program named 'nope' (programs: classify, keep_long)"), r.err());
    }

    @Test
    void unknownWordIsAUsageError() {
        CliRun r = CliRun.of("obj", "dump", TestObjects.example("hello.bpf.o").toString(), "sideways");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown word 'sideways'"), r.err());
    }
}
