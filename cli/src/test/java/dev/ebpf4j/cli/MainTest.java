package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MainTest {

    @Test
    void helpListsTheCommandsAndAnExample() {
        CliRun r = CliRun.of("--help");
        assertEquals(0, r.exitCode());
        assertTrue(r.out().contains("obj"), r.out());
        assertTrue(r.out().contains("Examples:"), r.out());
        CliRun sub = CliRun.of("obj", "show", "--help");
        assertEquals(0, sub.exitCode());
        assertTrue(sub.out().contains("ebpf4j obj show examples/hello.bpf.o"), sub.out());
    }

    @Test
    void misspelledCommandSuggestsTheRightOneOnStderr() {
        CliRun r = CliRun.of("ojb", "show", "x.o");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("obj"), r.err());
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("Error: ")), r.err());
        assertEquals("", r.out());
    }

    @Test
    void missingFileIsOneErrorLine() {
        CliRun r = CliRun.of("obj", "show", "/nonexistent/x.bpf.o");
        assertEquals(1, r.exitCode());
        assertEquals("Error: /nonexistent/x.bpf.o: no such file", r.err().strip());
    }

    @Test
    void noCommandIsAUsageError() {
        CliRun r = CliRun.of();
        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("Error: "), r.err());
    }
}
