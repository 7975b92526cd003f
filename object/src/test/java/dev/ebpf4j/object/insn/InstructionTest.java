package dev.ebpf4j.object.insn;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class InstructionTest {

    @Test
    void opcodeFieldsSplitTheByte() {
        Instruction ldxw = Instruction.of(0x61, 3, 6, 0, 0);
        assertEquals(Opcode.LDX, ldxw.cls());
        assertEquals(Opcode.W, ldxw.size());
        assertEquals(Opcode.MEM, ldxw.mode());
        Instruction addx = Instruction.of(0x0f, 1, 2, 0, 0);
        assertEquals(Opcode.ALU64, addx.cls());
        assertEquals(Opcode.X, addx.source());
        assertEquals(Opcode.ADD, addx.op());
        Instruction jslt = Instruction.of(0xce, 1, 2, 3, 0);
        assertEquals(Opcode.JMP32, jslt.cls());
        assertEquals(Opcode.JSLT, jslt.op());
    }

    @Test
    void lddwIsOneInstructionOfTwoSlotsCarryingSixtyFourBits() {
        Instruction lddw = Instruction.loadImm64(0, 0x1122334455667788L);
        assertTrue(lddw.isLoadImm64());
        assertEquals(2, lddw.slots());
        assertEquals(16, lddw.byteSize());
        assertEquals(0x55667788, lddw.imm());
        assertEquals(0x11223344, lddw.nextImm());
        assertEquals(0x1122334455667788L, lddw.imm64());
        assertEquals(-1L, Instruction.loadImm64(1, -1L).imm64());
        assertEquals(0xffffffffL, Instruction.loadImm64(1, 0xffffffffL).imm64());
        Instruction mov = Instruction.mov64(1, -5);
        assertEquals(1, mov.slots());
        assertEquals(-5L, mov.imm64(), "non-lddw imm64 is imm sign-extended");
    }

    @Test
    void secondImmediateOnlyForLddw() {
        assertThrows(IllegalArgumentException.class, () -> new Instruction(0xb7, 0, 0, (short) 0, 0, 1));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0x100, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0xb7, 16, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0xb7, 0, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0x05, 0, 0, 40000, 0));
        // changing an lddw into something else drops the second immediate
        Instruction lddw = Instruction.loadImm64(1, 0x100000000L);
        assertEquals(0, lddw.withOpcode(0xb7).nextImm());
        assertEquals(1, lddw.withOpcode(0x18).nextImm());
        assertThrows(IllegalStateException.class, () -> Instruction.mov64(1, 1).withImm64(5));
        assertEquals(0x700000005L, lddw.withImm64(0x700000005L).imm64());
    }

    @Test
    void callKinds() {
        Instruction helper = Instruction.callHelper(6);
        assertTrue(helper.isCall());
        assertTrue(helper.isHelperCall());
        assertFalse(helper.isBpfToBpfCall());
        assertFalse(helper.hasJumpTarget());
        Instruction local = Instruction.callBpf(-1);
        assertTrue(local.isBpfToBpfCall());
        assertFalse(local.isHelperCall());
        assertTrue(local.hasJumpTarget());
        assertEquals(10, Instruction.callBpf(5).jumpTarget(4));
        Instruction kfunc = Instruction.of(0x85, 0, Pseudo.KFUNC_CALL, 0, 1234);
        assertTrue(kfunc.isKfuncCall());
        assertFalse(kfunc.isHelperCall());
        assertTrue(Instruction.of(0x8d, 2, 0, 0, 0).isCallx());
        assertFalse(Instruction.of(0x8d, 2, 0, 0, 0).isCall());
        assertFalse(helper.isJump());
        assertTrue(Instruction.exit().isExit());
        assertFalse(Instruction.exit().isJump());
    }

    @Test
    void jumpsAndTheirTargets() {
        Instruction jeq = Instruction.of(0x15, 1, 0, 7, 0);
        assertTrue(jeq.isJump());
        assertTrue(jeq.isConditionalJump());
        assertFalse(jeq.isUnconditionalJump());
        assertEquals(17, jeq.jumpTarget(9));
        Instruction back = Instruction.ja(-3);
        assertTrue(back.isUnconditionalJump());
        assertEquals(3, back.jumpTarget(5));
        Instruction gotol = Instruction.of(0x06, 0, 0, 99, 100000);
        assertTrue(gotol.isUnconditionalJump());
        assertEquals(100000, gotol.jumpOffset(), "gotol takes its displacement from imm, not off");
        assertEquals(100001, gotol.jumpTarget(0));
        Instruction mayGoto = Instruction.of(0xe5, 0, 0, 2, 0);
        assertTrue(mayGoto.isMayGoto());
        assertTrue(mayGoto.isJump());
        assertFalse(Instruction.of(0xe5, 0, 1, 2, 0).isMayGoto());
        Instruction jset32 = Instruction.of(0x4e, 1, 2, -1, 0);
        assertTrue(jset32.isConditionalJump());
        assertEquals(4, jset32.jumpTarget(4));
        assertFalse(Instruction.mov64(0, 0).isJump());
        assertThrows(IllegalStateException.class, () -> Instruction.mov64(0, 0).jumpTarget(0));
    }

    @Test
    void memoryAndAtomicPredicates() {
        assertTrue(Instruction.of(0x79, 1, 1, 8, 0).isMemoryLoad());
        assertTrue(Instruction.of(0x91, 1, 1, 8, 0).isMemoryLoad(), "ldxsb (MEMSX) is a load");
        assertTrue(Instruction.of(0x7b, 10, 1, -8, 0).isMemoryStore());
        assertTrue(Instruction.of(0x62, 10, 0, -8, 1).isMemoryStore());
        assertTrue(Instruction.of(0xdb, 1, 2, 0, 0).isAtomic());
        assertFalse(Instruction.of(0xdb, 1, 2, 0, 0).isMemoryStore());
        assertTrue(Instruction.of(0x30, 0, 0, 0, 12).isLegacyPacketLoad());
        assertTrue(Instruction.of(0x40, 0, 3, 0, 2).isLegacyPacketLoad());
        assertTrue(Instruction.loadMapFd(1, 4).isMapLoad());
        assertTrue(Instruction.loadMapValue(1, 4, 8).isMapLoad());
        assertFalse(Instruction.loadImm64(1, 4).isMapLoad());
        assertTrue(Instruction.of(0x04, 1, 0, 0, 1).isAlu32());
        assertTrue(Instruction.of(0x07, 1, 0, 0, 1).isAlu64());
    }
}
