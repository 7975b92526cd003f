package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.inspect.ProgramCode;
import dev.ebpf4j.loader.inspect.LoadedExamples;
import dev.ebpf4j.object.insn.BpftoolOracle;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * The prog, map and btf words against bpftool 7.x on the same kernel objects: programs and maps loaded by bpftool
 * from the examples, text compared line for line and JSON compared as trees (and {@code -p} as text).
 */
class InspectCommandsKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LOADED_AT = Pattern.compile("loaded_at (\\S+)");
    private static LoadedExamples loaded;

    @BeforeAll
    static void load() {
        loaded = LoadedExamples.load("hello", "syscall_counter", "globals");
    }

    @AfterAll
    static void unload() {
        if (loaded != null) {
            loaded.close();
        }
    }

    private static String bpftool(String... args) {
        List<String> cmd = new ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        return TestObjects.run(cmd.toArray(String[]::new));
    }

    private static String ours(String... args) {
        CliRun r = CliRun.of(args);
        assertEquals(0, r.exitCode(), String.join(" ", args) + ": " + r.err());
        assertEquals("", r.err());
        return r.out();
    }

    /** Text with the loaded_at times taken out (each side reads the clocks at its own moment), checked within 1 s. */
    private static String withoutTimes(String text, List<String> times) {
        Matcher m = LOADED_AT.matcher(text);
        while (m.find()) {
            times.add(m.group(1));
        }
        return LOADED_AT.matcher(text).replaceAll("loaded_at T");
    }

    private static void assertSameShow(String theirs, String ours, String where) {
        List<String> theirTimes = new ArrayList<>();
        List<String> ourTimes = new ArrayList<>();
        assertEquals(withoutTimes(theirs, theirTimes), withoutTimes(ours, ourTimes), where);
        for (int i = 0; i < theirTimes.size(); i++) {
            long a = java.time.OffsetDateTime.parse(theirTimes.get(i), java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx")).toEpochSecond();
            long b = java.time.OffsetDateTime.parse(ourTimes.get(i), java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssxx")).toEpochSecond();
            assertTrue(Math.abs(a - b) <= 1, where + ": " + theirTimes.get(i) + " vs " + ourTimes.get(i));
        }
    }

    /** bpftool's JSON without what changes between two reads: run statistics, pids, and loaded_at (checked within 1 s). */
    private static JsonNode stable(JsonNode node, JsonNode other) {
        JsonNode copy = node.deepCopy();
        if (copy instanceof ObjectNode o) {
            o.remove(List.of("run_time_ns", "run_cnt", "pids"));
            if (o.has("loaded_at")) {
                long a = o.get("loaded_at").asLong();
                long b = other.get("loaded_at").asLong();
                assertTrue(Math.abs(a - b) <= 1, a + " vs " + b);
                o.remove("loaded_at");
            }
        }
        return copy;
    }

    @Test
    void progShowByIdPinnedNameAndTagEqualsBpftool() throws Exception {
        for (BpftoolOracle.Prog p : loaded.all()) {
            String id = String.valueOf(p.id());
            assertSameShow(bpftool("prog", "show", "id", id), ours("prog", "show", "id", id), p.name());
            assertSameShow(bpftool("prog", "show", "pinned", p.pin().toString()), ours("prog", "show", "pinned", p.pin().toString()), p.name());
            assertSameShow(bpftool("prog", "show", "tag", p.tag()), ours("prog", "list", "tag", p.tag()), p.name());
            assertSameShow(bpftool("prog", "show", "name", p.name()), ours("prog", "show", "name", p.name()), p.name());
            assertSameShow(bpftool("-p", "prog", "show", "id", id), ours("-p", "prog", "show", "id", id), p.name() + " -p");
            assertSameShow(bpftool("-f", "prog", "show", "id", id), ours("-f", "prog", "show", "id", id), p.name() + " -f");
            assertSameShow(bpftool("-f", "-p", "prog", "show", "id", id), ours("-f", "-p", "prog", "show", "id", id),
                    p.name() + " -f -p");
            assertTrue(ours("-f", "prog", "show", "id", id).contains("\n\tpinned " + p.pin() + "\n"), p.name());
            JsonNode theirs = JSON.readTree(bpftool("-j", "prog", "show", "id", id));
            JsonNode mine = JSON.readTree(ours("-j", "prog", "show", "id", id));
            assertEquals(stable(theirs, mine), stable(mine, theirs), p.name());
        }
    }

    @Test
    void progListContainsEachProgramsShowText() {
        String all = ours("prog", "list");
        String json = ours("-j", "prog");
        for (BpftoolOracle.Prog p : loaded.all()) {
            String one = ours("prog", "show", "id", String.valueOf(p.id()));
            assertTrue(all.contains(one.substring(0, one.indexOf("loaded_at"))), p.name());
            assertTrue(json.contains("\"id\":" + p.id() + ","), p.name());
        }
    }

    @Test
    void xlatedDumpsEqualBpftools() throws Exception {
        for (BpftoolOracle.Prog p : loaded.all()) {
            String id = String.valueOf(p.id());
            for (String option : List.of("", "linum", "opcodes")) {
                String[] theirArgs = option.isEmpty() ? new String[] {"prog", "dump", "xlated", "id", id}
                        : new String[] {"prog", "dump", "xlated", "id", id, option};
                String where = p.name() + " " + option;
                assertEquals(bpftool(theirArgs), ours(theirArgs), where);
                String[] json = new String[theirArgs.length + 1];
                json[0] = "-j";
                System.arraycopy(theirArgs, 0, json, 1, theirArgs.length);
                assertEquals(JSON.readTree(bpftool(json)), JSON.readTree(ours(json)), where + " -j");
                json[0] = "-p";
                assertEquals(bpftool(json), ours(json), where + " -p");
            }
        }
        // syscall_counter has a BPF-to-BPF call: both functions are introduced by their BTF signatures
        String dump = ours("prog", "dump", "xlated", "pinned", loaded.program("count_syscalls").pin().toString());
        assertTrue(dump.contains("int account(__u64 id):\n"), dump);
    }

    @Test
    void jitedDumpCoversTheImageFunctionByFunction() {
        Inspector kernel = new Inspector();
        Pattern insn = Pattern.compile("^\\s*([0-9a-f]+):\\t(.*)$");
        for (BpftoolOracle.Prog p : loaded.all()) {
            ProgramCode code = kernel.programs().code(p.id());
            JsonNode theirs;
            try {
                theirs = JSON.readTree(bpftool("-j", "prog", "show", "id", String.valueOf(p.id())));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            assertEquals(theirs.get("bytes_jited").asInt(), code.jited().length, p.name());
            String out = ours("prog", "dump", "jited", "id", String.valueOf(p.id()), "opcodes");
            String[] lines = out.split("\n", -1);
            List<Byte> bytes = new ArrayList<>();
            int functions = 0;
            for (int i = 0; i < lines.length; i++) {
                if (lines[i].equals("bpf_prog_" + p.tag() + "_" + p.name() + ":")
                        || lines[i].matches("bpf_prog_[0-9a-f]{16}_\\w+:")) {
                    functions++;
                }
                if (insn.matcher(lines[i]).matches()) {
                    assertTrue(lines[i + 1].startsWith("\t"), "opcodes follow " + lines[i]);
                    for (String b : lines[i + 1].strip().split(" ")) {
                        bytes.add((byte) Integer.parseInt(b, 16));
                    }
                }
            }
            assertEquals(code.functions().size(), functions, p.name() + ": " + out);
            assertTrue(out.startsWith(p.name().equals("count_syscalls") ? "int count_syscalls(" : "int " + p.name() + "("), out);
            byte[] image = code.jited();
            assertEquals(image.length, bytes.size(), p.name() + " every byte of the image is shown once");
            for (int i = 0; i < image.length; i++) {
                assertEquals(image[i], (byte) bytes.get(i), p.name() + " byte " + i);
            }
            if (JitedDump.findObjdump().isPresent()) {
                assertTrue(out.contains("\tpush   %rbp\n"), "disassembled by objdump: " + out);
            }
        }
    }

    @Test
    void mapShowAndDumpEqualBpftoolsForEveryMap() throws Exception {
        Inspector kernel = new Inspector();
        List<Integer> ids = loaded.all().stream().flatMap(p -> kernel.programs().get(p.id()).mapIds().stream()).distinct().toList();
        assertTrue(ids.size() >= 8, ids.toString());
        // one pinned map, so that -f has a pinned path to print (bpftool's loadall pins programs only)
        Path pin = BpftoolOracle.BPFFS.resolve("ebpf4j-inspect-" + ProcessHandle.current().pid() + "-map");
        bpftool("map", "pin", "id", String.valueOf(ids.getFirst()), pin.toString());
        try {
            assertTrue(ours("-f", "map", "show", "id", String.valueOf(ids.getFirst())).contains("\n\tpinned " + pin + "\n"));
            mapsEqualBpftools(ids);
        } finally {
            Files.deleteIfExists(pin);
        }
    }

    private void mapsEqualBpftools(List<Integer> ids) throws Exception {
        for (int mapId : ids) {
            String id = String.valueOf(mapId);
            for (String[] args : List.of(new String[] {"map", "show", "id", id}, new String[] {"map", "dump", "id", id},
                    new String[] {"-p", "map", "show", "id", id}, new String[] {"-p", "map", "dump", "id", id},
                    new String[] {"-f", "map", "show", "id", id}, new String[] {"-f", "-p", "map", "show", "id", id})) {
                assertEquals(bpftool(args), ours(args), String.join(" ", args));
            }
            assertEquals(JSON.readTree(bpftool("-j", "map", "dump", "id", id)), JSON.readTree(ours("-j", "map", "dump", "id", id)));
            assertEquals(JSON.readTree(bpftool("-j", "map", "show", "id", id)), JSON.readTree(ours("-j", "map", "show", "id", id)));
        }
        String list = ours("map", "list");
        for (int mapId : ids) {
            assertTrue(list.contains(bpftool("map", "show", "id", String.valueOf(mapId))), "map list holds map " + mapId);
        }
    }

    @Test
    void mapEditsAgreeWithBpftool() throws Exception {
        Inspector kernel = new Inspector();
        int mapId = kernel.programs().get(loaded.program("count_syscalls").id()).mapIds().stream()
                .filter(m -> kernel.maps().get(m).name().equals("syscall_counts")).findFirst().orElseThrow();
        String id = String.valueOf(mapId);
        ours("map", "update", "id", id, "key", "5", "0", "0", "0", "value", "hex", "2a", "0", "0", "0", "0", "0", "0", "1");
        JsonNode theirs = JSON.readTree(bpftool("-j", "map", "lookup", "id", id, "key", "5", "0", "0", "0"));
        assertEquals("[\"0x2a\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x00\",\"0x01\"]", theirs.get("value").toString());
        bpftool("map", "update", "id", id, "key", "hex", "06", "00", "00", "00", "value", "7", "0", "0", "0", "0", "0", "0", "0", "exist");
        for (String key : List.of("5", "6", "0x7")) {
            String[] lookup = {"map", "lookup", "id", id, "key", key, "0", "0", "0"};
            assertEquals(bpftool(lookup), ours(lookup), String.join(" ", lookup));
            String[] json = {"-j", "map", "lookup", "id", id, "key", key, "0", "0", "0"};
            assertEquals(JSON.readTree(bpftool(json)), JSON.readTree(ours(json)));
            String[] next = {"map", "getnext", "id", id, "key", key, "0", "0", "0"};
            assertEquals(bpftool(next), ours(next));
        }
        assertEquals(bpftool("map", "getnext", "id", id), ours("map", "getnext", "id", id));
        assertEquals(JSON.readTree(bpftool("-j", "map", "getnext", "id", id)), JSON.readTree(ours("-j", "map", "getnext", "id", id)));
        assertEquals("null\n", ours("-j", "map", "update", "id", id, "key", "5", "0", "0", "0", "value", "0", "0", "0", "0", "0", "0", "0", "0"));
        // the same failures, in bpftool's words
        for (String[] args : List.of(new String[] {"map", "delete", "id", id, "key", "5", "0", "0", "0"},
                new String[] {"map", "lookup", "id", id, "key", "5", "0"},
                new String[] {"map", "update", "id", id, "key", "5", "0", "0", "0", "value", "1", "noexist"},
                new String[] {"map", "update", "id", id, "key", "5", "0", "0", "0", "value", "1", "2", "3", "4", "5", "6", "7", "8", "noexist"},
                new String[] {"map", "lookup", "id", id, "key", "5", "x", "0", "0"})) {
            BpftoolOracle.Result r = BpftoolOracle.exec(prepend("bpftool", args));
            CliRun mine = CliRun.of(args);
            assertTrue(r.exitCode() != 0, String.join(" ", args));
            assertEquals(1, mine.exitCode(), String.join(" ", args));
            assertEquals(r.err().strip(), mine.err().strip(), String.join(" ", args));
        }
    }

    private static String[] prepend(String first, String[] rest) {
        String[] out = new String[rest.length + 1];
        out[0] = first;
        System.arraycopy(rest, 0, out, 1, rest.length);
        return out;
    }

    @Test
    void btfShowAndDumpEqualBpftools() throws Exception {
        Inspector kernel = new Inspector();
        List<Integer> btfIds = loaded.all().stream().map(p -> kernel.programs().get(p.id()).btfId()).distinct().toList();
        assertEquals(3, btfIds.size(), btfIds.toString());
        for (int btfId : btfIds) {
            String id = String.valueOf(btfId);
            assertEquals(bpftool("btf", "show", "id", id), ours("btf", "show", "id", id));
            assertEquals(JSON.readTree(bpftool("-j", "btf", "show", "id", id)), JSON.readTree(ours("-j", "btf", "show", "id", id)));
            assertEquals(bpftool("btf", "dump", "id", id), ours("btf", "dump", "id", id));
        }
        // globals' BTF is used by two programs and four maps: their order is bpftool's hash table order
        String globals = ours("btf", "show", "id", String.valueOf(kernel.programs().get(loaded.program("classify").id()).btfId()));
        assertTrue(globals.matches("\\d+: name <anon>  size \\d+B  prog_ids \\d+,\\d+  map_ids \\d+,\\d+,\\d+,\\d+\n"), globals);
        assertEquals(bpftool("btf", "show", "id", "1"), ours("btf", "show", "id", "1"));
        String list = ours("btf", "list");
        assertTrue(list.startsWith("1: name [vmlinux]  size "), list);
    }

    @Test
    void missingObjectsAreReportedAsBpftoolDoes() {
        for (String[] args : List.of(new String[] {"prog", "show", "id", "999999"}, new String[] {"map", "show", "id", "999999"},
                new String[] {"map", "dump", "id", "999999"}, new String[] {"prog", "dump", "xlated", "id", "999999"},
                new String[] {"prog", "show", "pinned", "/sys/fs/bpf/ebpf4j-inspect-none"},
                new String[] {"prog", "show", "id", "12x"}, new String[] {"prog", "show", "tag", "zz"},
                new String[] {"map", "show", "pinned", loaded.program("classify").pin().toString()})) {
            BpftoolOracle.Result r = BpftoolOracle.exec(prepend("bpftool", args));
            CliRun mine = CliRun.of(args);
            assertTrue(r.exitCode() != 0, String.join(" ", args));
            assertEquals(1, mine.exitCode(), String.join(" ", args));
            assertEquals(r.err().strip(), mine.err().strip(), String.join(" ", args));
            assertEquals("", mine.out());
        }
        CliRun none = CliRun.of("prog", "show", "name", "ebpf4j_none");
        assertEquals(1, none.exitCode());
        assertEquals("Error: no program with name ebpf4j_none", none.err().strip());
        CliRun usage = CliRun.of("prog", "show", "id");
        assertEquals(2, usage.exitCode());
        assertFalse(usage.err().isBlank());
    }
}
