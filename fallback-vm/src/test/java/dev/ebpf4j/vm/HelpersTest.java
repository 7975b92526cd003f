package dev.ebpf4j.vm;

import static dev.ebpf4j.object.insn.Opcode.*;
import static dev.ebpf4j.vm.Asm.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.context.MemoryContext;
import dev.ebpf4j.vm.context.SkBuffContext;
import dev.ebpf4j.vm.context.XdpContext;
import dev.ebpf4j.vm.helpers.PrintkFormat;
import dev.ebpf4j.vm.helpers.StandardHelpers;
import dev.ebpf4j.vm.maps.Bytes;
import dev.ebpf4j.vm.maps.PerfEventArrayMap;
import dev.ebpf4j.vm.maps.ProgArrayMap;
import dev.ebpf4j.vm.memory.AddressSpace;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;

class HelpersTest {
    private final BpfVm vm = new BpfVm(VmOptions.defaults().withClock(() -> 123_456_789L).withTask(1001, 1000, "curl"));

    private String printk(String fmt, long... args) {
        AddressSpace mem = new AddressSpace(vm.sharedRegions());
        long s = mem.map(Region.Kind.MEMORY, "s", Segments.copyOf("abc\0".getBytes(StandardCharsets.US_ASCII)), true, false,
                null, null).base();
        long ip = mem.map(Region.Kind.MEMORY, "ip", Segments.copyOf(new byte[] {10, 0, 0, 7}), true, false, null, null).base();
        long[] a = Arrays.copyOf(args, 3);
        for (int i = 0; i < a.length; i++) {
            a[i] = a[i] == -999 ? s : a[i] == -998 ? ip : a[i];
        }
        return PrintkFormat.format(fmt.getBytes(StandardCharsets.US_ASCII), a, mem);
    }

    @Test
    void printkFormatsAsTheKernel() {
        assertEquals("Hello World 7", printk("Hello World %d", 7));
        assertEquals("-1 4294967295 ffffffff", printk("%d %u %x", -1, -1, -1), "no l: low 32 bits");
        assertEquals("-1 18446744073709551615 ffffffffffffffff", printk("%lld %llu %lx", -1, -1, -1));
        assertEquals("x=abc c=A 100%", printk("x=%s c=%c 100%%", -999, 'A'));
        assertEquals("[   42|42   |00042]", printk("[%5d|%-5d|%05d]", 42, 42, 42));
        assertEquals("-0042 FF", printk("%05d %X", -42, 255));
        assertEquals("10.0.0.7", printk("%pI4", -998));
        assertEquals("00000000deadbeef", printk("%px", 0xdeadbeefL));
        assertNull(printk("%d %d %d %d", 1, 2, 3), "more conversions than arguments");
        assertNull(printk("%q", 1), "unknown conversion");
        assertNull(printk("tab\u0001", 1), "non-printable");
        assertEquals("", printk("%s", 0), "a bad string pointer prints nothing");
    }

    @Test
    void tracePrintkFromAProgramReturnsLengthAndLogs() {
        byte[] fmt = "v=%d\n\0".getBytes(StandardCharsets.US_ASCII);
        long r0 = vm.program("p", ProgramType.KPROBE, List.of(mov(3, 5), call(6), exit()))
                .run(MemoryContext.of(fmt)).returnValue();
        assertEquals(4, r0, "bytes written: 'v=5\\n'");
        assertEquals("v=5", vm.traceLog().messages().getLast());
        assertEquals(1001, vm.traceLog().events().getLast().pid());
        assertTrue(vm.traceLog().events().getLast().traceLine().contains("curl-1001"));
        long bad = vm.program("p", ProgramType.KPROBE, List.of(call(6), exit())).run(MemoryContext.of("no nul".getBytes()))
                .returnValue();
        assertEquals(-Errno.EINVAL, bad);
    }

