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
        assertEquals("Error: unknown command 'ojb'; did you mean 'obj'? (see 'ebpf4j --help')", r.err().strip());
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
        assertEquals("Error: missing command (see 'ebpf4j --help')", r.err().strip());
    }

    @Test
    void unrelatedWordListsTheCommands() {
        CliRun r = CliRun.of("frobnicate");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("unknown command 'frobnicate'; commands: obj"), r.err());
    }

    @Test
    void editDistanceCountsSwapsAsOne() {
        assertEquals(1, Main.editDistance("ojb", "obj"));
        assertEquals(1, Main.editDistance("prgo", "prog"));
        assertEquals(3, Main.editDistance("", "map"));
        assertEquals(0, Main.editDistance("net", "net"));
    }

    @Test
    void commandWordSkipsGlobalOptionsAndTheirValues() {
        assertEquals("prog", Main.commandWord(new String[] {"prog", "list"}));
        assertEquals("map", Main.commandWord(new String[] {"-j", "--runtime", "fallback", "-d", "map", "show"}));
        assertEquals("obj", Main.commandWord(new String[] {"--runtime=kernel", "-jp", "obj", "show", "x.o"}));
        assertEquals(null, Main.commandWord(new String[] {"--help"}));
        assertEquals(null, Main.commandWord(new String[] {"-j"}));
    }

    @Test
    void onlyTheNamedCommandIsRegistered() {
        assertEquals(java.util.Set.of("prog"), Main.commandLine(new String[] {"-j", "prog", "list"}).getSubcommands().keySet());
        assertTrue(Main.commandLine(new String[] {"help", "prog"}).getSubcommands().keySet().containsAll(Main.COMMANDS.keySet()));
        assertTrue(Main.commandLine(new String[] {"completion"}).getSubcommands().keySet().containsAll(Main.COMMANDS.keySet()));
        assertTrue(Main.commandLine(new String[] {"porg"}).getSubcommands().keySet().containsAll(Main.COMMANDS.keySet()));
        assertTrue(Main.commandLine(new String[] {"--version"}).getSubcommands().keySet().containsAll(Main.COMMANDS.keySet()));
    }

    @Test
    void globalOptionsReachACommandRegisteredAlone() {
        CliRun before = CliRun.of("-j", "obj", "show", dev.ebpf4j.object.testing.TestObjects.example("hello.bpf.o").toString());
        CliRun after = CliRun.of("obj", "show", dev.ebpf4j.object.testing.TestObjects.example("hello.bpf.o").toString(), "-j");
        assertEquals(0, before.exitCode(), before.err());
        assertEquals(0, after.exitCode(), after.err());
        assertTrue(before.out().startsWith("{"), before.out());
        assertEquals(before.out(), after.out());
    }

    @Test
    void commandWordsMayBeShortenedAsInBpftool() {
        assertEquals("prog", Main.command("pr"));
        assertEquals("feature", Main.command("feat"));
        assertEquals("btf", Main.command("b"));
        assertEquals(null, Main.command("x"));
        assertEquals(null, Main.command(""));
        String hello = dev.ebpf4j.object.testing.TestObjects.example("hello.bpf.o").toString();
        CliRun shortened = CliRun.of("o", "sh", hello);
        assertEquals(0, shortened.exitCode(), shortened.err());
        assertEquals(CliRun.of("obj", "show", hello).out(), shortened.out());
        CliRun ambiguous = CliRun.of("prog", "lo", hello, "/sys/fs/bpf/x");
        assertEquals(2, ambiguous.exitCode(), ambiguous.out());
        assertTrue(ambiguous.err().startsWith("Error: 'lo' is not unique: it matches 'load', 'loadall'"), ambiguous.err());
    }

    @Test
    void everyCommandsHelpHasAnExample() {
        java.util.List<String> missing = new java.util.ArrayList<>();
        java.util.ArrayDeque<picocli.CommandLine> todo = new java.util.ArrayDeque<>();
        todo.add(Main.commandLine(new String[] {"--help"}));
        while (!todo.isEmpty()) {
            picocli.CommandLine cl = todo.poll();
            if (cl.getCommandName().equals("help")) {
                continue;
            }
            if (!cl.getUsageMessage().contains("Example")) {
                missing.add(cl.getCommandSpec().qualifiedName());
            }
            todo.addAll(new java.util.LinkedHashSet<>(cl.getSubcommands().values()));
        }
        assertEquals(java.util.List.of(), missing);
    }
}
