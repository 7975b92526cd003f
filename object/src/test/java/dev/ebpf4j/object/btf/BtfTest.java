package dev.ebpf4j.object.btf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.testing.TestObjects;

/** The Btf API: lookups, sizes, resolution, descriptions, encoding; checked against bpftool and invariants. */
class BtfTest {
    static final Path VMLINUX = BtfDumpTest.VMLINUX;
    private static final Pattern DUMP_HEAD = Pattern.compile("^\\[(\\d+)] (\\w+) '([^']*)'");

    static Stream<Path> objects() {
        return TestObjects.exampleObjects().stream();
    }

    static Btf vmlinux() throws Exception {
        TestObjects.skipUnless(Files.isReadable(VMLINUX), VMLINUX + " is not readable");
        return Btf.parse(Files.readAllBytes(VMLINUX));
    }

    @Test
    void kindNumbersMatchKernelHeader() throws Exception {
        Path h = Path.of("/usr/include/linux/btf.h");
        TestObjects.skipUnless(Files.isReadable(h), h + " is not installed");
        Matcher m = Pattern.compile("BTF_KIND_(\\w+)\\s*=\\s*(\\d+)").matcher(Files.readString(h));
        int seen = 0;
        while (m.find()) {
            String name = m.group(1);
            if (name.equals("UNKN") || name.equals("MAX")) {
                continue;
            }
            assertEquals(Integer.parseInt(m.group(2)), BtfKind.valueOf(name).number(), name);
            assertEquals(name, BtfKind.valueOf(name).label());
            seen++;
        }
        assertEquals(BtfKind.values().length - 1, seen);
    }

    @Test
    void coreKindNumbersMatchKernelHeader() throws Exception {
        Path h = Path.of("/usr/include/linux/bpf.h");
        TestObjects.skipUnless(Files.isReadable(h), h + " is not installed");
        Matcher m = Pattern.compile("BPF_CORE_(\\w+)\\s*=\\s*(\\d+)").matcher(Files.readString(h));
        int seen = 0;
        while (m.find()) {
            assertEquals(Integer.parseInt(m.group(2)), CoreRelocationKind.valueOf(m.group(1)).number(), m.group(1));
            seen++;
        }
        assertEquals(CoreRelocationKind.values().length, seen);
    }

    /** Every "[id] KIND 'name'" line of bpftool's dump: kind(id), name(id), findByName(name). */
    static void checkAgainstDump(Btf btf, String dump) {
        Map<String, List<Integer>> byName = new HashMap<>();
        int lines = 0;
        for (String line : dump.lines().toList()) {
            Matcher m = DUMP_HEAD.matcher(line);
            if (!m.find()) {
                continue;
            }
            int id = Integer.parseInt(m.group(1));
            assertEquals(m.group(2), btf.kind(id).label(), "kind of " + id);
            assertEquals(m.group(2), btf.type(id).kind().label(), "record kind of " + id);
            String name = m.group(3).equals("(anon)") ? "" : m.group(3);
            assertEquals(name, btf.name(id));
            if (!name.isEmpty()) {
                byName.computeIfAbsent(name, k -> new ArrayList<>()).add(id);
            }
            lines++;
        }
        assertEquals(btf.typeCount() - 1, lines);
        byName.forEach((name, ids) -> assertEquals(ids, btf.findByName(name), name));
        assertEquals(List.of(), btf.findByName("no such type name in any BTF"));
    }

    @ParameterizedTest
    @MethodSource("objects")
    void lookupsMatchBpftool(Path object) {
        Path bpftool = TestObjects.requireTool("bpftool");
        checkAgainstDump(Btf.parse(Sections.btf(object)),
                TestObjects.run(bpftool.toString(), "btf", "dump", "file", object.toString()));
    }

    @Test
    void vmlinuxLookupsMatchBpftool() throws Exception {
        Btf btf = vmlinux();
        Path bpftool = TestObjects.requireTool("bpftool");
        checkAgainstDump(btf, TestObjects.run(bpftool.toString(), "btf", "dump", "file", VMLINUX.toString()));
        int ts = btf.findId("task_struct", BtfType.Struct.class).orElseThrow();
        assertEquals("struct task_struct", btf.describe(ts));
        assertTrue(btf.members(ts).stream().anyMatch(m -> m.name().equals("real_parent")));
        for (int id : btf.findByName("task_struct", BtfType.Struct.class)) {
            assertTrue(btf.type(id) instanceof BtfType.Struct);
        }
    }

