package dev.ebpf4j.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.elf.ElfSection;
import dev.ebpf4j.object.elf.ElfSymbol;
import dev.ebpf4j.object.testing.TestObjects;

/** The object model of each example agrees with what its C source declares. */
class ObjectSpecTest {

    static ObjectSpec open(String name) {
        return ObjectSpec.open(TestObjects.example(name));
    }

    @Test
    void helloIsAnXdpProgramWithItsCounterInBss() {
        ObjectSpec o = open("hello.bpf.o");
        assertEquals("hello", o.name());
        assertEquals("Dual BSD/GPL", o.license());
        assertEquals(List.of("hello"), o.programs().stream().map(ProgramSpec::name).toList());
        ProgramSpec hello = o.program("hello").orElseThrow();
        assertEquals(ProgramType.XDP, hello.type());
        assertEquals(AttachType.XDP, hello.expectedAttachType());
        assertEquals("xdp", hello.sectionName());
        assertTrue(hello.subprograms().isEmpty());

        MapSpec bss = o.map(".bss").orElseThrow();
        assertEquals("hello.bss", bss.kernelName());
        assertEquals(MapType.ARRAY, bss.type());
        assertEquals(4, bss.keySize());
        assertEquals(4, bss.valueSize());
        assertEquals(1, bss.maxEntries());
        assertEquals(MapSpec.BPF_F_MMAPABLE, bss.flags());
        assertEquals(MapSpec.Kind.GLOBAL_DATA, bss.kind());
        assertArrayEquals(new byte[4], bss.initialValue());
        assertEquals(List.of("counter"), bss.variables().stream().map(GlobalVariable::name).toList());
        assertNotEquals(0, bss.variables().get(0).btfTypeId());
        assertEquals("int", o.btf().describe(bss.variables().get(0).btfTypeId()));

        MapSpec rodata = o.map(".rodata").orElseThrow();
        assertEquals("hello.rodata", rodata.kernelName());
        assertTrue(rodata.readOnly());
        assertEquals(MapSpec.BPF_F_MMAPABLE | MapSpec.BPF_F_RDONLY_PROG, rodata.flags());
        assertEquals("Hello World %d\0", new String(rodata.initialValue(), StandardCharsets.US_ASCII));

        // counter is read and written through .bss, the format string comes from .rodata
        List<Reference> refs = hello.entry().references();
        assertTrue(refs.contains(new Reference.MapValue(refsIndex(refs, ".rodata"), ".rodata", 0, "hello.____fmt")), refs::toString);
        assertTrue(refs.stream().anyMatch(r -> r instanceof Reference.MapValue v && v.map().equals(".bss")
                && v.offset() == 0 && "counter".equals(v.variable())), refs::toString);
        assertEquals(List.of(".bss", ".rodata").stream().sorted().toList(), hello.mapsUsed().stream().sorted().toList());
    }

    private static int refsIndex(List<Reference> refs, String map) {
        return refs.stream().filter(r -> r instanceof Reference.MapValue v && v.map().equals(map)).findFirst()
                .orElseThrow().insnIndex();
    }

