package dev.ebpf4j.loader.perf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.Opcode;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * An XDP program sends 8 bytes of its stack plus the packet with bpf_perf_event_output(ctx, map,
 * BPF_F_CURRENT_CPU | len << 32, data, 8), run by BPF_PROG_TEST_RUN on whatever CPU the test thread is on; the reader
 * reads every CPU's ring.
 */
class PerfBufferReaderTest {
    private static final int MARK_LO = 0x45344a50;
    private static final int MARK_HI = 0x01020304;

    @BeforeEach
    void needsRoot() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "perf events and BPF need root here");
    }

    private static Fd perfMap() {
        return Bpf.mapCreate(MapType.PERF_EVENT_ARRAY.value(), 4, 4, PerfBufferReader.possibleCpus(), 0, "e4j_perf");
    }

    /** XDP: emits {@code *(u64 *)(r10 - 8)} (the two marks) followed by {@code packetBytes} of the packet; passes. */
    private static Fd emitter(Fd map, int packetBytes) {
        List<Instruction> insns = List.of(
                Instruction.mov64Reg(6, 1),
                Instruction.of(Opcode.ST | Opcode.MEM | Opcode.W, 10, 0, -8, MARK_LO),
                Instruction.of(Opcode.ST | Opcode.MEM | Opcode.W, 10, 0, -4, MARK_HI),
                Instruction.mov64Reg(1, 6),
                Instruction.loadMapFd(2, map.raw()),
                Instruction.loadImm64(3, ((long) packetBytes << 32) | 0xffffffffL), // BPF_F_CURRENT_CPU | ctx len
                Instruction.mov64Reg(4, 10),
                Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, 4, 0, 0, -8),
                Instruction.mov64(5, 8),
                Instruction.callHelper(25), // bpf_perf_event_output
                Instruction.mov64(0, 2),
                Instruction.exit());
        return Bpf.progLoad(ProgramType.XDP.value(), Instructions.encode(insns), "GPL", "e4j_perf_out");
    }

    private static byte[] packet(int seq, int length) {
        ByteBuffer b = ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(seq);
        for (int i = 4; i < length; i++) {
            b.put((byte) (seq * 31 + i));
        }
        return b.array();
    }

    /** Checks a sample is marks + packet(seq) and returns seq. */
    private static int check(MemorySegment data, int packetBytes) {
        assertTrue(data.byteSize() >= 8 + packetBytes, "sample of " + data.byteSize() + " bytes");
        assertEquals(0, (data.byteSize() + 4) % 8, "the raw size keeps the record 8-byte aligned");
        assertEquals(MARK_LO, data.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
        assertEquals(MARK_HI, data.get(ValueLayout.JAVA_INT_UNALIGNED, 4));
        byte[] pkt = data.asSlice(8, packetBytes).toArray(ValueLayout.JAVA_BYTE);
        int seq = ByteBuffer.wrap(pkt).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        assertArrayEquals(packet(seq, packetBytes), pkt, "sample of run " + seq);
        return seq;
    }

    @Test
    void readsEverySampleAndWakesUpAPoller() throws Exception {
        int len = 16;
        try (Fd map = perfMap(); Fd prog = emitter(map, len); PerfBufferReader reader = PerfBufferReader.open(map, 8)) {
            assertEquals(PerfBufferReader.onlineCpus(), reader.cpus());
            List<Integer> seen = new CopyOnWriteArrayList<>();
            PerfBufferReader.Handler handler = (cpu, data) -> {
                assertTrue(reader.cpus().contains(cpu));
                seen.add(check(data, len));
            };
            // a poller blocked in epoll wakes up when the first sample arrives
            CompletableFuture<Integer> polled = CompletableFuture.supplyAsync(() -> reader.poll(10_000, handler));
            Thread.sleep(300);
            assertTrue(!polled.isDone(), "nothing to read before the program runs");
            long t0 = System.nanoTime();
            Bpf.progTestRun(prog, packet(0, len), 0, 0);
            assertTrue(polled.get(5, TimeUnit.SECONDS) >= 1);
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
            for (int i = 1; i < 10; i++) {
                assertEquals(2, Bpf.progTestRun(prog, packet(i, len), 0, 0).retval());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (seen.size() < 10 && System.nanoTime() < deadline) {
                reader.poll(100, handler);
            }
            Set<Integer> seqs = new TreeSet<>(seen);
            assertEquals(10, seen.size(), seen.toString());
            assertEquals(Set.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), seqs);
            assertEquals(0, reader.lost());
            assertEquals(0, reader.drain(handler), "everything was consumed");
        }
    }

    @Test
    void recordsThatWrapAroundTheRingArriveWhole() {
        int len = 900; // records of 920 bytes in a 4096-byte ring: the fifth on a CPU wraps
        try (Fd map = perfMap(); Fd prog = emitter(map, len); PerfBufferReader reader = PerfBufferReader.open(map, 1)) {
            List<Integer> seen = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                Bpf.progTestRun(prog, packet(i, len), 0, 0);
                reader.drain((cpu, data) -> seen.add(check(data, len)));
            }
            List<Integer> expected = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                expected.add(i);
            }
            assertEquals(expected, seen, "every sample, in order, whole");
            assertTrue(reader.wrappedRecords() > 0, "some records wrapped around the end of a ring");
            assertEquals(0, reader.lost());
        }
    }

    @Test
    void aFullRingCountsLostSamples() {
        int len = 900; // four fit in one page
        try (Fd map = perfMap(); Fd prog = emitter(map, len); PerfBufferReader reader = PerfBufferReader.open(map, 1)) {
            long[] samples = {0};
            long[] lostSeen = {0};
            PerfBufferReader.Handler handler = new PerfBufferReader.Handler() {
                @Override
                public void sample(int cpu, MemorySegment data) {
                    check(data, len);
                    samples[0]++;
                }

                @Override
                public void lost(int cpu, long count) {
                    lostSeen[0] += count;
                }
            };
            int runs = 20;
            Bpf.progTestRun(prog, packet(7, len), runs, 0); // 20 outputs with nobody reading
            reader.drain(handler);
            assertTrue(samples[0] < runs, samples[0] + " samples of " + runs + " fit in a one-page ring");
            // the kernel reports the loss with the next output that fits on that CPU
            for (int i = 0; i < 200 && samples[0] + reader.lost() < runs; i++) {
                Bpf.progTestRun(prog, packet(i, len), 0, 0);
                runs++;
                reader.drain(handler);
            }
            assertTrue(reader.lost() > 0, "lost samples reported");
            assertEquals(reader.lost(), lostSeen[0]);
            assertEquals(runs, samples[0] + reader.lost(), "every output is a sample or counted lost");
        }
    }

    @Test
    void rejectsAPageCountThatIsNotAPowerOfTwo() {
        try (Fd map = perfMap()) {
            assertThrows(IllegalArgumentException.class, () -> PerfBufferReader.open(map, 3));
        }
    }

    @Test
    void parsesCpuLists() {
        assertEquals(List.of(0, 1, 2, 3, 5), PerfBufferReader.parseCpuList("0-3,5"));
        assertEquals(List.of(0), PerfBufferReader.parseCpuList("0"));
        assertEquals(List.of(), PerfBufferReader.parseCpuList(""));
    }
}