    /** Sizes the compiler or pahole wrote down independently: data section variables and struct layouts. */
    static void checkSizes(Btf btf) {
        int vars = 0;
        int members = 0;
        for (int id = 1; id < btf.typeCount(); id++) {
            BtfType t = btf.type(id);
            if (t instanceof BtfType.Datasec ds) {
                for (BtfType.VarSecinfo v : ds.vars()) {
                    if (btf.type(v.type()) instanceof BtfType.Var) {
                        assertEquals(Integer.toUnsignedLong(v.size()), btf.sizeOf(v.type()), btf.describe(v.type()));
                        vars++;
                    }
                }
            }
            if (t instanceof BtfType.Composite c) {
                for (BtfType.Member m : c.members()) {
                    if (m.isBitfield()) {
                        assertTrue(m.bitOffset() + m.bitfieldSize() <= c.size() * 8L);
                        continue;
                    }
                    assertEquals(0, m.bitOffset() % 8, btf.describe(id) + "." + m.name());
                    assertTrue(m.byteOffset() + btf.sizeOf(m.type()) <= Integer.toUnsignedLong(c.size()),
                            btf.describe(id) + "." + m.name() + " ends beyond the struct");
                    members++;
                }
            }
            int r = btf.resolve(id);
            assertFalse(btf.type(r) instanceof BtfType.Typedef || btf.type(r) instanceof BtfType.Const
                    || btf.type(r) instanceof BtfType.Volatile || btf.type(r) instanceof BtfType.Restrict
                    || btf.type(r) instanceof BtfType.TypeTag);
            if (!(t instanceof BtfType.Reference) || t instanceof BtfType.Ptr) {
                assertEquals(id, r);
            }
            assertFalse(btf.describe(id).isEmpty());
        }
        assertTrue(vars + members > 0);
    }

    @ParameterizedTest
    @MethodSource("objects")
    void sizesAgreeWithCompiler(Path object) {
        checkSizes(Btf.parse(Sections.btf(object)));
    }

    @Test
    void vmlinuxSizesAgreeWithPahole() throws Exception {
        checkSizes(vmlinux());
    }

    @Test
    void parsesReadOnlyElfSectionBuffersWithoutMovingThem() {
        Path object = TestObjects.example("task_info.bpf.o");
        var elf = dev.ebpf4j.object.elf.ElfFile.parse(TestObjects.read(object));
        ByteBuffer btfData = elf.section(".BTF").orElseThrow().data();
        ByteBuffer extData = elf.section(".BTF.ext").orElseThrow().data();
        int btfPos = btfData.position();
        int extPos = extData.position();
        Btf btf = Btf.parse(btfData);
        BtfExt ext = BtfExt.parse(extData, btf);
        assertEquals(btfPos, btfData.position());
        assertEquals(extPos, extData.position());
        assertEquals(Btf.parse(Sections.btf(object)), btf);
        assertEquals(BtfExt.parse(Sections.btfExt(object), btf).coreRelocations(), ext.coreRelocations());
        // a buffer positioned inside a larger one: only position..limit is the blob
        byte[] raw = Sections.btf(object);
        ByteBuffer padded = ByteBuffer.allocate(raw.length + 10);
        padded.position(7);
        padded.put(raw);
        padded.position(7).limit(7 + raw.length);
        assertEquals(btf, Btf.parse(padded));
    }