    @Test
    void syscallCounterCallsItsSubprogram() {
        ObjectSpec o = open("syscall_counter.bpf.o");
        ProgramSpec p = o.program("count_syscalls").orElseThrow();
        assertEquals(ProgramType.RAW_TRACEPOINT, p.type());
        assertEquals("sys_enter", p.attachTarget());
        assertNull(p.expectedAttachType());
        assertEquals(List.of("account"), p.subprograms().stream().map(FunctionSpec::name).toList());
        FunctionSpec account = o.function("account").orElseThrow();
        assertEquals(".text", account.section());
        assertTrue(o.programs().stream().noneMatch(q -> q.name().equals("account")), "subprograms are not programs");

        Reference.Call call = p.entry().references().stream().filter(r -> r instanceof Reference.Call)
                .map(r -> (Reference.Call) r).findFirst().orElseThrow();
        assertEquals("account", call.function());
        assertEquals(List.of("account"), p.entry().callees());

        // In the linked program the call's immediate points at the first instruction of account.
        byte[] linked = p.linkedCode();
        assertEquals((p.entry().slots() + account.slots()) * 8, linked.length);
        ByteBuffer b = ByteBuffer.wrap(linked).order(ByteOrder.LITTLE_ENDIAN);
        int imm = b.getInt(call.insnIndex() * 8 + 4);
        assertEquals(p.layout().get("account"), call.insnIndex() + imm + 1);
        assertEquals(0x85, linked[call.insnIndex() * 8] & 0xff);
        assertEquals(1, (linked[call.insnIndex() * 8 + 1] >> 4) & 0xf);

        // account's map references are marked for the loader in the linked copy
        MapSpec counts = o.map("syscall_counts").orElseThrow();
        assertEquals(MapType.ARRAY, counts.type());
        assertEquals(4, counts.keySize());
        assertEquals(8, counts.valueSize());
        assertEquals(512, counts.maxEntries());
        assertEquals(MapSpec.Kind.BTF, counts.kind());
        assertEquals("__u32", o.btf().describe(counts.btfKeyTypeId()));
        assertEquals("__u64", o.btf().describe(counts.btfValueTypeId()));
        assertEquals("syscall_.bss", o.map(".bss").orElseThrow().kernelName());
        for (Reference r : p.linkedReferences()) {
            int src = (linked[r.insnIndex() * 8 + 1] >> 4) & 0xf;
            switch (r) {
                case Reference.MapFd m -> assertEquals(dev.ebpf4j.object.insn.Pseudo.MAP_FD, src);
                case Reference.MapValue v -> assertEquals(dev.ebpf4j.object.insn.Pseudo.MAP_VALUE, src);
                default -> { }
            }
        }
        assertEquals(List.of("syscall_counts", ".bss"), p.mapsUsed());
    }

    @Test
    void packetFilterHasBtfDefinedMaps() {
        ObjectSpec o = open("packet_filter.bpf.o");
        MapSpec blocked = o.map("blocked_ports").orElseThrow();
        assertEquals(MapType.HASH, blocked.type());
        assertEquals(2, blocked.keySize());
        assertEquals(8, blocked.valueSize());
        assertEquals(1024, blocked.maxEntries());
        assertEquals(MapSpec.BPF_F_NO_PREALLOC, blocked.flags());
        assertEquals(MapSpec.Pinning.NONE, blocked.pinning());
        MapSpec verdicts = o.map("verdicts").orElseThrow();
        assertEquals(MapType.PERCPU_ARRAY, verdicts.type());
        assertEquals(MapSpec.Pinning.BY_NAME, verdicts.pinning());
        assertEquals(2, verdicts.maxEntries());
        ProgramSpec p = o.program("filter_udp_ports").orElseThrow();
        assertTrue(p.entry().references().stream().anyMatch(r -> r.equals(new Reference.MapFd(r.insnIndex(), "blocked_ports"))));
        assertEquals(List.of("blocked_ports", "verdicts").stream().sorted().toList(), p.mapsUsed().stream().sorted().toList());
    }

