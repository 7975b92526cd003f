package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.ebpf4j.loader.inspect.BtfInfo;
import dev.ebpf4j.loader.inspect.MapInfo;
import dev.ebpf4j.loader.inspect.ProgramCode;
import dev.ebpf4j.loader.inspect.ProgramInfo;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.testing.TestObjects;

/** The bpftool text layouts, without a kernel. */
class InspectFormatTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static ProgramInfo prog(int id, String name, boolean gpl, long runTime, List<Integer> maps, int btfId, boolean jited) {
        return new ProgramInfo(id, 6, name, "3b185187f1855c4c", gpl, 5_000_000_000L,
                Optional.of(Instant.parse("2026-11-24T19:34:51Z")), 0, 96, jited, jited ? 65 : 0, OptionalLong.of(4096),
                maps, btfId, runTime, runTime == 0 ? 0 : 3, 0, 10, 0, 1, 4);
    }

    @Test
    void programLinesAreBpftools() {
        assertEquals("42: xdp  name hello  tag 3b185187f1855c4c  gpl\n\tloaded_at 2026-11-24T19:34:51+0000  uid 0\n"
                + "\txlated 96B  jited 65B  memlock 4096B  map_ids 10,11\n\tbtf_id 67\n",
                Shown.program(prog(42, "hello", true, 0, List.of(10, 11), 67, true), ZoneOffset.UTC));
        assertEquals("7: xdp  tag 3b185187f1855c4c run_time_ns 1500 run_cnt 3\n\tloaded_at 2026-11-24T20:34:51+0100  uid 0\n"
                + "\txlated 96B  not jited  memlock 4096B\n",
                Shown.program(prog(7, "", false, 1500, List.of(), 0, false), ZoneId.of("+01:00")));
    }

    @Test
    void programJsonHasBpftoolsKeysInItsOrder() throws Exception {
        assertEquals("{\"id\":42,\"type\":\"xdp\",\"name\":\"hello\",\"tag\":\"3b185187f1855c4c\",\"gpl_compatible\":true,"
                + "\"loaded_at\":1795548891,\"uid\":0,\"bytes_xlated\":96,\"jited\":true,\"bytes_jited\":65,"
                + "\"bytes_memlock\":4096,\"map_ids\":[10,11],\"btf_id\":67}\n",
                Jsonw.write(Shown.programJson(prog(42, "hello", true, 0, List.of(10, 11), 67, true)), false));
    }

    private static MapInfo map(int type, int flags, int btfId, boolean frozen, OptionalInt owner, Optional<Boolean> jited) {
        return new MapInfo(1359, type, "hello.rodata", flags, 4, 15, 1, 0, OptionalLong.of(8192), btfId, 0, 3, 0, frozen,
                owner, jited, 0);
    }

    @Test
    void mapLinesAreBpftools() {
        assertEquals("1359: array  name hello.rodata  flags 0x480\n\tkey 4B  value 15B  max_entries 1  memlock 8192B\n"
                + "\tbtf_id 2558  frozen\n", Shown.map(map(2, 0x480, 2558, true, OptionalInt.empty(), Optional.empty())));
        assertEquals("1359: array  name hello.rodata  flags 0x0\n\tkey 4B  value 15B  max_entries 1  memlock 8192B\n",
                Shown.map(map(2, 0, 0, false, OptionalInt.empty(), Optional.empty())));
        assertEquals("1359: prog_array  name hello.rodata  flags 0x0\n\tkey 4B  value 15B  max_entries 1  memlock 8192B\n"
                + "\towner_prog_type xdp  owner jited\n\tfrozen\n",
                Shown.map(map(3, 0, 0, true, OptionalInt.of(6), Optional.of(true))));
        assertEquals("{\"id\":1359,\"type\":\"array\",\"name\":\"hello.rodata\",\"flags\":1152,\"bytes_key\":4,\"bytes_value\":15,"
                + "\"max_entries\":1,\"bytes_memlock\":8192,\"frozen\":1,\"btf_id\":2558}\n",
                Jsonw.write(Shown.mapJson(map(2, 0x480, 2558, true, OptionalInt.empty(), Optional.empty())), false));
    }

    @Test
    void btfLinesAreBpftools() {
        assertEquals("1: name [vmlinux]  size 5514925B\n", Shown.btf(new BtfInfo(1, "vmlinux", 5514925, true), List.of(), List.of()));
        assertEquals("2576: name <anon>  size 2510B  prog_ids 2135,2133  map_ids 1371,1369\n",
                Shown.btf(new BtfInfo(2576, "", 2510, false), List.of(2135L, 2133L), List.of(1371L, 1369L)));
    }

    @Test
    void prettyJsonHasBpftoolsLayout() throws Exception {
        // bpftool -p map dump of hello.bss, and of a program's map_ids
        var tree = JSON.readTree("[{\"value\":{\".bss\":[{\"counter\":0}]}}]");
        assertEquals("[{\n        \"value\": {\n            \".bss\": [{\n                    \"counter\": 0\n"
                + "                }\n            ]\n        }\n    }\n]\n", Jsonw.write(tree, true));
        assertEquals("{\n    \"id\": 1,\n    \"map_ids\": [1358,1359\n    ],\n    \"e\": [],\n    \"o\": {}\n}\n",
                Jsonw.write(JSON.readTree("{\"id\":1,\"map_ids\":[1358,1359],\"e\":[],\"o\":{}}"), true));
        assertEquals("{\"s\":\"a\\\"b\\\\c\\n\",\"n\":null}\n", Jsonw.write(JSON.readTree("{\"s\":\"a\\\"b\\\\c\\n\",\"n\":null}"), false));
    }

    @Test
    void btfListIdsComeInLibbpfHashmapOrder() {
        // the order bpftool 7.1 printed for these maps ("btf list" of hello, syscall_counter and globals), appended in id order
        LibbpfHashmap maps = new LibbpfHashmap();
        long[][] appended = {{2558, 1358}, {2558, 1359}, {2567, 1362}, {2567, 1364}, {2576, 1367}, {2576, 1368}, {2576, 1369}, {2576, 1371}};
        for (long[] a : appended) {
            maps.append(a[0], a[1]);
        }
        assertEquals(List.of(1359L, 1358L), maps.values(2558));
        assertEquals(List.of(1362L, 1364L), maps.values(2567));
        assertEquals(List.of(1371L, 1369L, 1367L, 1368L), maps.values(2576));
        assertEquals(List.of(), maps.values(1));
        assertEquals(List.of(), new LibbpfHashmap().values(1));
    }

    @Test
    void hexBytesBreakLikeFprintHex() {
        byte[] b = new byte[20];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        assertEquals("00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f\n10 11 12 13", MapCommand.hex(b));
        MapInfo small = map(2, 0, 0, false, OptionalInt.empty(), Optional.empty());
        assertEquals("key: 00 01 02 03  value: 00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e\n",
                MapCommand.entryPlain(small, new byte[] {0, 1, 2, 3}, List.of(java.util.Arrays.copyOf(b, 15))));
        MapInfo wide = new MapInfo(1, 2, "a", 0, 4, 20, 1, 0, OptionalLong.empty(), 0, 0, 0, 0, false, OptionalInt.empty(),
                Optional.empty(), 0);
        assertEquals("key:\n00 01 02 03\nvalue:\n" + MapCommand.hex(b) + "\n",
                MapCommand.entryPlain(wide, new byte[] {0, 1, 2, 3}, List.of(b)));
        MapInfo tiny = new MapInfo(1, 2, "a", 0, 4, 8, 1, 0, OptionalLong.empty(), 0, 0, 0, 0, false, OptionalInt.empty(),
                Optional.empty(), 0);
        assertEquals("key: 01 00 00 00  value: 2a 00 00 00 00 00 00 00\n",
                MapCommand.entryPlain(tiny, new byte[] {1, 0, 0, 0}, List.of(new byte[] {42, 0, 0, 0, 0, 0, 0, 0})));
        assertEquals("key: 01 00 00 00  value: <no entry>\n", MapCommand.entryError(tiny, new byte[] {1, 0, 0, 0}, "<no entry>"));
    }

    @Test
    void bytesAndNumbersParseLikeStrtoul() {
        assertEquals(10, Handles.parseUnsigned("10", 0));
        assertEquals(16, Handles.parseUnsigned("0x10", 0));
        assertEquals(8, Handles.parseUnsigned("010", 0));
        assertEquals(0, Handles.parseUnsigned("0", 0));
        assertEquals(16, Handles.parseUnsigned("10", 16));
        assertEquals(-1, Handles.parseUnsigned("1x", 0));
        assertEquals(-1, Handles.parseUnsigned("", 0));
        int[] pos = {0};
        assertArrayEquals(new byte[] {1, 0x2a, 8, (byte) 0xff}, MapCommand.parseBytes(List.of("1", "0x2a", "010", "255", "x"), pos, "key", 4));
        assertEquals(4, pos[0]);
        pos[0] = 0;
        assertArrayEquals(new byte[] {0x10, (byte) 0xab}, MapCommand.parseBytes(List.of("hex", "10", "ab"), pos, "key", 2));
        assertEquals("key expected 4 bytes got 2",
                assertThrows(Handles.Failure.class, () -> MapCommand.parseBytes(List.of("1", "2"), new int[1], "key", 4)).getMessage());
        assertEquals("error parsing byte: value",
                assertThrows(Handles.Failure.class, () -> MapCommand.parseBytes(List.of("1", "value"), new int[1], "key", 2)).getMessage());
        assertEquals(true, Handles.isPrefix("i", "id"));
        assertEquals(false, Handles.isPrefix("", "id"));
        assertEquals(false, Handles.isPrefix("ids", "id"));
    }

    @Test
    void signaturesAreBpftoolsTypeOnlyText() {
        Btf btf = ObjectSpec.open(TestObjects.example("syscall_counter.bpf.o")).btf();
        assertEquals("int count_syscalls(struct bpf_raw_tracepoint_args * ctx)",
                BtfSignature.of(btf, btf.findId("count_syscalls", BtfType.Func.class).orElseThrow()));
        assertEquals("int account(__u64 id)", BtfSignature.of(btf, btf.findId("account", BtfType.Func.class).orElseThrow()));
        assertEquals("void ", BtfSignature.of(btf, 0));
    }

    @Test
    void lineRecordsAreFoundAsLibbpfFindsThem() {
        List<ProgramCode.LineInfo> lines = List.of(new ProgramCode.LineInfo(0, "f.c", "a", 1, 1, 0),
                new ProgramCode.LineInfo(0, "f.c", "  b", 1, 2, 0), new ProgramCode.LineInfo(3, "f.c", "c", 2, 1, 0));
        assertEquals("  b", ProgDumpCommand.lfind(lines, 0, 0).orElseThrow().line(), "the last record of a slot");
        assertEquals(Optional.empty(), ProgDumpCommand.lfind(lines, 1, 1));
        assertEquals("c", ProgDumpCommand.lfind(lines, 3, 1).orElseThrow().line());
        assertEquals(Optional.empty(), ProgDumpCommand.lfind(lines, 4, 3));
        assertEquals("b [file:f.c line_num:1 line_col:2]", ProgDumpCommand.lineText(lines.get(1), true));
        assertEquals("b", ProgDumpCommand.lineText(lines.get(1), false));
    }

    @Test
    void rawJitedLinesCoverEveryByte() {
        byte[] body = new byte[19];
        List<JitedDump.Insn> insns = JitedDump.rawLines(body);
        assertEquals(3, insns.size());
        assertEquals(16, insns.get(2).pc());
        assertEquals(".byte 0x00,0x00,0x00", insns.get(2).text());
    }
}