    @Test
    void helloApi() {
        Btf btf = Btf.parse(Sections.btf(TestObjects.example("hello.bpf.o")));
        int fn = btf.findId("hello", BtfType.Func.class).orElseThrow();
        BtfType.FuncProto proto = btf.type(btf.type(fn, BtfType.Func.class).type(), BtfType.FuncProto.class);
        BtfType.Param ctx = proto.params().getFirst();
        assertEquals("ctx", ctx.name());
        assertEquals("struct xdp_md *", btf.describe(ctx.type()));
        int xdp = btf.findId("xdp_md", BtfType.Struct.class).orElseThrow();
        assertEquals(24, btf.sizeOf(xdp));
        List<String> names = btf.members(xdp).stream().map(BtfType.Member::name).toList();
        assertEquals("data", names.getFirst());
        int u32 = btf.findId("__u32", BtfType.Typedef.class).orElseThrow();
        assertEquals("unsigned int", btf.type(btf.resolve(u32)).name());
        assertEquals(4, btf.sizeOf(u32));
        int lic = btf.findId("LICENSE", BtfType.Var.class).orElseThrow();
        assertEquals("Dual BSD/GPL".length() + 1, btf.sizeOf(lic));
        assertEquals("var LICENSE", btf.describe(lic));
        assertEquals("char[13]", btf.describe(btf.type(lic, BtfType.Var.class).type()));
        assertThrows(BpfFormatException.class, () -> btf.sizeOf(fn));
        assertThrows(BpfFormatException.class, () -> btf.type(btf.typeCount()));
        assertThrows(BpfFormatException.class, () -> btf.type(-1));
        assertThrows(BpfFormatException.class, () -> btf.type(fn, BtfType.Struct.class));
        assertThrows(BpfFormatException.class, () -> btf.members(fn));
        assertEquals("void", btf.describe(0));
        assertEquals(BtfType.Void.INSTANCE, btf.types().getFirst());
        assertEquals(btf.typeCount(), btf.types().size());
        assertEquals(Btf.MAGIC, btf.header().magic());
        assertEquals(Btf.HEADER_SIZE, btf.header().headerLength());
        assertEquals(btf.header().stringLength(), btf.stringSection().remaining());
    }

    @ParameterizedTest
    @MethodSource("objects")
    void encodeIsByteIdenticalAndRoundTrips(Path object) {
        byte[] raw = Sections.btf(object);
        roundTrip(raw);
    }

    @Test
    void vmlinuxEncodeIsByteIdentical() throws Exception {
        TestObjects.skipUnless(Files.isReadable(VMLINUX), VMLINUX + " is not readable");
        roundTrip(Files.readAllBytes(VMLINUX));
    }

