package dev.ebpf4j.vm;

import static dev.ebpf4j.object.insn.Opcode.*;
import static dev.ebpf4j.vm.Asm.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.maps.ArrayMap;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.maps.BpfMapException;
import dev.ebpf4j.vm.maps.Bytes;
import dev.ebpf4j.vm.maps.HashTableMap;
import dev.ebpf4j.vm.maps.RingBufMap;

/** Map semantics from Java and from programs, and concurrent use. */
class MapsTest {
    private final BpfVm vm = new BpfVm(VmOptions.defaults().withPossibleCpus(4));

    static MapSpec spec(String name, MapType type, int key, int value, int max) {
        return new MapSpec(name, name, MapSpec.Kind.BTF, ".maps", type, key, value, max, 0, MapSpec.Pinning.NONE, 0, 0, 0, 0,
                null, null, List.of());
    }

    @Test
    void hashFlagsAndFullness() {
        BpfMap h = vm.createMap(spec("h", MapType.HASH, 4, 8, 2));
        h.update(Bytes.u32(1), Bytes.u64(10), BpfMap.BPF_NOEXIST);
        assertEquals(Errno.EEXIST, assertThrows(BpfMapException.class,
                () -> h.update(Bytes.u32(1), Bytes.u64(11), BpfMap.BPF_NOEXIST)).errno());
        assertEquals(Errno.ENOENT, assertThrows(BpfMapException.class,
                () -> h.update(Bytes.u32(2), Bytes.u64(11), BpfMap.BPF_EXIST)).errno());
        h.update(Bytes.u32(1), Bytes.u64(12), BpfMap.BPF_EXIST);
        h.update(Bytes.u32(2), Bytes.u64(20));
        assertEquals(Errno.E2BIG, assertThrows(BpfMapException.class, () -> h.update(Bytes.u32(3), Bytes.u64(30))).errno());
        h.update(Bytes.u32(2), Bytes.u64(21)); // replacing in a full map is fine
        assertEquals(12, Bytes.toLong(h.lookup(Bytes.u32(1))));
        assertEquals(2, h.size());
        assertTrue(h.delete(Bytes.u32(1)));
        assertFalse(h.delete(Bytes.u32(1)));
        assertNull(h.lookup(Bytes.u32(1)));
        h.update(Bytes.u32(3), Bytes.u64(30));
        Set<Long> keys = new HashSet<>();
        h.keys().forEach(k -> keys.add(Bytes.toLong(k)));
        assertEquals(Set.of(2L, 3L), keys);
        assertThrows(BpfMapException.class, () -> h.update(new byte[3], Bytes.u64(1)), "wrong key size");
    }

    @Test
    void hashFromProgramsReturnsErrnosAndLivePointers() {
        BpfMap h = vm.createMap(spec("h", MapType.HASH, 4, 8, 1));
        // key at fp-4 = 7, value at fp-16 = 100; update(ANY) twice with NOEXIST second -> -EEXIST
        Instruction[] prog = {
                st(W, 10, -4, 7), st(DW, 10, -16, 100),
                Instruction.loadMapFd(1, h.fd()), movr(2, 10), alu64(ADD, 2, -4), movr(3, 10), alu64(ADD, 3, -16), mov(4, 0),
                call(2),
                Instruction.loadMapFd(1, h.fd()), movr(2, 10), alu64(ADD, 2, -4), movr(3, 10), alu64(ADD, 3, -16), mov(4, 1),
                call(2),
                exit()};
        assertEquals(-Errno.EEXIST, run(vm, prog));
        // lookup and add through the pointer
        long r0 = run(vm, st(W, 10, -4, 7), Instruction.loadMapFd(1, h.fd()), movr(2, 10), alu64(ADD, 2, -4), call(1),
                jmp(JNE, 0, 0, 2), mov(0, -1), exit(), mov(1, 5), atomic(DW, ATOMIC_ADD, 0, 1, 0), mov(0, 0), exit());
        assertEquals(0, r0);
        assertEquals(105, Bytes.toLong(h.lookup(Bytes.u32(7))));
        // a missing key gives NULL; the full map refuses a second key with -E2BIG
        assertEquals(0, run(vm, st(W, 10, -4, 8), Instruction.loadMapFd(1, h.fd()), movr(2, 10), alu64(ADD, 2, -4), call(1), exit()));
        assertEquals(-Errno.E2BIG, run(vm, st(W, 10, -4, 8), st(DW, 10, -16, 1), Instruction.loadMapFd(1, h.fd()), movr(2, 10),
                alu64(ADD, 2, -4), movr(3, 10), alu64(ADD, 3, -16), mov(4, 0), call(2), exit()));
        assertEquals(0, run(vm, st(W, 10, -4, 7), Instruction.loadMapFd(1, h.fd()), movr(2, 10), alu64(ADD, 2, -4), call(3), exit()));
        assertEquals(-Errno.ENOENT, run(vm, st(W, 10, -4, 7), Instruction.loadMapFd(1, h.fd()), movr(2, 10), alu64(ADD, 2, -4), call(3), exit()));
        assertEquals(0, h.size());
    }

