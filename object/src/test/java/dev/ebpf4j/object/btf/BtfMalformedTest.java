package dev.ebpf4j.object.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.testing.TestObjects;

/** Bad BTF and BTF.ext: always a BpfFormatException that says what and where, never anything else. */
class BtfMalformedTest {

    static Stream<Path> objects() {
        return TestObjects.exampleObjects().stream();
    }

    static BpfFormatException bad(byte[] blob, String... fragments) {
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> Btf.parse(blob));
        for (String f : fragments) {
            assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(f.toLowerCase(Locale.ROOT)),
                    "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
        return e;
    }

    static BpfFormatException badExt(Btf btf, byte[] ext, String... fragments) {
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> BtfExt.parse(ext, btf));
        for (String f : fragments) {
            assertTrue(e.getMessage().toLowerCase(Locale.ROOT).contains(f.toLowerCase(Locale.ROOT)),
                    "message '" + e.getMessage() + "' should mention '" + f + "'");
        }
        return e;
    }

    static byte[] patched(byte[] blob, Consumer<ByteBuffer> patch) {
        byte[] copy = blob.clone();
        patch.accept(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
        return copy;
    }

    /** Encoded size of a type (12-byte header plus its kind's trailing data). */
    static int encodedSize(BtfType t) {
        return 12 + switch (t) {
            case BtfType.Int x -> 4;
            case BtfType.Array x -> 12;
            case BtfType.Composite x -> 12 * x.members().size();
            case BtfType.Enum x -> 8 * x.values().size();
            case BtfType.Enum64 x -> 12 * x.values().size();
            case BtfType.FuncProto x -> 8 * x.params().size();
            case BtfType.Var x -> 4;
            case BtfType.Datasec x -> 12 * x.vars().size();
            case BtfType.DeclTag x -> 4;
            default -> 0;
        };
    }

    /** Byte offset in the blob of type {@code id}. */
    static int offsetOf(Btf btf, int id) {
        int off = btf.header().headerLength() + btf.header().typeOffset();
        for (int i = 1; i < id; i++) {
            off += encodedSize(btf.type(i));
        }
        return off;
    }

    @ParameterizedTest
    @MethodSource("objects")
    void truncatedAtEveryLength(Path object) {
        byte[] raw = Sections.btf(object);
        for (int len = 0; len < raw.length; len++) {
            byte[] cut = Arrays.copyOf(raw, len);
            BpfFormatException e = assertThrows(BpfFormatException.class, () -> Btf.parse(cut), "length " + len);
            assertTrue(e.getMessage().startsWith("BTF"), e.getMessage());
        }
        Btf btf = Btf.parse(raw);
        byte[] ext = Sections.btfExt(object);
        for (int len = 0; len < ext.length; len++) {
            byte[] cut = Arrays.copyOf(ext, len);
            BpfFormatException e = assertThrows(BpfFormatException.class, () -> BtfExt.parse(cut, btf), "length " + len);
            assertTrue(e.getMessage().startsWith("BTF.ext"), e.getMessage());
        }
    }

    @Test
    void headerErrors() {
        byte[] raw = AllKinds.btf().encode();
        bad(patched(raw, b -> b.putShort(0, (short) 0x1234)), "magic", "offset 0");
        bad(patched(raw, b -> b.put(2, (byte) 2)), "version 2");
        bad(patched(raw, b -> b.putInt(4, 8)), "header length 8");
        bad(patched(raw, b -> b.putInt(4, raw.length + 1)), "header length", "past the end");
        bad(patched(raw, b -> b.putInt(12, b.getInt(12) + 4096)), "type section", "past the end");
        bad(patched(raw, b -> b.putInt(20, -1)), "string section", "past the end");
        bad(patched(raw, b -> b.putInt(16, -4)), "string section");
        bad(patched(raw, b -> b.putInt(8, -1)), "type section");
        bad(patched(raw, b -> b.putInt(8, 2)), "aligned");
        bad(patched(raw, b -> b.putInt(12, b.getInt(12) - 2)), "multiple of 4");
        bad(patched(raw, b -> b.putInt(16, b.getInt(16) - 4)), "overlaps");
        bad(patched(raw, b -> b.put(raw.length - 1, (byte) 'x')), "does not end with a NUL");
        bad(patched(raw, b -> b.put(24 + b.getInt(16), (byte) 'x')), "empty string");
        bad(new byte[0], "0 bytes");
    }

    @Test
    void typeErrors() {
        Btf btf = AllKinds.btf();
        byte[] raw = btf.encode();
        int strLen = btf.header().stringLength();
        int structAt = offsetOf(btf, 4);
        int ptrAt = offsetOf(btf, 3);
        bad(patched(raw, b -> b.putInt(structAt, strLen)), "type id 4", "STRUCT", "name offset " + strLen, "string section");
        bad(patched(raw, b -> b.putInt(structAt + 12 + 12, strLen + 100)), "type id 4", "member 1 name");
        bad(patched(raw, b -> b.putInt(ptrAt + 8, btf.typeCount())), "type id 3", "PTR", "refers to type id " + btf.typeCount());
        bad(patched(raw, b -> b.putInt(structAt + 12 + 4, -1)), "type id 4", "member 0 type", "4294967295");
        bad(patched(raw, b -> b.putShort(structAt + 4, (short) 0xffff)), "type id 4", "vlen 65535", "remain");
        bad(patched(raw, b -> b.put(ptrAt + 7, (byte) 20)), "type id 3", "unknown kind 20");
        bad(patched(raw, b -> b.put(ptrAt + 7, (byte) 0)), "type id 3", "unknown kind 0");
        bad(patched(raw, b -> b.put(ptrAt + 7, (byte) 0x82)), "type id 3", "kind_flag");
        bad(patched(raw, b -> b.putShort(ptrAt + 4, (short) 1)), "type id 3", "vlen 1");
        bad(patched(raw, b -> b.put(ptrAt + 6, (byte) 1)), "type id 3", "unused bits");
        bad(patched(raw, b -> b.putInt(offsetOf(btf, 1) + 12, 0x1000_0000)), "type id 1", "int data");
        bad(patched(raw, b -> b.putShort(offsetOf(btf, 16) + 4, (short) 3)), "type id 16", "linkage 3");
        bad(patched(raw, b -> b.putInt(offsetOf(btf, 17) + 12, 7)), "type id 17", "linkage 7");
        bad(patched(raw, b -> b.putInt(offsetOf(btf, 20) + 12, -2)), "type id 20", "component index -2");
        // a type that ends in the middle: the section length cuts the last type short
        bad(patched(raw, b -> {
            b.putInt(12, b.getInt(12) - 4);
            b.putInt(16, b.getInt(16) - 4);
            b.putInt(20, b.getInt(20) + 4);
            b.put(24 + b.getInt(16), (byte) 0);
        }), "type id " + (btf.typeCount() - 1));
    }

    @Test
    void referenceLoops() {
        // PTR -> TYPEDEF -> PTR
        BpfFormatException e = assertThrows(BpfFormatException.class,
                () -> Btf.of(List.of(new BtfType.Ptr(2), new BtfType.Typedef("loop", 1))));
        assertTrue(e.getMessage().contains("loop") && e.getMessage().contains("TYPEDEF 'loop'"), e.getMessage());
        // CONST -> itself
        assertThrows(BpfFormatException.class, () -> Btf.of(List.of(new BtfType.Const("", 1))));
        // array of itself through a volatile
        assertThrows(BpfFormatException.class, () -> Btf.of(List.of(
                new BtfType.Int("int", 4, 1, 0, 32), new BtfType.Array("", 3, 1, 2), new BtfType.Volatile("", 2))));
        // a raw patch in a real object: __u32 made a typedef of itself
        byte[] raw = Sections.btf(TestObjects.example("hello.bpf.o"));
        Btf hello = Btf.parse(raw);
        int u32 = hello.findId("__u32", BtfType.Typedef.class).orElseThrow();
        bad(patched(raw, b -> b.putInt(offsetOf(hello, u32) + 8, u32)), "type id " + u32, "loop", "__u32");
        // but a struct that points to itself is fine
        Btf list = Btf.of(List.of(new BtfType.Struct("list", 8, false, List.of(new BtfType.Member("next", 2, 0, 0))),
                new BtfType.Ptr(1)));
        assertEquals("struct list *", list.describe(2));
        assertEquals(8, list.sizeOf(1));
        // and a prototype taking a pointer to itself only shortens the description
        Btf proto = Btf.of(List.of(new BtfType.FuncProto("", 0, List.of(new BtfType.Param("f", 2))), new BtfType.Ptr(1)));
        assertTrue(proto.describe(1).contains("..."), proto.describe(1));
        // a prototype that is its own return type and its parameters' type branches at every level: the description
        // stops after 128 types instead of naming 2^24 (the CI fuzz run's timeout input took seconds per call)
        Btf branching = Btf.of(List.of(new BtfType.FuncProto("", 1, List.of(new BtfType.Param("a", 1),
                new BtfType.Param("b", 1)))));
        String d = branching.describe(1);
        assertTrue(d.contains("...") && d.length() < 4096, d.length() + " chars: " + d.substring(0, Math.min(200, d.length())));
        BpfFormatException noSize = assertThrows(BpfFormatException.class, () -> branching.sizeOf(1));
        assertTrue(noSize.getMessage().contains("has no size"), noSize.getMessage());
    }

    @Test
    void sizeOverflow() {
        Btf big = Btf.of(List.of(new BtfType.Int("long", 8, 1, 0, 64), new BtfType.Array("", 1, 1, -1),
                new BtfType.Array("", 2, 1, 0x10000)));
        assertThrows(BpfFormatException.class, () -> big.sizeOf(2));
        assertThrows(BpfFormatException.class, () -> big.sizeOf(3));
    }

    // ---------------------------------------------------------------------------------- BTF.ext

    /** A .BTF.ext with the same records as {@code ext}, with {@code extra} padding bytes after each record. */
    static byte[] rewriteExt(BtfExt ext, int extra) {
        Btf btf = ext.btf();
        ByteBuffer out = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        out.position(32);
        int[] bounds = new int[6];
        Map<String, ? extends List<?>>[] subs = new Map[] {ext.funcInfos(), ext.lineInfos(), ext.coreRelocations()};
        int[] sizes = {8, 16, 16};
        for (int s = 0; s < 3; s++) {
            int start = out.position();
            if (!subs[s].isEmpty()) {
                out.putInt(sizes[s] + extra);
                for (var e : subs[s].entrySet()) {
                    out.putInt(findString(btf, e.getKey()));
                    out.putInt(e.getValue().size());
                    for (Object r : e.getValue()) {
                        switch (r) {
                            case BtfExt.FuncInfo f -> out.putInt(f.insnOff()).putInt(f.typeId());
                            case BtfExt.LineInfo l -> out.putInt(l.insnOff()).putInt(l.fileNameOff()).putInt(l.lineOff())
                                    .putInt(l.lineCol());
                            case BtfExt.CoreRelocation c -> out.putInt(c.insnOff()).putInt(c.typeId())
                                    .putInt(c.accessStringOff()).putInt(c.kind().number());
                            default -> throw new AssertionError(r);
                        }
                        for (int i = 0; i < extra; i++) {
                            out.put((byte) 0xa5);
                        }
                    }
                }
            }
            bounds[2 * s] = start - 32;
            bounds[2 * s + 1] = out.position() - start;
        }
        int end = out.position();
        out.putShort(0, (short) 0xeb9f).put(2, (byte) 1).put(3, (byte) 0).putInt(4, 32);
        for (int i = 0; i < 6; i++) {
            out.putInt(8 + 4 * i, bounds[i]);
        }
        return Arrays.copyOf(out.array(), end);
    }

    static int findString(Btf btf, String s) {
        byte[] strings = new byte[btf.stringSection().remaining()];
        btf.stringSection().get(strings);
        byte[] want = (s + "\0").getBytes();
        outer:
        for (int i = 0; i + want.length <= strings.length; i++) {
            for (int j = 0; j < want.length; j++) {
                if (strings[i + j] != want[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError(s);
    }

    static BtfExt taskInfoExt() {
        Path o = TestObjects.example("task_info.bpf.o");
        return BtfExt.parse(Sections.btfExt(o), Btf.parse(Sections.btf(o)));
    }

    @Test
    void largerRecordSizesAreSkippedOver() {
        BtfExt ext = taskInfoExt();
        byte[] same = rewriteExt(ext, 0);
        assertEquals(ByteBuffer.wrap(Sections.btfExt(TestObjects.example("task_info.bpf.o"))), ByteBuffer.wrap(same));
        BtfExt wide = BtfExt.parse(rewriteExt(ext, 12), ext.btf());
        assertEquals(20, wide.funcInfoRecordSize());
        assertEquals(28, wide.lineInfoRecordSize());
        assertEquals(28, wide.coreReloRecordSize());
        assertEquals(ext.funcInfos(), wide.funcInfos());
        assertEquals(ext.lineInfos(), wide.lineInfos());
        assertEquals(ext.coreRelocations(), wide.coreRelocations());
    }

    @Test
    void extErrors() {
        BtfExt ext = taskInfoExt();
        Btf btf = ext.btf();
        byte[] raw = rewriteExt(ext, 0);
        ByteBuffer h = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        int func = 32 + h.getInt(8);
        int line = 32 + h.getInt(16);
        int core = 32 + h.getInt(24);
        badExt(btf, patched(raw, b -> b.putShort(0, (short) 0)), "BTF.ext", "magic");
        badExt(btf, patched(raw, b -> b.put(2, (byte) 9)), "version 9");
        badExt(btf, patched(raw, b -> b.putInt(4, 16)), "header length 16");
        badExt(btf, patched(raw, b -> b.putInt(4, raw.length + 4)), "header length", "past the end");
        badExt(btf, patched(raw, b -> b.putInt(12, raw.length)), "func_info", "past the end");
        badExt(btf, patched(raw, b -> b.putInt(24, 2)), "core_relo", "aligned");
        badExt(btf, patched(raw, b -> b.putInt(func, 4)), "func_info record size 4");
        badExt(btf, patched(raw, b -> b.putInt(line, 18)), "line_info record size 18");
        badExt(btf, patched(raw, b -> b.putInt(func + 4, 1 << 30)), "func_info", "section name offset");
        badExt(btf, patched(raw, b -> b.putInt(func + 8, 0)), "func_info", "kprobe/do_sys_openat2", "no records");
        badExt(btf, patched(raw, b -> b.putInt(func + 8, -1)), "func_info", "4294967295 records");
        badExt(btf, patched(raw, b -> b.putInt(func + 12, 4)), "func_info of section 'kprobe/do_sys_openat2'", "multiple of 8");
        badExt(btf, patched(raw, b -> b.putInt(func + 16, btf.typeCount())), "func_info", "type id " + btf.typeCount());
        badExt(btf, patched(raw, b -> b.putInt(func + 16, 1)), "func_info", "not FUNC");
        badExt(btf, patched(raw, b -> b.putInt(line + 12 + 4, -8)), "line_info", "file name offset");
        badExt(btf, patched(raw, b -> b.putInt(core + 12 + 12, 13)), "core_relo", "unknown CO-RE relocation kind 13");
        badExt(btf, patched(raw, b -> b.putInt(core + 12 + 8, 0)), "core_relo", "empty access string");
        // an access string offset that points at a name which is not a list of numbers
        int nameOff = findString(btf, "task_struct");
        badExt(btf, patched(raw, b -> b.putInt(core + 12 + 8, nameOff)), "core_relo", "'task_struct'");
        badExt(btf, patched(raw, b -> b.putInt(func, raw.length * 4)), "func_info", "records of " + raw.length * 4 + " bytes");
        badExt(btf, patched(raw, b -> b.putInt(12, h.getInt(12) - 4)), "func_info", "remain");
        badExt(btf, patched(raw, b -> b.putInt(12, 6)), "func_info", "truncated");
    }

    @Test
    void bigEndianExtAndBtf() {
        BtfExt ext = taskInfoExt();
        Btf be = Btf.parse(ext.btf().encode(ByteOrder.BIG_ENDIAN));
        byte[] le = rewriteExt(ext, 0);
        ByteBuffer src = ByteBuffer.wrap(le).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer dst = ByteBuffer.allocate(le.length).order(ByteOrder.BIG_ENDIAN);
        dst.putShort(0, src.getShort(0)).put(2, src.get(2)).put(3, src.get(3));
        for (int i = 4; i < le.length; i += 4) {
            dst.putInt(i, src.getInt(i));
        }
        BtfExt big = BtfExt.parse(dst.array(), be);
        assertEquals(ByteOrder.BIG_ENDIAN, big.byteOrder());
        assertEquals(ext.coreRelocations(), big.coreRelocations());
        assertEquals(ext.lineInfos(), big.lineInfos());
        List<String> texts = new ArrayList<>();
        big.lineInfos().values().forEach(l -> l.forEach(li -> texts.add(big.lineText(li))));
        assertTrue(texts.stream().anyMatch(t -> t.contains("BPF_CORE_READ(task, tgid)")));
    }
}
