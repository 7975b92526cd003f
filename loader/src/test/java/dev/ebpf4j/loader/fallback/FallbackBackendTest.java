package dev.ebpf4j.loader.fallback;

import static dev.ebpf4j.loader.fallback.Packets.le;
import static dev.ebpf4j.loader.fallback.Packets.u16;
import static dev.ebpf4j.loader.fallback.Packets.u32;
import static dev.ebpf4j.loader.fallback.Packets.u64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.kernel.BpfMapException;
import dev.ebpf4j.loader.kernel.ProgramLoadException;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.loader.TraceLog;
import dev.ebpf4j.loader.UpdateFlag;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.elf.ElfSection;
import dev.ebpf4j.object.testing.TestObjects;
import dev.ebpf4j.vm.VmOptions;

/** The example objects through the public API, forced into the fallback VM. */
class FallbackBackendTest {
    private static final LoadOptions FALLBACK = LoadOptions.defaults().withRuntime(RuntimeKind.FALLBACK);

    private static BpfObject load(String example) {
        return BpfObject.open(TestObjects.example(example)).load(FALLBACK);
    }

    @Test
    void helloPassesCountsRunsAndPrints() {
        byte[] packet = Packets.udp(53, 10);
        try (BpfObject obj = load("hello.bpf.o")) {
            assertEquals(RuntimeKind.FALLBACK, obj.runtime().kind());
            assertEquals("asked for", obj.runtime().reason());
            BpfProgram hello = obj.program("hello");
            Globals bss = obj.globals(".bss");
            assertTrue(bss.live(), "globals read the VM's memory");
            List<String> seen = new ArrayList<>();
            try (TraceLog.Subscription s = obj.traceLog().subscribe(l -> seen.add(l.message()))) {
                for (int i = 0; i < 4; i++) {
                    TestRun.Result r = hello.testRun(TestRun.Input.of(packet));
                    assertEquals(2, r.retval(), "XDP_PASS");
                    assertArrayEquals(packet, r.dataOut(), "hello leaves the packet alone");
                    assertNull(r.contextOut(), "no context in, no context out");
                    assertEquals(i + 1, bss.getInt("counter"));
                }
            }
            assertEquals(List.of("Hello World 0", "Hello World 1", "Hello World 2", "Hello World 3"), seen);
            assertEquals(seen, obj.traceLog().messages());
            TraceLog.Line last = obj.traceLog().lines().getLast();
            assertEquals("hello", last.program());
            assertTrue(last.text().endsWith("bpf_trace_printk: Hello World 3"), last.text());

            TestRun.Result many = hello.testRun(TestRun.Input.of(packet).withRepeat(25));
            assertEquals(2, many.retval());
            assertTrue(many.durationNanos() > 0);
            assertEquals(29, bss.getInt("counter"), "every repetition counts");
            assertEquals(29, obj.traceLog().drain().size());
            assertEquals(List.of(), obj.traceLog().lines(), "drained");

            bss.setInt("counter", 41);
            hello.testRun(TestRun.Input.of(packet));
            assertEquals("Hello World 41", obj.traceLog().messages().getLast(), "a write from Java is seen by the program");
            assertEquals(42, le(obj.map(".bss").lookup(u32(0)).orElseThrow(), 0, 4), "the map and the globals agree");
        }
    }