    @Test
    void lruEvictsTheLeastRecentlyUsed() {
        BpfMap lru = vm.createMap(spec("lru", MapType.LRU_HASH, 4, 4, 3));
        for (int i = 1; i <= 3; i++) {
            lru.update(Bytes.u32(i), Bytes.u32(i));
        }
        lru.update(Bytes.u32(1), Bytes.u32(11)); // 1 is now the most recent
        lru.update(Bytes.u32(4), Bytes.u32(4)); // evicts 2
        assertNull(lru.lookup(Bytes.u32(2)));
        assertEquals(11, Bytes.toLong(lru.lookup(Bytes.u32(1))));
        assertEquals(3, lru.size());
    }

    @Test
    void arrayMapSemantics() {
        BpfMap a = vm.createMap(spec("a", MapType.ARRAY, 4, 4, 4));
        assertEquals(4, a.size());
        assertArrayEquals(new byte[4], a.lookup(Bytes.u32(3)), "elements exist from the start");
        assertNull(a.lookup(Bytes.u32(4)));
        assertEquals(Errno.E2BIG, assertThrows(BpfMapException.class, () -> a.update(Bytes.u32(4), Bytes.u32(1))).errno());
        assertEquals(Errno.EEXIST, assertThrows(BpfMapException.class,
                () -> a.update(Bytes.u32(0), Bytes.u32(1), BpfMap.BPF_NOEXIST)).errno());
        assertEquals(Errno.EINVAL, assertThrows(BpfMapException.class, () -> a.delete(Bytes.u32(0))).errno());
        a.update(Bytes.u32(2), Bytes.u32(0xabcd));
        assertEquals(0xabcd, run(vm, st(W, 10, -4, 2), Instruction.loadMapFd(1, a.fd()), movr(2, 10), alu64(ADD, 2, -4), call(1),
                ldx(W, 0, 0, 0), exit()));
        assertEquals(0, run(vm, st(W, 10, -4, 4), Instruction.loadMapFd(1, a.fd()), movr(2, 10), alu64(ADD, 2, -4), call(1), exit()),
                "out-of-range index gives NULL");
    }

    @Test
    void perCpuArrayKeepsAValuePerCpu() {
        ArrayMap pc = (ArrayMap) vm.createMap(spec("pc", MapType.PERCPU_ARRAY, 4, 4, 2));
        VmProgram inc = Asm.program(vm, st(W, 10, -4, 1), Instruction.loadMapFd(1, pc.fd()), movr(2, 10), alu64(ADD, 2, -4),
                call(1), jmp(JEQ, 0, 0, 2), mov(1, 1), atomic(W, ATOMIC_ADD, 0, 1, 0), call(8), exit());
        for (int cpu = 0; cpu < 4; cpu++) {
            for (int n = 0; n <= cpu; n++) {
                assertEquals(cpu, inc.run(dev.ebpf4j.vm.context.MemoryContext.empty(), RunOptions.defaults().withCpu(cpu)).retval(),
                        "bpf_get_smp_processor_id");
            }
        }
        byte[] all = pc.lookup(Bytes.u32(1));
        assertEquals(4 * 8, all.length);
        for (int cpu = 0; cpu < 4; cpu++) {
            assertEquals(cpu + 1, Bytes.toLong(all, cpu * 8, 4));
        }
        assertThrows(IllegalArgumentException.class,
                () -> inc.run(dev.ebpf4j.vm.context.MemoryContext.empty(), RunOptions.defaults().withCpu(4)));
    }

