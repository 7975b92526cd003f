package dev.ebpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;
import dev.ebpf4j.vm.context.RawContext;
import dev.ebpf4j.vm.context.SkBuffContext;
import dev.ebpf4j.vm.context.XdpContext;
import dev.ebpf4j.vm.helpers.TraceEvent;
import dev.ebpf4j.vm.maps.ArrayMap;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.maps.Bytes;
import dev.ebpf4j.vm.maps.GlobalDataMap;
import dev.ebpf4j.vm.maps.HashTableMap;
import dev.ebpf4j.vm.maps.MapOfMaps;
import dev.ebpf4j.vm.maps.ProgArrayMap;

/** The committed example objects, loaded from their ELF files and run in the VM. */
class ExampleObjectsTest {

    private static VmObject load(BpfVm vm, String name) {
        return vm.load(ObjectSpec.open(TestObjects.example(name)));
    }

    @Test
    void helloPassesCountsAndPrints() {
        BpfVm vm = BpfVm.create();
        VmObject obj = load(vm, "hello.bpf.o");
        List<TraceEvent> seen = new ArrayList<>();
        vm.traceLog().subscribe(seen::add);
        VmProgram hello = obj.program("hello");
        byte[] packet = Packets.udp(53, 10);
        for (int i = 0; i < 5; i++) {
            RunResult r = hello.run(XdpContext.of(packet));
            assertEquals(2, r.retval(), "XDP_PASS");
            assertArrayEquals(packet, r.packet(), "hello does not touch the packet");
            assertEquals(i + 1, obj.readGlobal("counter"));
        }
        assertEquals(List.of("Hello World 0", "Hello World 1", "Hello World 2", "Hello World 3", "Hello World 4"),
                seen.stream().map(TraceEvent::message).toList());
        assertEquals(seen.stream().map(TraceEvent::message).toList(), vm.traceLog().messages());
        assertTrue(seen.get(4).traceLine().endsWith("bpf_trace_printk: Hello World 4"), seen.get(4).traceLine());
        assertEquals("hello", seen.get(0).program());

        obj.writeGlobal("counter", 41);
        hello.run(XdpContext.of(packet));
        assertEquals("Hello World 41", vm.traceLog().messages().getLast());
        assertEquals(42, obj.readGlobal("counter"));
    }

    @Test
    void helloRepeatCountsEveryRun() {
        BpfVm vm = BpfVm.create();
        VmObject obj = load(vm, "hello.bpf.o");
        RunResult r = obj.program("hello").run(XdpContext.of(Packets.arp()), RunOptions.defaults().withRepeat(100));
        assertEquals(2, r.retval());
        assertEquals(100, r.repeat());
        assertEquals(100, obj.readGlobal("counter"));
        assertTrue(r.instructions() > 5 && r.instructions() < 50, "instructions " + r.instructions());
    }

    @Test
    void packetFilterDropsBlockedPortsAndCounts() {
        BpfVm vm = new BpfVm(VmOptions.defaults().withPossibleCpus(4));
        VmObject obj = load(vm, "packet_filter.bpf.o");
        VmProgram filter = obj.program("filter_udp_ports");
        HashTableMap blocked = obj.map("blocked_ports", HashTableMap.class);
        ArrayMap verdicts = obj.map("verdicts", ArrayMap.class);
        blocked.update(Bytes.u16(53), Bytes.u64(0));

        assertEquals(1, filter.run(XdpContext.of(Packets.udp(53, 20))).retval(), "XDP_DROP for a blocked port");
        assertEquals(1, filter.run(XdpContext.of(Packets.udp(53, 0)), RunOptions.defaults().withCpu(2)).retval());
        assertEquals(2, filter.run(XdpContext.of(Packets.udp(80, 20))).retval(), "XDP_PASS for another port");
        assertEquals(2, filter.run(XdpContext.of(Packets.tcp(53))).retval(), "XDP_PASS for TCP");
        assertEquals(2, filter.run(XdpContext.of(Packets.arp())).retval(), "XDP_PASS for non-IP");
        assertEquals(2, filter.run(XdpContext.of(new byte[10])).retval(), "XDP_PASS for a runt frame");

        assertEquals(2, Bytes.toLong(blocked.lookup(Bytes.u16(53))), "drops counted per port");
        assertEquals(1, Bytes.toLong(verdicts.lookup(0, 0)), "drop verdicts on cpu 0");
        assertEquals(1, Bytes.toLong(verdicts.lookup(0, 2)), "drop verdicts on cpu 2");
        assertEquals(4, Bytes.toLong(verdicts.lookup(1, 0)), "pass verdicts on cpu 0");
        assertEquals(4 * 8, verdicts.lookup(Bytes.u32(1)).length, "per-CPU lookup from Java: one 8-byte value per CPU");

        blocked.delete(Bytes.u16(53));
        assertEquals(2, filter.run(XdpContext.of(Packets.udp(53, 20))).retval(), "unblocked again");
    }

    @Test
    void syscallCounterCountsThroughASubprogram() {
        BpfVm vm = BpfVm.create();
        VmObject obj = load(vm, "syscall_counter.bpf.o");
        VmProgram p = obj.program("count_syscalls");
        int[] ids = {0, 1, 1, 59, 511, 512 + 59};
        for (int id : ids) {
            assertEquals(0, p.run(RawContext.args(0xdead_0000L, id)).retval());
        }
        BpfMap counts = obj.map("syscall_counts");
        assertEquals(1, Bytes.toLong(counts.lookup(Bytes.u32(0))));
        assertEquals(2, Bytes.toLong(counts.lookup(Bytes.u32(1))));
        assertEquals(2, Bytes.toLong(counts.lookup(Bytes.u32(59))), "id & 511");
        assertEquals(1, Bytes.toLong(counts.lookup(Bytes.u32(511))));
        assertEquals(0, Bytes.toLong(counts.lookup(Bytes.u32(2))));
        assertEquals(ids.length, obj.readGlobal("total_calls"));
    }