    @Test
    void taskTimeAndCpuHelpers() {
        assertEquals((1000L << 32) | 1001, run(vm, call(StandardHelpers.id("get_current_pid_tgid")), exit()));
        assertEquals(123_456_789L, run(vm, call(5), exit()));
        assertEquals(123_456_789L, run(vm, call(StandardHelpers.id("ktime_get_boot_ns")), exit()));
        // comm into the stack, read back the first 4 bytes
        assertEquals(Bytes.toLong("curl".getBytes(StandardCharsets.US_ASCII)),
                run(vm, movr(1, 10), alu64(ADD, 1, -16), mov(2, 16), call(16), ldx(W, 0, 10, -16), exit()));
        assertEquals(0, run(vm, movr(1, 10), alu64(ADD, 1, -16), mov(2, 16), call(16), ldx(B, 0, 10, -12), exit()), "NUL-terminated");
        BpfVm seeded1 = new BpfVm(VmOptions.defaults().withRandomSeed(42));
        BpfVm seeded2 = new BpfVm(VmOptions.defaults().withRandomSeed(42));
        assertEquals(run(seeded1, call(7), exit()), run(seeded2, call(7), exit()));
        long r = run(seeded1, call(7), exit());
        assertTrue(r >= 0 && r <= 0xffff_ffffL);
    }

    @Test
    void probeReadOnlyFromVmMemory() {
        // copy 4 bytes of the mem region to the stack
        assertEquals(0x0403_0201L, run1(new byte[] {1, 2, 3, 4}, movr(3, 1), movr(1, 10), alu64(ADD, 1, -8), mov(2, 4),
                call(113), ldx(W, 0, 10, -8), exit()));
        // from an unmapped address: -EFAULT and the destination zeroed
        assertEquals(-Errno.EFAULT, run1(new byte[4], st(DW, 10, -8, -1), lddw(3, 0x1234_0000_0000L), movr(1, 10),
                alu64(ADD, 1, -8), mov(2, 4), call(113), exit()));
        assertEquals(0, run1(new byte[4], st(DW, 10, -8, -1), lddw(3, 0x1234_0000_0000L), movr(1, 10), alu64(ADD, 1, -8),
                mov(2, 4), call(113), ldx(W, 0, 10, -8), exit()));
        // probe_read_str: length including NUL
        assertEquals(3, run1("hi\0xx".getBytes(), movr(3, 1), movr(1, 10), alu64(ADD, 1, -16), mov(2, 16), call(115), exit()));
    }

    private long run1(byte[] mem, Instruction... insns) {
        return vm.program("t", ProgramType.KPROBE, List.of(insns)).run(MemoryContext.of(mem)).returnValue();
    }

    @Test
    void xdpAdjustHeadTailMetaAreVisibleToTheCaller() {
        byte[] packet = new byte[64];
        for (int i = 0; i < packet.length; i++) {
            packet[i] = (byte) i;
        }
        // pop 14 bytes, push 4 bytes at the tail, write 0xaa at the new data start
        VmProgram p = vm.program("x", ProgramType.XDP, List.of(
                movr(6, 1),
                mov(2, 14), call(44),
                movr(1, 6), mov(2, 4), call(65),
                ldx(W, 2, 6, 0), ldx(W, 3, 6, 4), movr(4, 2), alu64(ADD, 4, 1), jmp(JGT, 4, 0, 0),
                Instruction.of(JMP | JGT | X, 4, 3, 2, 0),
                st(B, 2, 0, 0xaa),
                mov(0, 2), exit(), mov(0, 1), exit()));
        RunResult r = p.run(XdpContext.of(packet));
        assertEquals(2, r.retval());
        byte[] out = r.packet();
        assertEquals(64 - 14 + 4, out.length);
        assertEquals((byte) 0xaa, out[0]);
        assertEquals(15, out[1]);
        assertArrayEquals(new byte[4], Arrays.copyOfRange(out, 50, 54), "grown tail is zeroed");
        // head may not eat into the Ethernet header minimum or past the headroom
        assertEquals(-Errno.EINVAL, vm.program("y", ProgramType.XDP, List.of(mov(2, 60), call(44), exit()))
                .run(XdpContext.of(packet)).returnValue());
        assertEquals(-Errno.EINVAL, vm.program("z", ProgramType.XDP, List.of(mov(2, -300), call(44), exit()))
                .run(XdpContext.of(packet)).returnValue());
        // meta: 8 bytes of metadata before data
        RunResult m = vm.program("m", ProgramType.XDP, List.of(movr(6, 1), mov(2, -8), call(54), ldx(W, 2, 6, 8), st(W, 2, 0, 7),
                ldx(W, 3, 6, 0), Instruction.of(ALU64 | SUB | X, 3, 2, 0, 0), movr(0, 3), exit())).run(XdpContext.of(packet));
        assertEquals(8, m.retval(), "data - data_meta");
        assertEquals(8, Bytes.toLong(m.context(), 0, 4), "xdp_md out: data is the metadata length");
    }

