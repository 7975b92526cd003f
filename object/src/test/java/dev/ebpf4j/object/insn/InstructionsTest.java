package dev.ebpf4j.object.insn;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.BpfFormatException;

class InstructionsTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s+", ""));
    }

    /** hello.bpf.o's xdp section, as llvm-objdump shows it. */
    private static final String HELLO = """
            18 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            61 63 00 00 00 00 00 00
            18 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00
            b7 02 00 00 0f 00 00 00
            85 00 00 00 06 00 00 00
            61 61 00 00 00 00 00 00
            07 01 00 00 01 00 00 00
            63 16 00 00 00 00 00 00
            b7 00 00 00 02 00 00 00
            95 00 00 00 00 00 00 00
            """;

    @Test
    void decodesFieldsLittleEndianWithRegisterNibbles() {
        List<Instruction> insns = Instructions.decode(hex("bf a2 fc ff 01 02 03 84"));
        assertEquals(1, insns.size());
        Instruction i = insns.get(0);
        assertEquals(0xbf, i.opcode());
        assertEquals(2, i.dst(), "dst is the low nibble");
        assertEquals(10, i.src(), "src is the high nibble");
        assertEquals(-4, i.off());
        assertEquals(0x84030201, i.imm());
    }

    @Test
    void decodesHelloWithLddwAsSingleInstructions() {
        List<Instruction> insns = Instructions.decode(hex(HELLO));
        assertEquals(10, insns.size());
        assertEquals(12, Instructions.slotCount(insns));
        assertArrayEquals(new int[] {0, 2, 3, 5, 6, 7, 8, 9, 10, 11}, Instructions.slots(insns));
        assertEquals(0, Instructions.indexOfSlot(insns, 0));
        assertEquals(-1, Instructions.indexOfSlot(insns, 1), "slot 1 is the second half of an lddw");
        assertEquals(2, Instructions.indexOfSlot(insns, 3));
        assertEquals(9, Instructions.indexOfSlot(insns, 11));
        assertEquals(-1, Instructions.indexOfSlot(insns, 12));
        assertEquals(-1, Instructions.indexOfSlot(insns, -1));
        assertEquals(88, Instructions.byteOffset(11));
        assertTrue(insns.get(0).isLoadImm64());
        assertEquals(6, insns.get(0).dst());
        assertTrue(insns.get(4).isHelperCall());
        assertEquals(6, insns.get(4).imm());
        assertArrayEquals(hex(HELLO), Instructions.encode(insns));
    }

    @Test
    void decodeOfByteBufferReadsFromPositionWithoutMovingIt() {
        byte[] bytes = hex("ff ff ff ff ff ff ff ff 95 00 00 00 00 00 00 00");
        ByteBuffer buf = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        buf.position(8);
        List<Instruction> insns = Instructions.decode(buf);
        assertEquals(List.of(Instruction.exit()), insns);
        assertEquals(8, buf.position());
        assertEquals(ByteOrder.BIG_ENDIAN, buf.order());
        assertEquals(List.of(Instruction.exit()), Instructions.decode(buf.asReadOnlyBuffer()));
    }

    @Test
    void encodeIntoBufferKeepsItsOrderAndAdvances() {
        ByteBuffer out = ByteBuffer.allocate(24).order(ByteOrder.BIG_ENDIAN);
        Instructions.encode(List.of(Instruction.loadImm64(1, 0x0102030405060708L), Instruction.exit()), out);
        assertEquals(24, out.position());
        assertEquals(ByteOrder.BIG_ENDIAN, out.order());
        assertArrayEquals(hex("18 01 00 00 08 07 06 05 00 00 00 00 04 03 02 01 95 00 00 00 00 00 00 00"), out.array());
    }

    @Test
    void emptyStreamIsEmptyList() {
        assertEquals(List.of(), Instructions.decode(new byte[0]));
        assertArrayEquals(new byte[0], Instructions.encode(List.of()));
    }

    @Test
    void lengthNotMultipleOfEightSaysWhere() {
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> Instructions.decode(new byte[13]));
        assertTrue(e.getMessage().contains("13 bytes"), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset 8"), e.getMessage());
        BpfFormatException named = assertThrows(BpfFormatException.class,
                () -> Instructions.decode(ByteBuffer.wrap(new byte[3]), "section xdp"));
        assertTrue(named.getMessage().contains("section xdp"), named.getMessage());
    }

    @Test
    void truncatedLddwAtTheEndSaysWhere() {
        byte[] bytes = hex("b7 00 00 00 00 00 00 00 18 01 00 00 01 00 00 00");
        BpfFormatException e = assertThrows(BpfFormatException.class, () -> Instructions.decode(bytes));
        assertTrue(e.getMessage().contains("lddw at instruction 1"), e.getMessage());
        assertTrue(e.getMessage().contains("byte offset 8"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }

    @Test
    void lddwSecondSlotMustBeBlankExceptImm() {
        for (String second : List.of("95 00 00 00 00 00 00 00", "00 10 00 00 00 00 00 00", "00 01 00 00 00 00 00 00",
                "00 00 01 00 00 00 00 00")) {
            byte[] bytes = hex("b7 00 00 00 00 00 00 00 b7 00 00 00 00 00 00 00 18 01 00 00 01 00 00 00 " + second);
            BpfFormatException e = assertThrows(BpfFormatException.class, () -> Instructions.decode(bytes), second);
            assertTrue(e.getMessage().contains("lddw at instruction 2 (byte offset 16)"), e.getMessage());
            assertTrue(e.getMessage().contains("second slot (byte offset 24)"), e.getMessage());
        }
        // the second slot's imm is the high half and may be anything
        List<Instruction> ok = Instructions.decode(hex("18 01 00 00 01 00 00 00 00 00 00 00 ff ff ff ff"));
        assertEquals(0xffffffff00000001L, ok.get(0).imm64());
    }

    @Test
    void unknownOpcodesDecodeAndRoundTrip() {
        byte[] bytes = hex("00 00 00 00 00 00 00 00 ff ff ff ff ff ff ff ff 8e 12 34 56 78 9a bc de");
        List<Instruction> insns = Instructions.decode(bytes);
        assertEquals(3, insns.size());
        assertEquals(0xff, insns.get(1).opcode());
        assertEquals(15, insns.get(1).dst());
        assertEquals(15, insns.get(1).src());
        assertArrayEquals(bytes, Instructions.encode(insns));
    }

    @Test
    void conformanceProgramsDecodeAndRoundTrip() {
        List<ConformancePrograms.Program> programs = ConformancePrograms.all();
        assertTrue(programs.size() >= 300, "expected the 313 conformance programs, found " + programs.size());
        int total = 0;
        int lddw = 0;
        for (ConformancePrograms.Program p : programs) {
            List<Instruction> insns = Instructions.decode(p.bytes());
            assertArrayEquals(p.bytes(), Instructions.encode(insns), p.name());
            assertEquals(p.bytes().length / 8, Instructions.slotCount(insns), p.name());
            total += insns.size();
            lddw += (int) insns.stream().filter(Instruction::isLoadImm64).count();
        }
        assertTrue(total > 1000, "instructions: " + total);
        assertTrue(lddw > 10, "lddw count: " + lddw);
    }
}