    @Test
    void globalsHasEveryKindOfDataSection() {
        ObjectSpec o = open("globals.bpf.o");
        assertEquals(1, o.kernelVersion());
        assertEquals("GPL", o.license());
        assertEquals(List.of("classify", "keep_long"), o.programs().stream().map(ProgramSpec::name).toList());
        assertEquals(ProgramType.SCHED_CLS, o.program("classify").orElseThrow().type());
        assertEquals(ProgramType.SOCKET_FILTER, o.program("keep_long").orElseThrow().type());

        assertEquals(List.of(".rodata", ".bss", ".data", ".data.counters", ".rodata.consts"),
                o.maps().stream().map(MapSpec::name).toList());
        assertEquals(List.of("globals.rodata", "globals.bss", "globals.data", ".data.counters", ".rodata.consts"),
                o.maps().stream().map(MapSpec::kernelName).toList());
        MapSpec rodata = o.map(".rodata").orElseThrow();
        assertEquals(List.of("min_len", "greeting", "classify.____fmt"),
                rodata.variables().stream().map(GlobalVariable::name).toList());
        GlobalVariable minLen = rodata.variables().get(0);
        assertEquals(0, minLen.offset());
        assertEquals(4, minLen.size());
        assertEquals(64, ByteBuffer.wrap(rodata.initialValue()).order(ByteOrder.LITTLE_ENDIAN).getInt(minLen.offset()));
        assertEquals("const volatile __u32", o.btf().describe(minLen.btfTypeId()));

        MapSpec data = o.map(".data").orElseThrow();
        GlobalVariable stats = data.variables().stream().filter(v -> v.name().equals("stats")).findFirst().orElseThrow();
        assertEquals(16, stats.size());
        assertEquals("struct stats", o.btf().describe(stats.btfTypeId()));
        assertEquals(0xffff, ByteBuffer.wrap(data.initialValue()).order(ByteOrder.LITTLE_ENDIAN).getShort(stats.offset() + 12) & 0xffff);
        assertEquals(-1, ByteBuffer.wrap(data.initialValue()).order(ByteOrder.LITTLE_ENDIAN)
                .getInt(data.variables().stream().filter(v -> v.name().equals("last_len")).findFirst().orElseThrow().offset()));
        assertEquals(7, ByteBuffer.wrap(o.map(".data.counters").orElseThrow().initialValue()).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        assertTrue(o.map(".rodata.consts").orElseThrow().readOnly());
        assertTrue(!o.map(".data.counters").orElseThrow().readOnly());
    }

    @Test
    void legacyMapsComeFromTheMapsSection() {
        ObjectSpec o = open("legacy_maps.bpf.o");
        MapSpec packets = o.map("packets").orElseThrow();
        assertEquals(MapSpec.Kind.LEGACY, packets.kind());
        assertEquals(MapType.ARRAY, packets.type());
        assertEquals(4, packets.keySize());
        assertEquals(8, packets.valueSize());
        assertEquals(4, packets.maxEntries());
        MapSpec sizes = o.map("sizes").orElseThrow();
        assertEquals(MapType.HASH, sizes.type());
        assertEquals(128, sizes.maxEntries());
        assertEquals(List.of("packets", "sizes"), o.program("legacy_counter").orElseThrow().mapsUsed());
    }

    @Test
    void taskInfoHasKprobeTracepointAndRingbuf() {
        ObjectSpec o = open("task_info.bpf.o");
        ProgramSpec open = o.program("on_open").orElseThrow();
        assertEquals(ProgramType.KPROBE, open.type());
        assertEquals("do_sys_openat2", open.attachTarget());
        ProgramSpec exec = o.program("on_exec").orElseThrow();
        assertEquals(ProgramType.TRACEPOINT, exec.type());
        assertEquals("sched/sched_process_exec", exec.attachTarget());
        MapSpec events = o.map("events").orElseThrow();
        assertEquals(MapType.RINGBUF, events.type());
        assertEquals(256 * 1024, events.maxEntries());
        assertEquals(0, events.keySize());
        assertEquals(0, events.valueSize());
    }

    @Test
    void advancedHasMapInMapCallbackExternAndGlobalSubprogram() {
        ObjectSpec o = open("advanced.bpf.o");
        MapSpec outer = o.map("per_cpu_tables").orElseThrow();
        assertEquals(MapType.HASH_OF_MAPS, outer.type());
        assertEquals(4, outer.keySize());
        assertEquals(4, outer.valueSize()); // map-in-map values are map fds
        assertEquals(16, outer.maxEntries());
        MapSpec inner = outer.innerMap();
        assertEquals(MapType.ARRAY, inner.type());
        assertEquals(4, inner.keySize());
        assertEquals(8, inner.valueSize());
        assertEquals(8, inner.maxEntries());
        MapSpec jumps = o.map("jump_table").orElseThrow();
        assertEquals(MapType.PROG_ARRAY, jumps.type());
        assertNull(jumps.innerMap());

        ProgramSpec p = o.program("sum_indexes").orElseThrow();
        assertEquals(ProgramType.TRACEPOINT, p.type());
        assertEquals("syscalls/sys_enter_getpid", p.attachTarget());
        assertEquals(List.of("add_index", "scale"), p.subprograms().stream().map(FunctionSpec::name).toList());
        assertTrue(o.function("scale").orElseThrow().global());
        assertTrue(!o.function("add_index").orElseThrow().global());
        List<Reference> refs = p.entry().references();
        Reference.FunctionAddress callback = refs.stream().filter(r -> r instanceof Reference.FunctionAddress)
                .map(r -> (Reference.FunctionAddress) r).findFirst().orElseThrow();
        assertEquals("add_index", callback.function());
        assertTrue(refs.stream().anyMatch(r -> r instanceof Reference.Extern e && e.symbol().equals("LINUX_KERNEL_VERSION")
                && !e.call()), refs::toString);

        // In the linked code the callback's lddw is BPF_PSEUDO_FUNC with a relative offset to add_index.
        byte[] linked = p.linkedCode();
        int at = callback.insnIndex() * 8;
        assertEquals(dev.ebpf4j.object.insn.Pseudo.FUNC, (linked[at + 1] >> 4) & 0xf);
        int imm = ByteBuffer.wrap(linked).order(ByteOrder.LITTLE_ENDIAN).getInt(at + 4);
        assertEquals(p.layout().get("add_index"), callback.insnIndex() + imm + 1);
    }

    @Test
    void callGraphListsEveryFunctionsCallees() {
        ObjectSpec o = open("advanced.bpf.o");
        assertEquals(java.util.Map.of("sum_indexes", List.of("add_index", "scale"), "add_index", List.of(),
                "scale", List.of()), o.callGraph());
    }

    @Test
    void btfExtRecordsFollowTheLinkedLayout() {
        ObjectSpec o = open("syscall_counter.bpf.o");
        ProgramSpec p = o.program("count_syscalls").orElseThrow();
        List<dev.ebpf4j.object.btf.BtfExt.FuncInfo> funcs = o.funcInfos(p);
        assertEquals(List.of("count_syscalls", "account"), funcs.stream().map(f -> f.name(o.btf())).toList());
        assertEquals(List.of(0, p.layout().get("account") * 8), funcs.stream().map(f -> f.insnOff()).toList());
        List<dev.ebpf4j.object.btf.BtfExt.LineInfo> lines = o.lineInfos(p);
        assertEquals(0, lines.get(0).insnOff());
        for (int i = 1; i < lines.size(); i++) {
            assertTrue(lines.get(i - 1).insnOff() <= lines.get(i).insnOff(), "sorted");
            assertTrue(lines.get(i).insnOff() < p.slots() * 8);
        }
        // account's first line is its first statement, now at account's linked position
        assertTrue(lines.stream().anyMatch(l -> l.insnOff() == p.layout().get("account") * 8
                && o.btfExt().lineText(l).contains("id & 511")), lines::toString);
        // every linked line record points at the same source text as the unlinked one
        int total = o.btfExt().lineInfos("raw_tp/sys_enter").size() + o.btfExt().lineInfos(".text").size();
        assertEquals(total, lines.size());

        ObjectSpec advanced = open("advanced.bpf.o");
        ProgramSpec sum = advanced.program("sum_indexes").orElseThrow();
        assertEquals(List.of("sum_indexes", "add_index", "scale"),
                advanced.funcInfos(sum).stream().map(f -> f.name(advanced.btf())).toList());
        assertTrue(open("legacy_maps.bpf.o").coreRelocations(open("legacy_maps.bpf.o").programs().get(0)).isEmpty());
        ObjectSpec task = open("task_info.bpf.o");
        ProgramSpec exec = task.program("on_exec").orElseThrow();
        assertEquals(task.btfExt().coreRelocations(exec.sectionName()).size(), task.coreRelocations(exec).size());
    }

    @Test
    void freshlyCompiledObjectsMatchTheCommittedOnes() {
        java.nio.file.Path built = TestObjects.repoDir().resolve("object/target/bpf");
        TestObjects.skipUnless(java.nio.file.Files.isDirectory(built), "clang did not build examples into " + built);
        for (java.nio.file.Path committed : TestObjects.exampleObjects()) {
            ObjectSpec a = ObjectSpec.open(committed);
            ObjectSpec b = ObjectSpec.open(built.resolve(committed.getFileName()));
            assertEquals(a.maps(), b.maps(), committed + ": maps differ; run make -C examples and commit the objects");
            assertEquals(a.functions(), b.functions(), committed + ": code differs; run make -C examples and commit the objects");
            assertEquals(a.programs().stream().map(ProgramSpec::tag).toList(), b.programs().stream().map(ProgramSpec::tag).toList());
        }
    }

    // ---------------------------------------------------------------- bad objects

    @Test
    void unknownProgramSectionIsNamed() {
        byte[] bytes = renameSection(TestObjects.read(TestObjects.example("hello.bpf.o")), "xdp", "xdq");
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> ObjectSpec.parse(bytes, "hello.bpf.o"));
        assertTrue(e.getMessage().contains("'xdq'"), e.getMessage());
    }

