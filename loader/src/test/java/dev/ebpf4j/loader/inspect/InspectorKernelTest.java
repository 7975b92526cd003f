package dev.ebpf4j.loader.inspect;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.loader.UpdateFlag;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.btf.BtfDump;
import dev.ebpf4j.object.insn.BpftoolOracle;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.testing.TestObjects;

/** The inspector against the kernel, with bpftool's view of the same programs and maps as the oracle. */
class InspectorKernelTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static LoadedExamples loaded;
    private final Inspector kernel = new Inspector();

    @BeforeAll
    static void load() {
        loaded = LoadedExamples.load("hello", "syscall_counter", "globals");
    }

    @AfterAll
    static void unload() {
        if (loaded != null) {
            List<Integer> ids = loaded.all().stream().map(BpftoolOracle.Prog::id).toList();
            loaded.close();
            Inspector after = new Inspector();
            for (int id : ids) {
                assertTrue(after.programs().byId(id).isEmpty(), "program " + id + " is still loaded");
            }
        }
    }

    private static JsonNode bpftoolJson(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("bpftool", "-j"));
        cmd.addAll(List.of(args));
        return JSON.readTree(TestObjects.run(cmd.toArray(String[]::new)));
    }

    @Test
    void programInfoEqualsBpftoolsForEveryLoadedProgram() throws Exception {
        for (BpftoolOracle.Prog prog : loaded.all()) {
            JsonNode theirs = bpftoolJson("prog", "show", "id", String.valueOf(prog.id()));
            ProgramInfo ours = kernel.programs().byPinnedPath(prog.pin());
            String where = prog.name();
            assertEquals(theirs.get("id").asInt(), ours.id(), where);
            assertEquals(theirs.get("type").asText(), ours.typeName().orElseThrow(), where);
            assertEquals(theirs.get("name").asText(), ours.name(), where);
            assertEquals(theirs.get("tag").asText(), ours.tag(), where);
            assertEquals(theirs.get("gpl_compatible").asBoolean(), ours.gplCompatible(), where);
            assertEquals(theirs.get("uid").asInt(), ours.uid(), where);
            assertEquals(theirs.get("bytes_xlated").asInt(), ours.bytesXlated(), where);
            assertEquals(theirs.get("jited").asBoolean(), ours.jited(), where);
            assertEquals(theirs.get("bytes_jited").asInt(), ours.bytesJited(), where);
            assertEquals(theirs.get("bytes_memlock").asLong(), ours.bytesMemlock().orElseThrow(), where);
            assertEquals(theirs.get("btf_id").asInt(), ours.btfId(), where);
            List<Integer> theirMaps = new ArrayList<>();
            theirs.get("map_ids").forEach(n -> theirMaps.add(n.asInt()));
            assertEquals(theirMaps, ours.mapIds(), where);
            // bpftool and we each read the two clocks at our own moment: the second may differ at a boundary
            long at = ours.loadedAt().orElseThrow().getEpochSecond();
            assertTrue(Math.abs(theirs.get("loaded_at").asLong() - at) <= 1, where + " loaded_at " + at + " vs " + theirs);
            assertEquals(withoutTime(ours), withoutTime(kernel.programs().byId(prog.id()).orElseThrow()));
        }
    }

    /** The info without the wall-clock time, which two reads may round to different seconds. */
    private static ProgramInfo withoutTime(ProgramInfo p) {
        return new ProgramInfo(p.id(), p.type(), p.name(), p.tag(), p.gplCompatible(), p.loadTimeNs(), Optional.empty(),
                p.uid(), p.bytesXlated(), p.jited(), p.bytesJited(), p.bytesMemlock(), p.mapIds(), p.btfId(), 0, 0,
                p.recursionMisses(), p.verifiedInsns(), p.ifindex(), p.funcInfoCount(), p.lineInfoCount());
    }

    @Test
    void programsAreFoundByIdNameTagAndInTheList() {
        List<ProgramInfo> all = kernel.programs().list();
        for (BpftoolOracle.Prog prog : loaded.all()) {
            assertTrue(all.stream().anyMatch(p -> p.id() == prog.id()), prog.name() + " listed");
            assertEquals(prog.name(), kernel.programs().get(prog.id()).name());
            assertTrue(kernel.programs().byName(prog.name()).stream().anyMatch(p -> p.id() == prog.id()), prog.name());
            assertTrue(kernel.programs().byTag(prog.tag().toUpperCase()).stream().anyMatch(p -> p.id() == prog.id()));
            assertTrue(kernel.programs().byName(prog.name()).stream().allMatch(p -> p.name().equals(prog.name())));
        }
        assertTrue(kernel.programs().byName("no_such_prog_x").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> kernel.programs().byTag("xyz"));
    }

    @Test
    void missingIdsAndPinsAreReported() {
        int unused = Integer.MAX_VALUE - 7;
        assertTrue(kernel.programs().byId(unused).isEmpty());
        assertTrue(kernel.maps().byId(unused).isEmpty());
        assertTrue(kernel.btf().byId(unused).isEmpty());
        assertTrue(kernel.links().byId(unused).isEmpty());
        BpfException e = assertThrows(BpfException.class, () -> kernel.programs().get(unused));
        assertTrue(e.is(Errno.ENOENT), e.getMessage());
        assertTrue(assertThrows(BpfException.class, () -> kernel.maps().dump(unused)).is(Errno.ENOENT));
        assertThrows(BpfException.class, () -> kernel.programs().byPinnedPath(Path.of("/sys/fs/bpf/ebpf4j-inspect-none")));
        // a program pin is not a map
        BpftoolOracle.Prog hello = loaded.program("hello");
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> kernel.maps().byPinnedPath(hello.pin()));
        assertEquals("incorrect object type: prog", wrong.getMessage());
    }

    @Test
    void xlatedInstructionsEqualBpftoolsRawDump() throws Exception {
        for (BpftoolOracle.Prog prog : loaded.all()) {
            ProgramCode code = kernel.programs().code(prog.id());
            assertArrayEquals(BpftoolOracle.xlatedBytes(prog), code.xlated(), prog.name());
            assertEquals(Instructions.decode(code.xlated()), kernel.programs().xlated(prog.id()));
            assertEquals(code.info().bytesXlated(), code.xlated().length);
        }
    }

    @Test
    void jitedImageIsSplitIntoTheFunctionsKallsymsNames() {
        var ksyms = BpftoolOracle.kallsyms();
        for (BpftoolOracle.Prog prog : loaded.all()) {
            ProgramCode code = kernel.programs().jited(prog.id());
            assertEquals(code.info().bytesJited(), code.jited().length, prog.name());
            int total = code.functions().stream().mapToInt(ProgramCode.JitedFunction::length).sum();
            assertEquals(code.jited().length, total, prog.name() + " function lengths cover the image");
            // syscall_counter calls a subprogram: two functions; the others have one
            assertEquals(prog.name().equals("count_syscalls") ? 2 : 1, code.functions().size(), prog.name());
            long first = code.functions().getFirst().address();
            if (first != 0) {
                assertEquals("bpf_prog_" + prog.tag() + "_" + prog.name(), ksyms.get(first), prog.name());
            }
            assertEquals(code.info().funcInfoCount(), code.funcInfo().size());
            assertEquals(0, code.funcInfo().getFirst().insnOff());
        }
    }

    @Test
    void lineInfoCarriesTheSourceText() {
        BpftoolOracle.Prog hello = loaded.program("hello");
        List<ProgramCode.LineInfo> lines = kernel.programs().lineInfo(hello.id());
        assertFalse(lines.isEmpty());
        assertTrue(lines.stream().anyMatch(l -> l.line().contains("bpf_printk(\"Hello World %d\", counter);")), lines.toString());
        assertTrue(lines.stream().allMatch(l -> l.file().endsWith("hello.bpf.c")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.lineNum() == 13), lines.toString());
        assertTrue(lines.stream().allMatch(l -> l.jitedAddress() != 0) || lines.stream().allMatch(l -> l.jitedAddress() == 0));
    }

    @Test
    void mapInfoAndDumpEqualBpftools() throws Exception {
        List<Integer> mapIds = loaded.all().stream()
                .flatMap(p -> kernel.programs().get(p.id()).mapIds().stream()).distinct().toList();
        assertTrue(mapIds.size() >= 8, mapIds.toString());
        for (int id : mapIds) {
            JsonNode theirs = bpftoolJson("map", "show", "id", String.valueOf(id));
            MapInfo ours = kernel.maps().get(id);
            String where = ours.name();
            assertEquals(theirs.get("type").asText(), ours.typeName().orElseThrow(), where);
            assertEquals(theirs.get("name").asText(), ours.name(), where);
            assertEquals(theirs.get("flags").asInt(), ours.flags(), where);
            assertEquals(theirs.get("bytes_key").asInt(), ours.keySize(), where);
            assertEquals(theirs.get("bytes_value").asInt(), ours.valueSize(), where);
            assertEquals(theirs.get("max_entries").asInt(), ours.maxEntries(), where);
            assertEquals(theirs.get("bytes_memlock").asLong(), ours.bytesMemlock().orElseThrow(), where);
            assertEquals(theirs.get("frozen").asInt() != 0, ours.frozen(), where);
            assertEquals(theirs.get("btf_id").asInt(), ours.btfId(), where);
            assertTrue(kernel.maps().byName(ours.name()).contains(ours) || !kernel.maps().byName(ours.name()).isEmpty());

            JsonNode dump = bpftoolJson("map", "dump", "id", String.valueOf(id));
            List<MapEntry> entries = kernel.maps().dump(id);
            assertEquals(dump.size(), entries.size(), where);
            for (int i = 0; i < entries.size(); i++) {
                MapEntry e = entries.get(i);
                assertEquals(dump.get(i).get("key").toString(), JSON.writeValueAsString(hex(e.key())), where);
                assertEquals(dump.get(i).get("value").toString(), JSON.writeValueAsString(hex(e.value())), where);
                JsonNode formatted = dump.get(i).get("formatted");
                assertEquals(formatted != null, e.formatted().isPresent(), where);
                if (formatted != null) {
                    assertEquals(formatted.get("value").toString(),
                            JSON.writeValueAsString(e.formatted().orElseThrow().values().getFirst()), where);
                }
            }
        }
    }

    private static List<String> hex(byte[] bytes) {
        List<String> out = new ArrayList<>();
        for (byte b : bytes) {
            out.add(String.format("0x%02x", b & 0xff));
        }
        return out;
    }

    @Test
    void lookupUpdateAndNextKeyOnAnArrayAgreeWithBpftool() throws Exception {
        int id = kernel.maps().byName("syscall_counts").stream()
                .filter(m -> kernel.programs().get(loaded.program("count_syscalls").id()).mapIds().contains(m.id()))
                .findFirst().orElseThrow().id();
        byte[] key = {7, 0, 0, 0};
        byte[] value = {42, 0, 0, 0, 0, 0, 1, 0};
        kernel.maps().update(id, key, value, UpdateFlag.ANY);
        JsonNode theirs = bpftoolJson("map", "lookup", "id", String.valueOf(id), "key", "7", "0", "0", "0");
        assertEquals(JSON.writeValueAsString(hex(value)), theirs.get("value").toString());
        assertArrayEquals(value, kernel.maps().lookup(id, key).orElseThrow().getFirst());
        assertArrayEquals(new byte[] {0, 0, 0, 0}, kernel.maps().nextKey(id, null).orElseThrow());
        assertArrayEquals(new byte[] {8, 0, 0, 0}, kernel.maps().nextKey(id, key).orElseThrow());
        assertTrue(kernel.maps().nextKey(id, new byte[] {(byte) 0xff, 1, 0, 0}).isEmpty());
        assertTrue(kernel.maps().lookup(id, new byte[] {0, 2, 0, 0}).isEmpty(), "index 512 is out of the array");
        BpfException e = assertThrows(BpfException.class, () -> kernel.maps().delete(id, key));
        assertTrue(e.is(Errno.EINVAL), "arrays refuse deletes: " + e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> kernel.maps().lookup(id, new byte[] {1}));
        assertThrows(BpfException.class, () -> kernel.maps().update(id, key, value, UpdateFlag.NOEXIST));
    }

    @Test
    void deleteOnAHashMapOfOurOwn() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
        try (Fd map = Bpf.mapCreate(MapType.HASH.value(), 4, 8, 16, 0, "ebpf4j_insp")) {
            int id = Maps.info(map).id();
            byte[] key = {1, 2, 3, 4};
            assertFalse(kernel.maps().delete(id, key));
            kernel.maps().update(id, key, new byte[8], UpdateFlag.NOEXIST);
            assertEquals(1, kernel.maps().dump(id).size());
            assertTrue(kernel.maps().dump(id).getFirst().formatted().isEmpty(), "no BTF, nothing formatted");
            assertTrue(kernel.maps().delete(id, key));
            assertTrue(kernel.maps().dump(id).isEmpty());
            assertEquals("ebpf4j_insp", kernel.maps().get(id).name());
        }
    }

    @Test
    void btfObjectsAreListedAndParse() throws Exception {
        int btfId = kernel.programs().get(loaded.program("hello").id()).btfId();
        BtfInfo info = kernel.btf().byId(btfId).orElseThrow();
        assertFalse(info.kernel());
        assertEquals(info.size(), kernel.btf().raw(btfId).length);
        assertTrue(kernel.btf().list().contains(info));
        String theirs = TestObjects.run("bpftool", "btf", "dump", "id", String.valueOf(btfId));
        assertEquals(theirs, BtfDump.dump(kernel.btf().load(btfId)));
        BtfInfo vmlinux = kernel.btf().list().getFirst();
        assertTrue(vmlinux.kernel());
        assertEquals("vmlinux", vmlinux.name());
        // a module's BTF is split BTF on top of vmlinux
        Optional<BtfInfo> module = kernel.btf().list().stream().filter(b -> b.kernel() && !b.name().equals("vmlinux")).findFirst();
        if (module.isPresent()) {
            int m = module.get().id();
            assertEquals(TestObjects.run("bpftool", "btf", "dump", "id", String.valueOf(m)), BtfDump.dump(kernel.btf().load(m)));
        }
    }

    private static long openFds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    @Test
    void thousandsOfLookUpsLeaveNoDescriptorOpen() throws Exception {
        BpftoolOracle.Prog prog = loaded.program("count_syscalls");
        int mapId = kernel.programs().get(prog.id()).mapIds().getFirst();
        // warm up: class loading and the JIT may open files of their own
        kernel.programs().code(prog.id());
        kernel.maps().dump(mapId);
        long before = openFds();
        for (int i = 0; i < 1000; i++) {
            kernel.programs().byId(prog.id()).orElseThrow();
            kernel.maps().byId(mapId).orElseThrow();
            kernel.maps().lookup(mapId, new byte[4]);
            kernel.programs().byId(Integer.MAX_VALUE - 7);
            if (i % 50 == 0) {
                kernel.programs().code(prog.id());
                kernel.maps().dump(mapId);
                kernel.programs().byPinnedPath(prog.pin());
                kernel.btf().list();
                kernel.links().list();
            }
        }
        assertEquals(before, openFds(), "descriptors left open");
    }

    @Test
    void tagsAreHexOfTheRightLength() {
        for (ProgramInfo p : kernel.programs().list()) {
            assertEquals(8, HexFormat.of().parseHex(p.tag()).length, p.toString());
        }
    }
}