    @Test
    void globalsClassifyAndKeepLong() {
        BpfVm vm = BpfVm.create();
        VmObject obj = load(vm, "globals.bpf.o");
        VmProgram classify = obj.program("classify");
        VmProgram keep = obj.program("keep_long");
        assertEquals(64, obj.readGlobal("min_len"), ".rodata initial value");
        assertEquals(7, obj.readGlobal("custom_counter"));
        assertEquals(-1, obj.globals("last_len").readSigned("last_len"));

        assertEquals(0, classify.run(SkBuffContext.of(Packets.udp(1, 0))).retval(), "TC_ACT_OK");
        RunResult second = classify.run(SkBuffContext.of(Packets.udp(1, 100 - 42)));
        assertEquals(0, second.retval());
        assertEquals(100, second.packet().length);
        assertEquals(2, obj.readGlobal("seen_packets"));
        assertEquals(100, obj.readGlobal("last_len"));
        assertEquals(1, obj.readGlobal("long_packets"));
        assertEquals(7, obj.readGlobal("custom_counter"), "magic & 1 == 0");
        assertEquals("long packet 100 (hi from rodata)", vm.traceLog().messages().getLast());

        byte[] stats = obj.readGlobalBytes("stats");
        ByteBuffer s = ByteBuffer.wrap(stats).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(142, s.getLong(0), "bytes");
        assertEquals(2, s.getInt(8), "packets");
        assertEquals(42, s.getShort(12), "min");
        assertEquals(100, s.getShort(14), "max");

        assertEquals(0, keep.run(SkBuffContext.of(Packets.udp(1, 0))).retval());
        assertEquals(100, keep.run(SkBuffContext.of(Packets.udp(1, 58))).retval());
        obj.writeGlobal("min_len", 20);
        assertEquals(42, keep.run(SkBuffContext.of(Packets.udp(1, 0))).retval(), "Java may set .rodata before runs");
    }

    @Test
    void rodataIsReadOnlyForPrograms() {
        BpfVm vm = BpfVm.create();
        VmObject obj = load(vm, "globals.bpf.o");
        GlobalDataMap rodata = obj.globals("min_len");
        assertTrue(rodata.spec().readOnly());
        assertTrue(!rodata.region().writable());
        assertTrue(obj.globals("seen_packets").region().writable());
    }

    @Test
    void advancedLoopMapInMapAndTailCall() {
        BpfVm vm = new BpfVm(VmOptions.defaults().withKconfig(Map.of("LINUX_KERNEL_VERSION", 0x060800L)));
        VmObject obj = load(vm, "advanced.bpf.o");
        VmProgram p = obj.program("sum_indexes");
        MapOfMaps outer = obj.map("per_cpu_tables", MapOfMaps.class);
        ArrayMap inner = (ArrayMap) vm.createMap(outer.spec().innerMap());
        outer.set(Bytes.u32(0), inner);

        RunResult r = p.run(RawContext.of(new byte[64]));
        assertEquals(3 * 45, r.retval(), "scale(sum of 0..9) with no tail call target");
        assertEquals(45 + 0x060800, Bytes.toLong(inner.lookup(Bytes.u32(0))), "bpf_loop sum + kconfig value");

        // a tail call target: the program itself would loop 33 times; use a tiny program instead
        VmProgram target = vm.program("ret7", dev.ebpf4j.object.ProgramType.TRACEPOINT,
                List.of(dev.ebpf4j.object.insn.Instruction.mov64(0, 7), dev.ebpf4j.object.insn.Instruction.exit()));
        obj.map("jump_table", ProgArrayMap.class).set(0, target);
        assertEquals(7, p.run(RawContext.of(new byte[64])).retval(), "tail call replaced the program");
        assertEquals(2 * (45 + 0x060800), Bytes.toLong(inner.lookup(Bytes.u32(0))));
    }

    @Test
    void taskInfoLoadsWithCoReAndRuns() {
        // CO-RE against the running kernel's BTF; the values read are checked in CoreTaskTest
        TestObjects.skipUnless(CoreTarget.running().isPresent(), CoreTarget.VMLINUX + " is not readable");
        BpfVm vm = BpfVm.create();
        VmObject obj = load(vm, "task_info.bpf.o");
        assertNotNull(obj.map("events"));
        assertTrue(obj.failures().isEmpty(), obj.failures().toString());
        for (VmProgram p : obj.programs().values()) {
            assertEquals(0, p.run(RawContext.of(new byte[256])).retval(), p.name());
        }
        assertEquals(2, obj.map("events", dev.ebpf4j.vm.maps.RingBufMap.class).drain().size());
    }

    @Test
    void everyExampleLoads() {
        for (var path : TestObjects.exampleObjects()) {
            VmObject obj = BpfVm.create().load(ObjectSpec.open(path));
            assertTrue(obj.programs().size() + obj.failures().size() >= obj.spec().programs().size(), path.toString());
            assertTrue(obj.failures().isEmpty(), path + ": " + obj.failures());
        }
    }
}