    @Test
    void staticProgramIsRejected() {
        byte[] bytes = TestObjects.read(TestObjects.example("hello.bpf.o"));
        ElfFile elf = ElfFile.parse(bytes);
        ElfSymbol hello = elf.symbols().stream().filter(s -> s.name().equals("hello")).findFirst().orElseThrow();
        ElfSection symtab = elf.sections().stream().filter(s -> s.type() == ElfFile.SHT_SYMTAB).findFirst().orElseThrow();
        int info = (int) symtab.offset() + hello.index() * 24 + 4;
        bytes[info] = (byte) ((ElfSymbol.STB_LOCAL << 4) | ElfSymbol.STT_FUNC);
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> ObjectSpec.parse(bytes, "hello.bpf.o"));
        assertTrue(e.getMessage().contains("'hello' is static"), e.getMessage());
    }

    @Test
    void relocationOnAnOrdinaryInstructionIsRejected() {
        byte[] bytes = TestObjects.read(TestObjects.example("hello.bpf.o"));
        ElfFile elf = ElfFile.parse(bytes);
        ElfSection xdp = elf.section("xdp").orElseThrow();
        int first = (int) elf.relocations(xdp).get(0).offset();
        bytes[(int) xdp.offset() + first] = (byte) 0xb7; // mov r, imm instead of lddw
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> ObjectSpec.parse(bytes, "hello.bpf.o"));
        assertTrue(e.getMessage().contains("section 'xdp', function 'hello', insn " + first / 8), e.getMessage());
    }

    /**
     * Found by Jazzer (ObjectJazzerTestInputs/elfReader/function-size-wraps-around): a function symbol whose
     * unsigned 64-bit size wraps {@code value + size} below the section size passed the bounds check and ended in an
     * IllegalArgumentException from Arrays.copyOfRange.
     */
    @Test
    void functionSizeThatWrapsAroundIsRefused() {
        byte[] bytes = TestObjects.read(TestObjects.example("hello.bpf.o"));
        ElfFile elf = ElfFile.parse(bytes);
        ElfSymbol hello = elf.symbols().stream().filter(s -> s.isFunction() && s.name().equals("hello")).findFirst().orElseThrow();
        ElfSection symtab = elf.sections().stream().filter(s -> s.type() == ElfFile.SHT_SYMTAB).findFirst().orElseThrow();
        for (long size : new long[] {-8, -8 * 1000, Long.MIN_VALUE}) {
            byte[] copy = bytes.clone();
            ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).putLong((int) symtab.offset() + hello.index() * 24 + 16, size);
            BpfFormatException e = assertThrows(BpfFormatException.class, () -> ObjectSpec.parse(copy, "hello.bpf.o"));
            assertTrue(e.getMessage().contains("function 'hello' at offset 0 size " + Long.toUnsignedString(size)
                    + " is not a whole number of instructions inside the section"), e.getMessage());
        }
    }

    @Test
    void objectNameFollowsLibbpf() {
        assertEquals("hello", ObjectSpec.objectName("hello.bpf.o"));
        assertEquals("hello", ObjectSpec.objectName("/tmp/x/hello.bpf.o"));
        assertEquals("a_very_long_obj", ObjectSpec.objectName("a_very_long_object_name.bpf.o"));
        assertEquals("noext", ObjectSpec.objectName("noext"));
    }

    /** Renames a section in place (same length), as a tool that edits the name table would. */
    static byte[] renameSection(byte[] bytes, String from, String to) {
        ElfFile elf = ElfFile.parse(bytes);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(40);
        int shstrndx = b.getShort(62) & 0xffff;
        ElfSection names = elf.section(shstrndx);
        ElfSection target = elf.section(from).orElseThrow();
        int nameOff = b.getInt((int) shoff + target.index() * 64);
        byte[] out = bytes.clone();
        byte[] repl = to.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(repl, 0, out, (int) names.offset() + nameOff, repl.length);
        return out;
    }
}
