package dev.ebpf4j.bindings;

import static dev.ebpf4j.bindings.Privileged.checked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.uapi.Uapi;
import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.bindings.uapi.bpf_btf_info;
import dev.ebpf4j.bindings.uapi.bpf_map_info;
import dev.ebpf4j.bindings.uapi.bpf_prog_info;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.ProgramTag;
import dev.ebpf4j.object.testing.TestObjects;

/** The helpers against the real kernel: needs root and a bpffs; leaves no descriptor, program, map or pin. */
class BpfKernelTest {
    static final int SOCKET_FILTER = Uapi.BPF_PROG_TYPE_SOCKET_FILTER();
    static final List<Instruction> RETURN_0 = List.of(Instruction.mov64(0, 0), Instruction.exit());

    Map<String, String> fdsBefore;

    @BeforeAll
    static void warmUp() {
        Privileged.warmUpJdk();
    }

    @BeforeEach
    void before() {
        Privileged.require();
        fdsBefore = Privileged.openFds();
    }

    @AfterEach
    void noDescriptorLeft() {
        Privileged.assertNoLeak(fdsBefore);
    }

    // --------------------------------------------------------------------------------------------- maps

    @Test
    void arrayMapReadWriteAndItsRules() {
        try (Arena arena = Arena.ofConfined();
                Fd map = checked(Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 8, 4, 0, "ebpf4j_array"), "bpf-map")) {
            MemorySegment key = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment out = arena.allocate(ValueLayout.JAVA_LONG);

            key.set(ValueLayout.JAVA_INT, 0, 2);
            value.set(ValueLayout.JAVA_LONG, 0, 0x1122_3344_5566_7788L);
            Bpf.mapUpdate(map, key, value, Uapi.BPF_ANY());
            assertTrue(Bpf.mapLookup(map, key, out));
            assertEquals(0x1122_3344_5566_7788L, out.get(ValueLayout.JAVA_LONG, 0));

            key.set(ValueLayout.JAVA_INT, 0, 1); // untouched slot of an array reads as zero
            out.set(ValueLayout.JAVA_LONG, 0, -1);
            assertTrue(Bpf.mapLookup(map, key, out));
            assertEquals(0, out.get(ValueLayout.JAVA_LONG, 0));

            key.set(ValueLayout.JAVA_INT, 0, 4); // past max_entries
            assertFalse(Bpf.mapLookup(map, key, out));
            BpfException noexist = assertThrows(BpfException.class, () -> Bpf.mapUpdate(map, key, value, Uapi.BPF_ANY()));
            assertEquals(Errno.E2BIG.number(), noexist.errno());

            key.set(ValueLayout.JAVA_INT, 0, 2); // arrays have no delete
            BpfException e = assertThrows(BpfException.class, () -> Bpf.mapDelete(map, key));
            assertEquals(Errno.EINVAL.number(), e.errno());
            assertTrue(e.getMessage().startsWith("BPF_MAP_DELETE_ELEM: EINVAL (22): Invalid argument"), e.getMessage());

            MemorySegment info = Bpf.mapInfo(map, arena);
            assertEquals(Uapi.BPF_MAP_TYPE_ARRAY(), bpf_map_info.type(info));
            assertEquals(4, bpf_map_info.key_size(info));
            assertEquals(8, bpf_map_info.value_size(info));
            assertEquals(4, bpf_map_info.max_entries(info));
            assertEquals("ebpf4j_array", Bpf.cString(bpf_map_info.name(info)));
            assertTrue(bpf_map_info.id(info) > 0);
        }
    }

    @Test
    void hashMapDeleteAndIterate() {
        try (Arena arena = Arena.ofConfined();
                Fd map = checked(Bpf.mapCreate(Uapi.BPF_MAP_TYPE_HASH(), 4, 4, 16, 0, "ebpf4j_hash"), "bpf-map")) {
            MemorySegment key = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment value = arena.allocate(ValueLayout.JAVA_INT);
            for (int k : new int[] {10, 20, 30}) {
                key.set(ValueLayout.JAVA_INT, 0, k);
                value.set(ValueLayout.JAVA_INT, 0, k * 100);
                Bpf.mapUpdate(map, key, value, Uapi.BPF_NOEXIST());
            }
            key.set(ValueLayout.JAVA_INT, 0, 20);
            BpfException exists = assertThrows(BpfException.class,
                    () -> Bpf.mapUpdate(map, key, value, Uapi.BPF_NOEXIST()));
            assertEquals(Errno.EEXIST.number(), exists.errno());

            List<Integer> keys = new ArrayList<>();
            MemorySegment next = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment cur = MemorySegment.NULL;
            while (Bpf.mapGetNextKey(map, cur, next)) {
                keys.add(next.get(ValueLayout.JAVA_INT, 0));
                cur = arena.allocate(ValueLayout.JAVA_INT).copyFrom(next);
            }
            assertEquals(List.of(10, 20, 30), keys.stream().sorted().toList());

            assertTrue(Bpf.mapDelete(map, key));
            assertFalse(Bpf.mapDelete(map, key));
            assertFalse(Bpf.mapLookup(map, key, value));
            key.set(ValueLayout.JAVA_INT, 0, 30);
            assertTrue(Bpf.mapLookup(map, key, value));
            assertEquals(3000, value.get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void heapSegmentsAreRefused() {
        try (Arena arena = Arena.ofConfined(); Fd map = Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 4, 1, 0, "")) {
            MemorySegment heap = MemorySegment.ofArray(new int[1]);
            assertThrows(IllegalArgumentException.class, () -> Bpf.mapLookup(map, heap, arena.allocate(4)));
        }
    }

    @Test
    void frozenMapRefusesWrites() {
        try (Arena arena = Arena.ofConfined(); Fd map = Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 4, 1, 0, "ebpf4j_frozen")) {
            MemorySegment key = arena.allocate(ValueLayout.JAVA_INT);
            MemorySegment value = arena.allocateFrom(ValueLayout.JAVA_INT, 7);
            Bpf.mapUpdate(map, key, value, Uapi.BPF_ANY());
            Bpf.mapFreeze(map);
            BpfException e = assertThrows(BpfException.class, () -> Bpf.mapUpdate(map, key, value, Uapi.BPF_ANY()));
            assertEquals(Errno.EPERM.number(), e.errno());
            assertTrue(Bpf.mapLookup(map, key, value));
            BpfException twice = assertThrows(BpfException.class, () -> Bpf.mapFreeze(map));
            assertEquals("BPF_MAP_FREEZE", twice.commandName());
            // a frozen map is no longer writable, which the kernel checks (EPERM) before "already frozen" (EBUSY)
            assertTrue(twice.is(Errno.EPERM) || twice.is(Errno.EBUSY), twice.getMessage());
        }
    }

    @Test
    void mmapOfAnArrayMapSharesItsValues() {
        int entries = 8;
        try (Arena arena = Arena.ofConfined();
                Fd map = Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 8, entries, Uapi.BPF_F_MMAPABLE(), "ebpf4j_mmap")) {
            MemorySegment mem = Syscall.mmap(4096, Uapi.PROT_READ() | Uapi.PROT_WRITE(), Uapi.MAP_SHARED(), map, 0);
            try {
                mem.set(ValueLayout.JAVA_LONG, 5 * 8, 0xfeed_beefL);
                MemorySegment key = arena.allocateFrom(ValueLayout.JAVA_INT, 5);
                MemorySegment value = arena.allocate(ValueLayout.JAVA_LONG);
                assertTrue(Bpf.mapLookup(map, key, value));
                assertEquals(0xfeed_beefL, value.get(ValueLayout.JAVA_LONG, 0));
                key.set(ValueLayout.JAVA_INT, 0, 6);
                value.set(ValueLayout.JAVA_LONG, 0, 42);
                Bpf.mapUpdate(map, key, value, Uapi.BPF_ANY());
                assertEquals(42, mem.get(ValueLayout.JAVA_LONG, 6 * 8));
            } finally {
                Syscall.munmap(mem);
            }
        }
    }

    @Test
    void mmapOfAMapThatIsNotMmapableFails() {
        try (Fd map = Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 8, 1, 0, "")) {
            SyscallException e = assertThrows(SyscallException.class,
                    () -> Syscall.mmap(4096, Uapi.PROT_READ(), Uapi.MAP_SHARED(), map, 0));
            assertEquals("mmap", e.operation());
            assertTrue(e.getMessage().startsWith("mmap: E"), e.getMessage());
        }
    }

    // ----------------------------------------------------------------------------------------- programs

    @Test
    void loadATinyProgramAndReadItsInfo() {
        byte[] code = Instructions.encode(RETURN_0);
        try (Arena arena = Arena.ofConfined();
                Fd prog = checked(Bpf.progLoad(SOCKET_FILTER, code, "GPL", "ebpf4j_ret0"), "bpf-prog")) {
            MemorySegment info = Bpf.progInfo(prog, arena);
            int id = bpf_prog_info.id(info);
            assertTrue(id > 0);
            assertEquals(SOCKET_FILTER, bpf_prog_info.type(info));
            assertEquals("ebpf4j_ret0", Bpf.cString(bpf_prog_info.name(info)));
            assertEquals(code.length, bpf_prog_info.xlated_prog_len(info));
            String tag = HexFormat.of().formatHex(bpf_prog_info.tag(info).toArray(ValueLayout.JAVA_BYTE));
            String release = System.getProperty("os.version");
            assertEquals(ProgramTag.compute(RETURN_0, ProgramTag.Algorithm.forKernelRelease(release)), tag);

            if (TestObjects.findTool("bpftool").isPresent()) {
                String json = Privileged.run(List.of("bpftool", "-j", "prog", "show", "id", Integer.toString(id)));
                assertEquals("ebpf4j_ret0", jsonString(json, "name"));
                assertEquals(tag, jsonString(json, "tag"));
                assertEquals(code.length, Integer.parseInt(jsonNumber(json, "bytes_xlated")));
                assertEquals("socket_filter", jsonString(json, "type"));
            }

            // the id leads back to the same program
            try (Fd again = checked(Bpf.progGetFdById(id), "bpf-prog")) {
                assertNotEquals(prog.raw(), again.raw());
                assertEquals(id, bpf_prog_info.id(Bpf.progInfo(again, arena)));
            }
            assertTrue(ids(Bpf::progGetNextId).contains(id), "BPF_PROG_GET_NEXT_ID lists " + id);
        }
    }

    @Test
    void aClosedProgramIsGone() throws InterruptedException {
        int id;
        try (Arena arena = Arena.ofConfined(); Fd prog = Bpf.progLoad(SOCKET_FILTER, Instructions.encode(RETURN_0), "GPL", "ebpf4j_gone")) {
            id = bpf_prog_info.id(Bpf.progInfo(prog, arena));
        }
        // the kernel frees it after an RCU grace period
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (ids(Bpf::progGetNextId).contains(id) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertFalse(ids(Bpf::progGetNextId).contains(id), "program " + id + " still loaded after close");
        BpfException e = assertThrows(BpfException.class, () -> Bpf.progGetFdById(id));
        assertEquals(Errno.ENOENT.number(), e.errno());
        assertEquals("BPF_PROG_GET_FD_BY_ID", e.commandName());
    }

    @Test
    void testRunReturnsTheProgramsResult() {
        List<Instruction> ret42 = List.of(Instruction.mov64(0, 42), Instruction.exit());
        try (Fd prog = Bpf.progLoad(SOCKET_FILTER, Instructions.encode(ret42), "GPL", "ebpf4j_ret42")) {
            byte[] packet = new byte[64];
            packet[12] = 0x08; // an IPv4 ethertype, for good measure
            Bpf.TestRun run = Bpf.progTestRun(prog, packet, 1, 0);
            assertEquals(42, run.retval());
            assertEquals(packet.length, run.dataOut().length);
        }
    }

    @Test
    void theVerifiersRejectionCarriesItsLog() {
        List<Instruction> noR0 = List.of(Instruction.exit()); // reads r0 before writing it
        BpfException e = assertThrows(BpfException.class,
                () -> Bpf.progLoad(SOCKET_FILTER, Instructions.encode(noR0), "GPL", "ebpf4j_bad"));
        assertTrue(e.errno() == Errno.EACCES.number() || e.errno() == Errno.EINVAL.number(), e.getMessage());
        assertTrue(e.getMessage().startsWith("BPF_PROG_LOAD: " + e.errnoName()), e.getMessage());
        assertTrue(e.log().contains("R0 !read_ok"), e.log());
        assertTrue(e.getMessage().contains("R0 !read_ok"), e.getMessage());
    }

    @Test
    void theCallersOwnLogBufferIsUsed() {
        try (Arena arena = Arena.ofConfined()) {
            byte[] code = Instructions.encode(List.of(Instruction.exit()));
            MemorySegment attr = Bpf.newAttr(arena);
            MemorySegment insns = arena.allocate(code.length, 8).copyFrom(MemorySegment.ofArray(code));
            MemorySegment log = arena.allocate(64 * 1024);
            bpf_attr.prog_type(attr, SOCKET_FILTER);
            bpf_attr.insns(attr, insns.address());
            bpf_attr.insn_cnt(attr, code.length / 8);
            bpf_attr.license(attr, arena.allocateFrom("GPL").address());
            bpf_attr.log_level(attr, 1);
            bpf_attr.log_buf(attr, log.address());
            bpf_attr.log_size(attr, (int) log.byteSize());
            BpfException e = assertThrows(BpfException.class, () -> Bpf.progLoad(attr));
            assertEquals(Bpf.cString(log), e.log());
            assertTrue(e.log().contains("R0 !read_ok"), e.log());
            assertEquals(log.address(), bpf_attr.log_buf(attr), "the caller's attr is left as it was");
        }
    }

    @Test
    void theLicenseReachesTheKernel() {
        // visible as gpl_compatible in the program's info
        try (Arena arena = Arena.ofConfined();
                Fd gpl = Bpf.progLoad(SOCKET_FILTER, Instructions.encode(RETURN_0), "GPL", "ebpf4j_gpl");
                Fd mit = Bpf.progLoad(SOCKET_FILTER, Instructions.encode(RETURN_0), "MIT", "ebpf4j_mit")) {
            assertEquals(1, gplCompatible(Bpf.progInfo(gpl, arena)));
            assertEquals(0, gplCompatible(Bpf.progInfo(mit, arena)));
        }
    }

    /** {@code gpl_compatible:1}, a bitfield jextract leaves out: bit 0 of the word after {@code ifindex}. */
    static int gplCompatible(MemorySegment info) {
        long offset = bpf_prog_info.ifindex$offset() + 4;
        return info.get(ValueLayout.JAVA_INT, offset) & 1;
    }

    // ---------------------------------------------------------------------------------------------- BTF

    /** {@code struct ebpf4j_pair { int a; int b; }}, declared {@code structSize} bytes large. */
    static byte[] smallBtf(int structSize) {
        return Btf.of(List.of(
                new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Struct("ebpf4j_pair", structSize, false, List.of(
                        new BtfType.Member("a", 1, 0, 0),
                        new BtfType.Member("b", 1, 32, 0))))).encode();
    }

    @Test
    void loadBtfAndReadItsInfo() {
        byte[] blob = smallBtf(8);
        try (Arena arena = Arena.ofConfined(); Fd btf = checked(Bpf.btfLoad(blob), "btf")) {
            MemorySegment info = Bpf.btfInfo(btf, arena);
            int id = bpf_btf_info.id(info);
            assertTrue(id > 0);
            assertEquals(blob.length, bpf_btf_info.btf_size(info));
            assertEquals(0, bpf_btf_info.kernel_btf(info));
            assertTrue(ids(Bpf::btfGetNextId).contains(id));
            try (Fd again = checked(Bpf.btfGetFdById(id), "btf")) {
                assertEquals(id, bpf_btf_info.id(Bpf.btfInfo(again, arena)));
            }
        }
    }

    @Test
    void badBtfIsRejectedWithTheCheckersLog() {
        byte[] tooSmall = smallBtf(4); // member b lies outside the 4-byte struct
        BpfException e = assertThrows(BpfException.class, () -> Bpf.btfLoad(tooSmall));
        assertEquals("BPF_BTF_LOAD", e.commandName());
        assertEquals(Errno.EINVAL.number(), e.errno());
        assertTrue(e.log().contains("Member exceeds struct_size"), e.log());
        assertTrue(e.getMessage().contains("Member exceeds struct_size"), e.getMessage());
    }

    // ------------------------------------------------------------------------------------------- pinning

    @Test
    void pinGetAndUnpin() throws Exception {
        Path pin = Privileged.BPFFS.resolve("ebpf4j-bindings-test-" + ProcessHandle.current().pid());
        try (Arena arena = Arena.ofConfined(); Fd map = Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 4, 2, 0, "ebpf4j_pinned")) {
            int id = bpf_map_info.id(Bpf.mapInfo(map, arena));
            Bpf.objPin(map, pin.toString());
            try {
                assertTrue(Files.exists(pin));
                BpfException twice = assertThrows(BpfException.class, () -> Bpf.objPin(map, pin.toString()));
                assertEquals(Errno.EEXIST.number(), twice.errno());
                try (Fd got = checked(Bpf.objGet(pin.toString()), "bpf-map")) {
                    assertEquals(id, bpf_map_info.id(Bpf.mapInfo(got, arena)));
                }
                try (Fd readOnly = Bpf.objGet(pin.toString(), Uapi.BPF_F_RDONLY())) {
                    MemorySegment key = arena.allocate(ValueLayout.JAVA_INT);
                    BpfException e = assertThrows(BpfException.class,
                            () -> Bpf.mapUpdate(readOnly, key, arena.allocate(4), Uapi.BPF_ANY()));
                    assertEquals(Errno.EPERM.number(), e.errno());
                }
            } finally {
                Files.deleteIfExists(pin);
            }
            assertFalse(Files.exists(pin));
            BpfException gone = assertThrows(BpfException.class, () -> Bpf.objGet(pin.toString()));
            assertEquals(Errno.ENOENT.number(), gone.errno());
            assertTrue(gone.getMessage().startsWith("BPF_OBJ_GET: ENOENT (2): No such file or directory"), gone.getMessage());
        }
    }

    // -------------------------------------------------------------------------------------- ids, errors

    @Test
    void mapIdsListTheMap() {
        try (Arena arena = Arena.ofConfined(); Fd map = Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 4, 1, 0, "ebpf4j_ids")) {
            int id = bpf_map_info.id(Bpf.mapInfo(map, arena));
            assertTrue(ids(Bpf::mapGetNextId).contains(id));
            try (Fd again = checked(Bpf.mapGetFdById(id), "bpf-map")) {
                assertEquals("ebpf4j_ids", Bpf.cString(bpf_map_info.name(Bpf.mapInfo(again, arena))));
            }
        }
        // no link is made here (nothing is attached), so the walk may be empty; it must end all the same
        assertTrue(ids(Bpf::linkGetNextId).stream().allMatch(i -> i > 0));
    }

    @Test
    void anUnknownCommandIsEinvalNamedByNumber() {
        try (Arena arena = Arena.ofConfined()) {
            BpfException e = assertThrows(BpfException.class, () -> Bpf.call(9999, Bpf.newAttr(arena)));
            assertEquals(Errno.EINVAL.number(), e.errno());
            assertEquals("bpf cmd 9999: EINVAL (22): Invalid argument", e.getMessage());
        }
    }

    @Test
    void aBadMapTypeIsEinvalNamedByCommand() {
        BpfException e = assertThrows(BpfException.class, () -> Bpf.mapCreate(0xffff, 4, 4, 1, 0, "ebpf4j_bad"));
        assertEquals(Errno.EINVAL.number(), e.errno());
        assertEquals("BPF_MAP_CREATE: EINVAL (22): Invalid argument", e.getMessage());
        assertEquals(BpfCommand.MAP_CREATE.value(), e.command());
    }

    @Test
    void aTooLongNameIsRefusedBeforeTheKernel() {
        assertThrows(IllegalArgumentException.class,
                () -> Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 4, 1, 0, "a_name_of_sixteen"));
    }

    @Test
    void linkCreateReachesTheKernel() {
        // No link is made (nothing is attached anywhere): a socket filter cannot be linked as cgroup ingress.
        try (Fd prog = Bpf.progLoad(SOCKET_FILTER, Instructions.encode(RETURN_0), "GPL", "ebpf4j_nolink")) {
            BpfException e = assertThrows(BpfException.class,
                    () -> Bpf.linkCreate(prog, -1, Uapi.BPF_CGROUP_INET_INGRESS(), 0));
            assertEquals("BPF_LINK_CREATE", e.commandName());
            assertEquals(Errno.EINVAL.number(), e.errno());
        }
    }

    // -------------------------------------------------------------------------------------------- helpers

    interface NextId {
        OptionalInt after(int id);
    }

    static List<Integer> ids(NextId next) {
        List<Integer> out = new ArrayList<>();
        OptionalInt id = next.after(0);
        while (id.isPresent()) {
            out.add(id.getAsInt());
            id = next.after(id.getAsInt());
        }
        return out;
    }

    static String jsonString(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":\"([^\"]*)\"").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return m.group(1);
    }

    static String jsonNumber(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\\d+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return m.group(1);
    }
}
