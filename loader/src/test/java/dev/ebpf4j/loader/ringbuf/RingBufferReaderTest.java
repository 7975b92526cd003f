package dev.ebpf4j.loader.ringbuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

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

/** Records an XDP program writes with bpf_ringbuf_output, read back in order, across many wrap-arounds. */
class RingBufferReaderTest {
    private static final int SIZE = 16 * 1024;

    @BeforeEach
    void needsRoot() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "ring buffers need root");
    }

    /** Outputs the first 8 bytes of the packet as a record (or discards a reserved one when asked). */
    private static Fd producer(Fd ringbuf) {
        List<Instruction> insns = List.of(
                Instruction.of(Opcode.LDX | Opcode.MEM | Opcode.W, 2, 1, 0, 0),       // r2 = ctx->data
                Instruction.of(Opcode.LDX | Opcode.MEM | Opcode.W, 3, 1, 4, 0),       // r3 = ctx->data_end
                Instruction.mov64Reg(4, 2),
                Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, 4, 0, 0, 8),
                Instruction.of(Opcode.JMP | Opcode.JGT | Opcode.X, 4, 3, 9, 0),      // if r4 > r3 goto out
                Instruction.of(Opcode.LDX | Opcode.MEM | Opcode.DW, 5, 2, 0, 0),
                Instruction.of(Opcode.STX | Opcode.MEM | Opcode.DW, 10, 5, -8, 0),
                Instruction.loadMapFd(1, ringbuf.raw()),
                Instruction.mov64Reg(2, 10),
                Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, 2, 0, 0, -8),
                Instruction.mov64(3, 8),
                Instruction.mov64(4, 0),
                Instruction.callHelper(130),                                            // bpf_ringbuf_output
                Instruction.mov64(0, 2),
                Instruction.exit());
        return Bpf.progLoad(ProgramType.XDP.value(), Instructions.encode(insns), "GPL", "e4j_ringbuf");
    }

    private static byte[] packet(long value) {
        byte[] p = new byte[64];
        java.nio.ByteBuffer.wrap(p).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, value);
        return p;
    }

    @Test
    void recordsArriveInOrderAcrossWrapArounds() {
        try (Fd map = Bpf.mapCreate(MapType.RINGBUF.value(), 0, 0, SIZE, 0, "e4j_rb");
             Fd prog = producer(map);
             RingBufferReader reader = RingBufferReader.open(map, SIZE)) {
            List<Long> seen = new ArrayList<>();
            long expected = 0;
            // 16-byte slots (8 header + 8 data): 300 per batch fills 4800 of 16384 bytes; 40 batches wrap 11 times
            for (int batch = 0; batch < 40; batch++) {
                for (int i = 0; i < 300; i++) {
                    Bpf.progTestRun(prog, packet(batch * 1000L + i), 1, 0);
                }
                assertEquals(300 * 16, reader.available());
                int n = reader.poll(1000, (MemorySegment record) -> {
                    assertEquals(8, record.byteSize());
                    assertTrue(record.isReadOnly());
                    seen.add(record.get(ValueLayout.JAVA_LONG_UNALIGNED, 0));
                });
                assertEquals(300, n);
                for (int i = 0; i < 300; i++) {
                    assertEquals(batch * 1000L + i, seen.get((int) expected++));
                }
            }
            assertEquals(0, reader.available());
            assertEquals(0, reader.discarded());
        }
    }

    /** Outputs a counter kept in slot 0 of an array map, incremented each run: records 0, 1, 2, ... */
    private static Fd sequence(Fd ringbuf, Fd counter) {
        List<Instruction> insns = List.of(
                Instruction.of(Opcode.ST | Opcode.MEM | Opcode.W, 10, 0, -4, 0),
                Instruction.mov64Reg(2, 10),
                Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, 2, 0, 0, -4),
                Instruction.loadMapFd(1, counter.raw()),
                Instruction.callHelper(1),                                              // map_lookup_elem
                Instruction.of(Opcode.JMP | Opcode.JEQ | Opcode.K, 0, 0, 11, 0),         // if !r0 goto out
                Instruction.of(Opcode.LDX | Opcode.MEM | Opcode.DW, 1, 0, 0, 0),
                Instruction.of(Opcode.STX | Opcode.MEM | Opcode.DW, 10, 1, -16, 0),
                Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, 1, 0, 0, 1),
                Instruction.of(Opcode.STX | Opcode.MEM | Opcode.DW, 0, 1, 0, 0),
                Instruction.loadMapFd(1, ringbuf.raw()),
                Instruction.mov64Reg(2, 10),
                Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, 2, 0, 0, -16),
                Instruction.mov64(3, 8),
                Instruction.mov64(4, 0),
                Instruction.callHelper(130),                                            // ringbuf_output
                Instruction.mov64(0, 2),                                                // out:
                Instruction.exit());
        return Bpf.progLoad(ProgramType.XDP.value(), Instructions.encode(insns), "GPL", "e4j_seq");
    }

    @Test
    void aBurstOfAHundredThousandRecordsArrivesWholeAndInOrder() {
        int burst = 100_000;
        int size = 4 << 20; // 100k records of 16 bytes fit
        try (Fd map = Bpf.mapCreate(MapType.RINGBUF.value(), 0, 0, size, 0, "e4j_rb");
             Fd counter = Bpf.mapCreate(MapType.ARRAY.value(), 4, 8, 1, 0, "e4j_seq");
             Fd prog = sequence(map, counter);
             RingBufferReader reader = RingBufferReader.open(map, size)) {
            Bpf.progTestRun(prog, packet(0), burst, 0);
            long[] next = {0};
            int n = reader.drain(r -> {
                long v = r.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
                if (v != next[0]) {
                    throw new AssertionError("record " + next[0] + " is " + v);
                }
                next[0]++;
            });
            assertEquals(burst, n);
            assertEquals(burst, next[0]);
            assertEquals(0, reader.available());
        }
    }

    @Test
    void pollTimesOutWhenNothingComes() {
        try (Fd map = Bpf.mapCreate(MapType.RINGBUF.value(), 0, 0, SIZE, 0, "e4j_rb");
             RingBufferReader reader = RingBufferReader.open(map, SIZE)) {
            long start = System.nanoTime();
            assertEquals(0, reader.poll(100, r -> { }));
            assertTrue(System.nanoTime() - start >= 80_000_000L, "returned before the timeout");
        }
    }

    @Test
    void sizeMustBeAPowerOfTwoPageMultiple() {
        try (Fd map = Bpf.mapCreate(MapType.RINGBUF.value(), 0, 0, SIZE, 0, "e4j_rb")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RingBufferReader.open(map, 3000));
            assertTrue(e.getMessage().contains("power of two"), e.getMessage());
        }
    }
}