    @Test
    void perCpuHashUpdatesOnlyTheCallersCpuFromPrograms() {
        BpfMap h = vm.createMap(spec("ph", MapType.PERCPU_HASH, 4, 8, 8));
        VmProgram put = Asm.program(vm, st(W, 10, -4, 1), st(DW, 10, -16, 77), Instruction.loadMapFd(1, h.fd()), movr(2, 10),
                alu64(ADD, 2, -4), movr(3, 10), alu64(ADD, 3, -16), mov(4, 0), call(2), exit());
        put.run(dev.ebpf4j.vm.context.MemoryContext.empty(), RunOptions.defaults().withCpu(3));
        byte[] v = h.lookup(Bytes.u32(1));
        assertEquals(0, Bytes.toLong(v, 0, 8));
        assertEquals(77, Bytes.toLong(v, 24, 8));
    }

    @Test
    void concurrentJavaUpdatesOfAHashMap() throws Exception {
        BpfMap h = vm.createMap(spec("c", MapType.HASH, 4, 4, 1000));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            int base = t;
            fs.add(pool.submit(() -> {
                int refused = 0;
                for (int i = 0; i < 500; i++) {
                    try {
                        h.update(Bytes.u32(base * 500 + i), Bytes.u32(i));
                    } catch (BpfMapException e) {
                        refused++;
                    }
                }
                return refused;
            }));
        }
        int refused = 0;
        for (Future<Integer> f : fs) {
            refused += f.get();
        }
        pool.shutdown();
        assertEquals(1000, h.size(), "never more than max_entries");
        assertEquals(3000, refused, "exactly the rest refused with E2BIG");
    }

    @Test
    void concurrentProgramAtomicsOnAnArrayValueLoseNothing() throws Exception {
        ArrayMap a = (ArrayMap) vm.createMap(spec("ctr", MapType.ARRAY, 4, 8, 1));
        VmProgram inc = Asm.program(vm, st(W, 10, -4, 0), Instruction.loadMapFd(1, a.fd()), movr(2, 10), alu64(ADD, 2, -4),
                call(1), jmp(JEQ, 0, 0, 2), mov(1, 1), atomic(DW, ATOMIC_ADD, 0, 1, 0), mov(0, 0), exit());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> fs = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            fs.add(pool.submit(() -> {
                for (int i = 0; i < 2000; i++) {
                    inc.run(new byte[0]);
                }
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        pool.shutdown();
        assertEquals(16_000, Bytes.toLong(a.lookup(Bytes.u32(0))));
    }

    @Test
    void ringBufferReserveSubmitDiscardAndCapacity() {
        RingBufMap rb = (RingBufMap) vm.createMap(spec("rb", MapType.RINGBUF, 0, 0, 4096));
        // reserve 16 bytes, write 0x1234 at 0, submit; reserve again and discard
        VmProgram p = Asm.program(vm,
                Instruction.loadMapFd(1, rb.fd()), mov(2, 16), mov(3, 0), call(131), jmp(JEQ, 0, 0, 6),
                st(DW, 0, 0, 0x1234), movr(1, 0), mov(2, 0), call(132),
                Instruction.loadMapFd(1, rb.fd()), mov(2, 0), call(134), exit(),
                mov(0, -1), exit());
        assertEquals(16, p.run(new byte[0]).returnValue(), "query: available data");
        List<byte[]> records = rb.drain();
        assertEquals(1, records.size());
        assertEquals(0x1234, Bytes.toLong(records.getFirst()));
        // a record bigger than the ring is refused (NULL)
        VmProgram big = Asm.program(vm, Instruction.loadMapFd(1, rb.fd()), mov(2, 8192), mov(3, 0), call(131), exit());
        assertEquals(0, big.run(new byte[0]).returnValue());
        // unconsumed records fill the ring: 4096 / (64 + 8) = 56 records fit
        VmProgram out = Asm.program(vm, st(DW, 10, -8, 5), Instruction.loadMapFd(1, rb.fd()), movr(2, 10), alu64(ADD, 2, -64),
                mov(3, 64), mov(4, 0), call(130), exit());
        int ok = 0;
        while (out.run(new byte[0]).returnValue() == 0) {
            ok++;
        }
        assertEquals(56, ok);
        assertEquals(-Errno.EAGAIN, out.run(new byte[0]).returnValue());
        assertEquals(56, rb.drain().size());
        assertEquals(0, out.run(new byte[0]).returnValue(), "consuming frees room");
        // a reservation left open is discarded at the end of the run
        VmProgram leak = Asm.program(vm, Instruction.loadMapFd(1, rb.fd()), mov(2, 16), mov(3, 0), call(131), mov(0, 0), exit());
        leak.run(new byte[0]);
        assertEquals(1, rb.drain().size(), "only the earlier output record");
    }
}