    @Test
    void skbLoadBytesAndLegacyLoads() {
        byte[] pkt = Packets.udp(0x1f90, 4);
        VmProgram p = vm.program("s", ProgramType.SOCKET_FILTER, List.of(
                movr(6, 1), mov(2, 36), movr(3, 10), alu64(ADD, 3, -8), mov(4, 2), call(26),
                jmp(JNE, 0, 0, 3), ldx(H, 0, 10, -8), Instruction.of(ALU | END | TO_BE, 0, 0, 0, 16), exit(),
                mov(0, -1), exit()));
        assertEquals(0x1f90, p.run(SkBuffContext.of(pkt)).retval());
        VmProgram q = vm.program("s2", ProgramType.SOCKET_FILTER, List.of(movr(6, 1), mov(2, 1000), movr(3, 10),
                alu64(ADD, 3, -8), mov(4, 2), call(26), exit()));
        assertEquals(-Errno.EFAULT, q.run(SkBuffContext.of(pkt)).returnValue());
        // LD_ABS: ethertype (big-endian) and an out-of-bounds load that ends the program with 0
        VmProgram abs = vm.program("abs", ProgramType.SOCKET_FILTER, List.of(movr(6, 1),
                Instruction.of(LD | ABS | H, 0, 0, 0, 12), exit()));
        assertEquals(0x0800, abs.run(SkBuffContext.of(pkt)).retval());
        VmProgram oob = vm.program("oob", ProgramType.SOCKET_FILTER, List.of(movr(6, 1), mov(0, 5),
                Instruction.of(LD | ABS | W, 0, 0, 0, 4000), mov(0, 9), exit()));
        assertEquals(0, oob.run(SkBuffContext.of(pkt)).retval());
    }

    @Test
    void skBuffFieldsAndWritableOnes() {
        SkBuffContext ctx = SkBuffContext.of(Packets.udp(1, 0)).withMark(5).withCb(1, 9);
        VmProgram p = vm.program("f", ProgramType.SCHED_CLS, List.of(
                ldx(W, 0, 1, SkBuffContext.MARK), ldx(W, 2, 1, SkBuffContext.CB + 4), alu64r(ADD, 0, 2),
                ldx(W, 2, 1, SkBuffContext.LEN), alu64r(ADD, 0, 2),
                st(W, 1, SkBuffContext.MARK, 77), exit()));
        RunResult r = p.run(ctx);
        assertEquals(5 + 9 + 42, r.retval());
        assertEquals(77, Bytes.toLong(r.context(), SkBuffContext.MARK, 4), "mark written back");
        VmProgram bad = vm.program("g", ProgramType.SCHED_CLS, List.of(st(W, 1, SkBuffContext.LEN, 1), exit()));
        assertTrue(assertThrows(BpfRuntimeException.class, () -> bad.run(ctx)).getMessage().contains("not writable"));
        // data/data_end give packet pointers: data_end - data = len
        VmProgram len = vm.program("h", ProgramType.SCHED_CLS, List.of(ldx(W, 2, 1, SkBuffContext.DATA),
                ldx(W, 0, 1, SkBuffContext.DATA_END), Instruction.of(ALU64 | SUB | X, 0, 2, 0, 0), exit()));
        assertEquals(42, len.run(ctx).retval());
        assertEquals(0x0008, Bytes.toLong(r.context(), SkBuffContext.PROTOCOL, 4), "protocol in network order");
    }

    @Test
    void bpfLoopRunsTheCallbackAndStopsEarly() {
        // sum indexes into fp-8 via the callback; callback returns 1 when index == 5
        Instruction[] prog = {
                st(DW, 10, -8, 0),
                mov(1, 100), Instruction.loadImm64(2, dev.ebpf4j.object.insn.Pseudo.FUNC, 9, 0), movr(3, 10), alu64(ADD, 3, -8),
                mov(4, 0), call(181),
                ldx(DW, 1, 10, -8), alu64(MUL, 1, 1000), alu64r(ADD, 0, 1), exit(),
                // callback(index r1, ctx r2)
                ldx(DW, 3, 2, 0), alu64r(ADD, 3, 1), stx(DW, 2, 3, 0), mov(0, 0), jmp(JNE, 1, 5, 1), mov(0, 1), exit()};
        assertEquals(6 + 15 * 1000, run(vm, prog), "6 iterations, sum 0..5");
        assertEquals(-Errno.EINVAL, run(vm, mov(1, 1), Instruction.loadImm64(2, dev.ebpf4j.object.insn.Pseudo.FUNC, 5, 0), mov(3, 0),
                mov(4, 1), call(181), exit(), mov(0, 0), exit()), "flags must be 0");
        assertTrue(assertThrows(BpfRuntimeException.class, () -> run(vm, mov(1, 1), mov(2, 1234), mov(3, 0), mov(4, 0), call(181),
                exit())).getMessage().contains("not a function address"));
    }