    @Test
    void helloNeedsAnEthernetHeaderAsTheKernelDoes() {
        try (BpfObject obj = load("hello.bpf.o")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> obj.program("hello").testRun(TestRun.Input.of(new byte[10])));
            assertTrue(e.getMessage().contains("at least 14 bytes") && e.getMessage().contains("EINVAL"), e.getMessage());
        }
    }

    @Test
    void packetFilterDropsPortsJavaBlocksAndCounts() {
        try (BpfObject obj = load("packet_filter.bpf.o")) {
            BpfProgram filter = obj.program("filter_udp_ports");
            BpfMap blocked = obj.map("blocked_ports");
            BpfMap verdicts = obj.map("verdicts");
            assertEquals(2, run(filter, Packets.udp(53, 20)), "nothing blocked yet");

            blocked.update(u16(53), u64(0), UpdateFlag.NOEXIST);
            blocked.update(u16(5353), u64(100));
            assertEquals(1, run(filter, Packets.udp(53, 20)), "XDP_DROP for a blocked port");
            assertEquals(1, run(filter, Packets.udp(53, 0)));
            assertEquals(1, run(filter, Packets.udp(5353, 4)));
            assertEquals(2, run(filter, Packets.udp(80, 20)), "XDP_PASS for another port");
            assertEquals(2, run(filter, Packets.tcp(53)), "XDP_PASS for TCP");

            assertEquals(2, le(blocked.lookup(u16(53)).orElseThrow(), 0, 8), "drops counted per port");
            assertEquals(101, le(blocked.lookup(u16(5353)).orElseThrow(), 0, 8));
            byte[] drops = verdicts.lookup(u32(0)).orElseThrow();
            assertEquals(FallbackBackend.possibleCpus() * 8, drops.length, "one 8-byte value per possible CPU");
            assertEquals(3, Packets.sumPerCpu(drops));
            assertEquals(3, Packets.sumPerCpu(verdicts.lookup(u32(1)).orElseThrow()));
            assertTrue(verdicts.lookup(u32(2)).isEmpty(), "past max_entries");

            List<Integer> ports = blocked.keys().stream().map(k -> (int) le(k, 0, 2)).sorted().toList();
            assertEquals(List.of(53, 5353), ports);

            BpfMapException exists = assertThrows(BpfMapException.class,
                    () -> blocked.update(u16(53), u64(0), UpdateFlag.NOEXIST));
            assertEquals("EEXIST", exists.errnoName());
            assertEquals("blocked_ports: update(NOEXIST): EEXIST: the key already exists", exists.getMessage());
            BpfMapException missing = assertThrows(BpfMapException.class,
                    () -> blocked.update(u16(9), u64(0), UpdateFlag.EXIST));
            assertEquals("ENOENT", missing.errnoName());
            assertEquals(2, missing.errno());

            assertTrue(blocked.delete(u16(53)));
            assertFalse(blocked.delete(u16(53)));
            assertEquals(2, run(filter, Packets.udp(53, 20)), "unblocked again");
        }
    }

    @Test
    void aFullHashMapRefusesWithE2big() {
        try (BpfObject obj = load("packet_filter.bpf.o")) {
            BpfMap blocked = obj.map("blocked_ports");
            int max = blocked.spec().maxEntries();
            IntStream.range(0, max).forEach(port -> blocked.update(u16(port), u64(port)));
            assertEquals(max, blocked.keys().size());
            BpfMapException full = assertThrows(BpfMapException.class,
                    () -> blocked.update(u16(max), u64(0)));
            assertEquals("E2BIG", full.errnoName());
            blocked.update(u16(7), u64(70), UpdateFlag.EXIST);
            assertEquals(70, le(blocked.lookup(u16(7)).orElseThrow(), 0, 8), "replacing still works when full");
            BpfMapException badKey = assertThrows(BpfMapException.class, () -> blocked.lookup(new byte[4]));
            assertEquals("EINVAL", badKey.errnoName());
        }
    }

    @Test
    void entriesPairsEveryKeyWithItsValue() {
        try (BpfObject obj = load("packet_filter.bpf.o")) {
            BpfMap blocked = obj.map("blocked_ports");
            assertTrue(blocked.entries().isEmpty());
            for (int port : new int[] {22, 80, 443}) {
                blocked.update(u16(port), u64(port * 10L));
            }
            Map<Long, Long> seen = new java.util.HashMap<>();
            for (Map.Entry<byte[], byte[]> e : blocked.entries()) {
                assertNull(seen.put(le(e.getKey(), 0, 2), le(e.getValue(), 0, 8)), "a key listed twice");
            }
            assertEquals(Map.of(22L, 220L, 80L, 800L, 443L, 4430L), seen);
        }
    }

    @Test
    void nextKeyWalksTheMapAsTheKernelDoes() {
        try (BpfObject obj = load("syscall_counter.bpf.o")) {
            BpfMap counts = obj.map("syscall_counts");
            assertEquals(0, le(counts.nextKey(null).orElseThrow(), 0, 4));
            assertEquals(8, le(counts.nextKey(u32(7)).orElseThrow(), 0, 4));
            assertTrue(counts.nextKey(u32(511)).isEmpty(), "after the last key");
            assertEquals(512, counts.keys().size());
        }
    }

    @Test
    void syscallCounterRunsOnARawTracepointContext() {
        try (BpfObject obj = load("syscall_counter.bpf.o")) {
            BpfProgram p = obj.program("count_syscalls");
            int[] ids = {0, 1, 1, 59, 511, 512 + 59};
            for (int id : ids) {
                TestRun.Result r = p.testRun(TestRun.Input.of(null).withContext(Packets.args(0xdead_0000L, id)));
                assertEquals(0, r.retval());
                assertEquals(0, r.dataOut().length, "no packet");
                assertNull(r.contextOut(), "raw_tp contexts are read-only: none comes back, as from the kernel");
            }
            BpfMap counts = obj.map("syscall_counts");
            assertEquals(1, le(counts.lookup(u32(0)).orElseThrow(), 0, 8));
            assertEquals(2, le(counts.lookup(u32(1)).orElseThrow(), 0, 8));
            assertEquals(2, le(counts.lookup(u32(59)).orElseThrow(), 0, 8), "id & 511");
            assertEquals(0, le(counts.lookup(u32(2)).orElseThrow(), 0, 8));
            assertEquals(ids.length, obj.globals(".bss").getLong("total_calls"));
            assertThrows(IllegalArgumentException.class, () -> p.testRun(TestRun.Input.of(Packets.udp(1, 0))),
                    "raw_tp takes a context, not data");
        }
    }

    @Test
    void globalsClassifyAndKeepLong() {
        try (BpfObject obj = load("globals.bpf.o")) {
            BpfProgram classify = obj.program("classify");
            BpfProgram keep = obj.program("keep_long");
            Globals rodata = obj.globals(".rodata");
            Globals data = obj.globals(".data");
            Globals bss = obj.globals(".bss");
            assertEquals(64, rodata.getInt("min_len"));
            assertEquals("hi from rodata", rodata.format("greeting"));
            assertEquals(7, obj.globals(".data.counters").getInt("custom_counter"));
            assertEquals(-1, data.getInt("last_len"));

            assertEquals(0, classify.testRun(TestRun.Input.of(Packets.udp(1, 0))).retval(), "TC_ACT_OK");
            TestRun.Result second = classify.testRun(TestRun.Input.of(Packets.udp(1, 58)));
            assertEquals(0, second.retval());
            assertEquals(100, second.dataOut().length);
            assertEquals(2, bss.getLong("seen_packets"));
            assertEquals(1, bss.getLong("long_packets"));
            assertEquals(100, data.getInt("last_len"));
            assertEquals(Map.of("bytes", 142L, "packets", 2L, "min", 42L, "max", 100L), data.format("stats"));
            assertEquals("long packet 100 (hi from rodata)", obj.traceLog().messages().getLast());

            assertEquals(0, keep.testRun(TestRun.Input.of(Packets.udp(1, 0))).retval(), "28 bytes < min_len");
            TestRun.Result kept = keep.testRun(TestRun.Input.of(Packets.udp(1, 58)));
            assertEquals(86, kept.retval(), "a socket filter sees the packet from the network header, as in the kernel");
            byte[] expected = Packets.udp(1, 58);
            java.util.Arrays.fill(expected, 0, 14, (byte) 0);
            assertArrayEquals(expected, kept.dataOut(), "the Ethernet header comes back zeroed, as from the kernel");

            assertEquals(".rodata is read-only: the runtime froze it when the object was loaded",
                    assertThrows(IllegalArgumentException.class, () -> rodata.setInt("min_len", 1),
                            ".rodata is frozen, as libbpf freezes it").getMessage());
            BpfMapException frozen = assertThrows(BpfMapException.class,
                    () -> obj.map(".rodata").update(u32(0), new byte[obj.map(".rodata").spec().valueSize()]));
            assertEquals("EPERM", frozen.errnoName());
            assertEquals(64, rodata.getInt("min_len"));
        }
    }

    @Test
    void skbContextInSetsTheMarkAndComesBack() {
        try (BpfObject obj = load("globals.bpf.o")) {
            byte[] ctx = ByteBuffer.allocate(192).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0x1234).array();
            TestRun.Result r = obj.program("classify").testRun(TestRun.Input.of(Packets.udp(1, 30)).withContext(ctx));
            assertEquals(192, r.contextOut().length);
            ByteBuffer out = ByteBuffer.wrap(r.contextOut()).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x1234, out.getInt(8), "mark");
            assertEquals(72, out.getInt(160), "wire_len");
            assertEquals(1, out.getInt(40), "ifindex");
            assertEquals(0, out.getInt(0), "len is not copied back, as the kernel does not");
        }
    }

    @Test
    void anObjectNeedingTheKernelIsRefusedUpFrontWithPreciseReasons() {
        ObjectSpec needsKernel = ObjectSpec.open(TestObjects.repoDir().resolve("fallback-vm/src/test/c/needs_kernel.bpf.o"));
        String why = new FallbackBackend().unavailableReason(needsKernel).orElseThrow();
        assertTrue(why.contains("map 'ports' has type devmap, which the fallback VM does not implement"), why);
        assertTrue(why.contains("calls helper bpf_redirect_map (id 51), which the fallback VM does not implement"), why);
        BpfLoadException e = assertThrows(BpfLoadException.class, () -> BpfObject.of(needsKernel).load(FALLBACK));
        assertTrue(e.getMessage().startsWith("needs_kernel: the fallback VM was asked for but map 'ports'"),
                e.getMessage());
        ObjectSpec ksym = ObjectSpec.open(TestObjects.repoDir().resolve("fallback-vm/src/test/c/ksym.bpf.o"));
        assertEquals(java.util.Optional.of("program 'over_limit': ksym 'ebpf4j_limits' is a kernel variable, and the"
                + " fallback VM has no kernel memory: supply its bytes with VmOptions.withKsym(\"ebpf4j_limits\", ...)"),
                new FallbackBackend().unavailableReason(ksym));
        assertEquals(java.util.Optional.empty(), new FallbackBackend(dev.ebpf4j.vm.VmOptions.defaults().withKsym(
                "ebpf4j_limits", dev.ebpf4j.vm.KernelStruct.of("ebpf4j_limits", new byte[8]))).unavailableReason(ksym));
        List<String> ok = new java.util.ArrayList<>(List.of("hello.bpf.o", "packet_filter.bpf.o",
                "syscall_counter.bpf.o", "globals.bpf.o", "advanced.bpf.o", "legacy_maps.bpf.o"));
        if (dev.ebpf4j.vm.CoreTarget.running().isPresent()) {
            ok.add("task_info.bpf.o"); // CO-RE against the running kernel's BTF, bpf_get_current_task
        }
        for (String name : ok) {
            assertEquals(java.util.Optional.empty(),
                    new FallbackBackend().unavailableReason(ObjectSpec.open(TestObjects.example(name))), name);
        }
    }

    @Test
    void aMissingHelperIsFoundStatically() {
        ObjectSpec hello = ObjectSpec.open(TestObjects.example("hello.bpf.o"));
        FallbackBackend noPrintk = new FallbackBackend(VmOptions.defaults()
                .withHelpers(VmOptions.defaults().helpers().with(6, null)));
        assertEquals("program 'hello' calls helper bpf_trace_printk (id 6), which the fallback VM does not implement"
                + " (insn 6)", noPrintk.unavailableReason(hello).orElseThrow());
    }

    @Test
    void pinningSaysItNeedsTheKernelAndWhyThisIsTheFallback() {
        try (BpfObject obj = load("hello.bpf.o")) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> obj.program("hello").pin(Path.of("/sys/fs/bpf/hello")));
            assertEquals("program 'hello': cannot pin at /sys/fs/bpf/hello: pinning needs the kernel runtime; this"
                    + " object runs in the fallback VM (asked for)", e.getMessage());
            e = assertThrows(UnsupportedOperationException.class, () -> obj.map(".bss").pin(Path.of("/sys/fs/bpf/b")));
            assertTrue(e.getMessage().endsWith("this object runs in the fallback VM (asked for)"), e.getMessage());
        }
    }

    @Test
    void tagIsTheOfflineTagAndTheLogIsKeptWhenAskedFor() {
        ObjectSpec spec = ObjectSpec.open(TestObjects.example("hello.bpf.o"));
        try (BpfObject obj = BpfObject.of(spec).load(FALLBACK.withLogOnSuccess(true))) {
            BpfProgram hello = obj.program("hello");
            assertEquals(spec.program("hello").orElseThrow().tag(), hello.tag());
            assertTrue(hello.tag().matches("[0-9a-f]{16}"), hello.tag());
            assertTrue(hello.verifierLog().contains("processed"), hello.verifierLog());
        }
        try (BpfObject obj = BpfObject.of(spec).load(FALLBACK)) {
            assertEquals("", obj.program("hello").verifierLog());
        }
    }

    @Test
    void aVerifierRejectionCarriesProgramInstructionReasonAndLog() {
        byte[] bytes = TestObjects.read(TestObjects.example("hello.bpf.o"));
        ElfSection xdp = ObjectSpec.parse(bytes, "hello.bpf.o").elf().section("xdp").orElseThrow();
        // "r0 = 2" becomes "r0 = r2": r2 was clobbered by the call to bpf_trace_printk
        byte[] movR0Imm2 = HexFormat.of().parseHex("b700000002000000");
        int at = indexOf(bytes, movR0Imm2, (int) xdp.offset(), (int) (xdp.offset() + xdp.size()));
        assertTrue(at >= 0, "hello's r0 = 2");
        System.arraycopy(HexFormat.of().parseHex("bf20000000000000"), 0, bytes, at, 8);
        int insn = (int) ((at - xdp.offset()) / 8);

        BpfObject bad = BpfObject.open(bytes, "bad_hello.bpf.o");
        ProgramLoadException refused = assertThrows(ProgramLoadException.class, () -> bad.load(FALLBACK),
                "the kernel runtime's type for verifier refusals");
        FallbackProgramLoadException e = (FallbackProgramLoadException) refused;
        assertEquals("hello", e.programName());
        assertEquals("bad_hello", e.objectName());
        assertEquals(insn, e.insnIndex());
        assertEquals(0, e.errno(), "the VM's verifier has no errno");
        assertEquals("", e.errnoName());
        assertTrue(e.summary().contains("R2"), e.summary());
        assertTrue(e.log().contains("R2"), e.log());
        assertEquals("bad_hello: the fallback VM's verifier refused program 'hello' at insn " + insn + ": "
                + e.summary(), e.getMessage());
        assertFalse(bad.isLoaded());
    }

    private static long run(BpfProgram p, byte[] packet) {
        return p.testRun(TestRun.Input.of(packet)).retval();
    }

    private static int indexOf(byte[] haystack, byte[] needle, int from, int to) {
        outer:
        for (int i = from; i + needle.length <= to; i += 8) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void closingReleasesMapsAndPrograms() {
        BpfObject obj = load("hello.bpf.o");
        BpfProgram hello = obj.program("hello");
        BpfMap bss = obj.map(".bss");
        obj.close();
        assertThrows(IllegalStateException.class, () -> hello.testRun(TestRun.Input.of(Packets.udp(1, 0))));
        assertThrows(IllegalStateException.class, () -> bss.lookup(u32(0)));
    }

    @Test
    void theProcessTraceLogSeesEveryObjectsLines() {
        String marker = "Hello World 77";
        try (BpfObject obj = load("hello.bpf.o")) {
            obj.globals(".bss").setInt("counter", 77);
            obj.program("hello").testRun(TestRun.Input.of(Packets.udp(1, 0)));
        }
        assertTrue(FallbackBackend.processTraceLog().messages().contains(marker),
                FallbackBackend.processTraceLog().messages().toString());
    }

    @Test
    void cpuListsAreCountedUpToTheHighestCpu() {
        assertEquals(1, FallbackBackend.parseCpuList("0\n"));
        assertEquals(4, FallbackBackend.parseCpuList("0-3"));
        assertEquals(6, FallbackBackend.parseCpuList("0-3,5\n"));
    }
}