    static void roundTrip(byte[] raw) {
        Btf btf = Btf.parse(raw);
        assertArrayEquals(raw, btf.encode());
        Btf again = Btf.parse(btf.encode());
        assertEquals(btf, again);
        assertEquals(btf.types(), again.types());
        byte[] be = btf.encode(ByteOrder.BIG_ENDIAN);
        assertNotEquals(ByteBuffer.wrap(raw), ByteBuffer.wrap(be));
        Btf big = Btf.parse(be);
        assertEquals(ByteOrder.BIG_ENDIAN, big.byteOrder());
        assertEquals(btf.types(), big.types());
        assertEquals(BtfDump.dump(btf), BtfDump.dump(big));
        assertArrayEquals(raw, big.encode(ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void withTypesKeepsStringOffsetsAndAppendsNewNames() {
        Path object = TestObjects.example("hello.bpf.o");
        Btf btf = Btf.parse(Sections.btf(object));
        BtfExt ext = BtfExt.parse(Sections.btfExt(object), btf);
        List<BtfType> types = new ArrayList<>(btf.types().subList(1, btf.typeCount()));
        int bss = btf.findId(".bss", BtfType.Datasec.class).orElseThrow();
        BtfType.Datasec ds = btf.type(bss, BtfType.Datasec.class);
        types.set(bss - 1, new BtfType.Datasec(ds.name(), 4, ds.vars()));
        int counter = btf.findId("counter", BtfType.Var.class).orElseThrow();
        types.set(counter - 1, new BtfType.Var("renamed_counter", 6, BtfLinkage.GLOBAL));
        Btf changed = btf.withTypes(types);
        assertEquals(4, changed.type(bss, BtfType.Datasec.class).size());
        assertEquals("renamed_counter", changed.name(counter));
        assertEquals(List.of(counter), changed.findByName("renamed_counter"));
        BtfExt ext2 = BtfExt.parse(Sections.btfExt(object), changed);
        for (String sec : ext.sections()) {
            assertEquals(ext.lineInfos(sec).stream().map(ext::lineText).toList(),
                    ext2.lineInfos(sec).stream().map(ext2::lineText).toList());
        }
        assertTrue(changed.header().stringLength() > btf.header().stringLength());
        assertThrows(BpfFormatException.class, () -> btf.withTypes(List.of(new BtfType.Ptr(5))));
    }

    @Test
    void allKindsDumpMatchesBpftool(@TempDir Path dir) throws Exception {
        Btf btf = AllKinds.btf();
        assertEquals(AllKinds.types(), btf.types().subList(1, btf.typeCount()));
        Path file = dir.resolve("all.btf");
        Files.write(file, btf.encode());
        Path bpftool = TestObjects.requireTool("bpftool");
        String expected = TestObjects.run(bpftool.toString(), "btf", "dump", "file", file.toString());
        BtfDumpTest.assertSameLines(expected, BtfDump.dump(btf), "all kinds");
        checkAgainstDump(btf, expected);
        checkSizes(btf);
        roundTrip(btf.encode());
    }

    @Test
    void allKindsSemantics() {
        Btf btf = AllKinds.btf();
        int node = btf.findId("node", BtfType.Struct.class).orElseThrow();
        BtfType.Member flags = btf.members(node).get(1);
        assertTrue(flags.isBitfield());
        assertEquals(64, flags.bitOffset());
        assertEquals(3, flags.bitfieldSize());
        assertEquals(8, flags.byteOffset());
        BtfType.FuncProto fp = btf.type(15, BtfType.FuncProto.class);
        assertTrue(fp.variadic());
        assertEquals(1, fp.fixedParams().size());
        assertEquals("int (int, ...)", btf.describe(15));
        assertEquals("void (*)(void)", btf.describe(32));
        assertEquals(8, btf.sizeOf(10));
        assertEquals(11, btf.resolve(28));
        assertEquals(24, btf.sizeOf(29));
        assertEquals("const u64[3]", btf.describe(29));
        assertEquals("__tag(user) int *", btf.describe(22));
        assertEquals(-1L, btf.type(6, BtfType.Enum.class).values().getFirst().value());
        assertEquals(0xffff_fff0L, btf.type(30, BtfType.Enum.class).values().getFirst().value());
        assertEquals(-1L, btf.type(7, BtfType.Enum64.class).values().getFirst().value());
        assertEquals("union later", btf.describe(9));
        assertThrows(BpfFormatException.class, () -> btf.sizeOf(9));
        assertEquals(List.of(18), btf.findByName(".data", BtfType.Datasec.class));
        assertEquals(List.of(), btf.findByName(".data", BtfType.Struct.class));
    }

    @Test
    void splitBtfOnTopOfBase(@TempDir Path dir) throws Exception {
        Btf base = AllKinds.btf();
        int n = base.typeCount();
        Btf split = Btf.of(List.of(
                new BtfType.Struct("node_ext", 24, false, List.of(
                        new BtfType.Member("base", 4, 0, 0), new BtfType.Member("extra", n + 1, 128, 0))),
                new BtfType.Typedef("int", 1),
                new BtfType.Ptr(n)), base);
        assertEquals(n, split.firstTypeId());
        assertEquals(n + 3, split.typeCount());
        assertEquals("node", split.name(4));
        assertEquals(base.type(4), split.type(4));
        assertEquals(24, split.sizeOf(n));
        assertEquals(4, split.sizeOf(n + 1));
        assertEquals("struct node_ext *", split.describe(n + 2));
        assertEquals(List.of(1, n + 1), split.findByName("int"));
        // "int" is already a string of the base: only the new names are appended
        assertEquals("node_ext\0base\0extra\0".length(), split.header().stringLength());
        assertEquals("node_ext", split.string(split.stringBase()));
        Path baseFile = dir.resolve("base.btf");
        Path splitFile = dir.resolve("split.btf");
        Files.write(baseFile, base.encode());
        Files.write(splitFile, split.encode());
        Btf reparsed = Btf.parse(Files.readAllBytes(splitFile), base);
        assertEquals(split.types(), reparsed.types());
        Path bpftool = TestObjects.requireTool("bpftool");
        String expected = TestObjects.run(bpftool.toString(), "btf", "dump", "file", splitFile.toString(), "-B",
                baseFile.toString());
        BtfDumpTest.assertSameLines(expected, BtfDump.dump(split), "split");
        assertThrows(BpfFormatException.class, () -> Btf.parse(split.encode()));
    }
}