    @Test
    void tailCallsAreLimitedTo33() {
        var spec = MapsTest.spec("jt", MapType.PROG_ARRAY, 4, 4, 1);
        ProgArrayMap jt = (ProgArrayMap) vm.createMap(spec);
        var counter = (dev.ebpf4j.vm.maps.ArrayMap) vm.createMap(MapsTest.spec("n", MapType.ARRAY, 4, 8, 1));
        // each run: counter += 1; tail call itself; if the call fails return 42
        VmProgram self = vm.program("self", ProgramType.XDP, List.of(
                movr(6, 1),
                Instruction.loadMapValue(2, counter.fd(), 0), mov(3, 1), atomic(DW, ATOMIC_ADD, 2, 3, 0),
                movr(1, 6), Instruction.loadMapFd(2, jt.fd()), mov(3, 0), call(12),
                mov(0, 42), exit()));
        assertEquals(42, self.run(XdpContext.of(new byte[60])).retval(), "empty slot: the call falls through");
        jt.set(0, self);
        counter.update(Bytes.u32(0), Bytes.u64(0));
        assertEquals(42, self.run(XdpContext.of(new byte[60])).retval());
        assertEquals(34, Bytes.toLong(counter.lookup(Bytes.u32(0))), "the first run plus 33 tail calls");
        assertEquals(self.id(), Bytes.toLong(jt.lookup(Bytes.u32(0))));
    }

    @Test
    void perfEventOutputGoesToSubscribers() {
        BpfVm vm = new BpfVm(VmOptions.defaults().withPossibleCpus(4));
        PerfEventArrayMap pe = (PerfEventArrayMap) vm.createMap(MapsTest.spec("ev", MapType.PERF_EVENT_ARRAY, 4, 4, 4));
        List<PerfEventArrayMap.Sample> got = new java.util.ArrayList<>();
        pe.subscribe(got::add);
        VmProgram p = vm.program("pe", ProgramType.KPROBE, List.of(st(DW, 10, -8, 0x55), Instruction.loadMapFd(2, pe.fd()),
                lddw(3, 0xffff_ffffL), movr(4, 10), alu64(ADD, 4, -8), mov(5, 8), call(25), exit()));
        assertEquals(0, p.run(MemoryContext.empty(), RunOptions.defaults().withCpu(3)).returnValue());
        assertEquals(1, got.size());
        assertEquals(3, got.getFirst().cpu(), "BPF_F_CURRENT_CPU");
        assertEquals(0x55, Bytes.toLong(got.getFirst().data()));
    }

    @Test
    void spinLockInsideAMapValue() {
        var m = (dev.ebpf4j.vm.maps.ArrayMap) vm.createMap(MapsTest.spec("l", MapType.ARRAY, 4, 16, 1));
        VmProgram p = vm.program("lock", ProgramType.KPROBE, List.of(
                Instruction.loadMapValue(6, m.fd(), 0), movr(1, 6), call(93),
                ldx(DW, 2, 6, 8), alu64(ADD, 2, 1), stx(DW, 6, 2, 8),
                movr(1, 6), call(94), mov(0, 0), exit()));
        for (int i = 0; i < 10; i++) {
            p.run(MemoryContext.empty());
        }
        assertEquals(10, Bytes.toLong(m.lookup(Bytes.u32(0)), 8, 8));
        VmProgram twice = vm.program("twice", ProgramType.KPROBE, List.of(
                Instruction.loadMapValue(6, m.fd(), 0), movr(1, 6), call(94), exit()));
        assertTrue(assertThrows(BpfRuntimeException.class, () -> twice.run(MemoryContext.empty())).getMessage()
                .contains("not held"));
    }
}
