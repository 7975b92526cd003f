package dev.ebpf4j.object.insn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.disasm.LabelResolver;
import dev.ebpf4j.object.disasm.ObjdumpDisassembler;
import dev.ebpf4j.object.disasm.XlatedDisassembler;
import dev.ebpf4j.object.disasm.XlatedSymbols;

class InstructionsPropertiesTest {

    @Provide
    Arbitrary<Instruction> instructions() {
        Arbitrary<Integer> opcode = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(1, Arbitraries.just(Opcode.LD_IMM64)),
                net.jqwik.api.Tuple.of(4, Arbitraries.integers().between(0, 255)));
        Arbitrary<Integer> reg = Arbitraries.integers().between(0, 15);
        Arbitrary<Short> off = Arbitraries.shorts();
        Arbitrary<Integer> imm = Arbitraries.integers();
        return Combinators.combine(opcode, reg, reg, off, imm, imm).as((op, dst, src, o, i, next) ->
                new Instruction(op, dst, src, o, i, op == Opcode.LD_IMM64 ? next : 0));
    }

    @Property(tries = 500)
    void randomInstructionListsRoundTrip(@ForAll @Size(max = 60) List<@From("instructions") Instruction> insns) {
        byte[] bytes = Instructions.encode(insns);
        assertEquals(Instructions.slotCount(insns) * 8, bytes.length);
        assertEquals(insns, Instructions.decode(bytes));
        assertArrayEquals(bytes, Instructions.encode(Instructions.decode(bytes)));
        int[] slots = Instructions.slots(insns);
        for (int i = 0; i < slots.length; i++) {
            assertEquals(i, Instructions.indexOfSlot(insns, slots[i]));
        }
    }

    @Property(tries = 2000)
    void anyBytesDecodeOrFailWithBpfFormatException(@ForAll @Size(max = 200) byte[] bytes) {
        List<Instruction> insns;
        try {
            insns = Instructions.decode(bytes);
        } catch (BpfFormatException e) {
            assertNotNull(e.getMessage());
            assertTrue(e.getMessage().contains("byte"), e.getMessage());
            return;
        }
        assertArrayEquals(bytes, Instructions.encode(insns), "a successful decode is byte-exact");
    }

    @Property(tries = 2000)
    void mostlyValidStreamsWithLddwDecodeOrFailCleanly(@ForAll @Size(max = 12) List<@From("instructions") Instruction> insns,
            @ForAll byte[] tail, @ForAll int cut) {
        byte[] full = Instructions.encode(insns);
        int n = Math.floorMod(cut, full.length + 1);
        byte[] bytes = new byte[n + Math.min(tail.length, 20)];
        System.arraycopy(full, 0, bytes, 0, n);
        System.arraycopy(tail, 0, bytes, n, bytes.length - n);
        try {
            assertArrayEquals(bytes, Instructions.encode(Instructions.decode(bytes)));
        } catch (BpfFormatException expected) {
            // truncated lddw, bad second slot, or a length not a multiple of 8
        }
    }

    @Property(tries = 3000)
    void disassemblersNeverThrow(@ForAll("instructions") Instruction insn, @ForAll int slot) {
        String llvm = ObjdumpDisassembler.text(insn, slot, LabelResolver.nearestSymbol(java.util.Map.of(0L, "f")));
        assertFalse(llvm.isEmpty());
        assertFalse(llvm.contains("\n"));
        String xlated = XlatedDisassembler.text(insn, XlatedSymbols.NONE);
        assertTrue(xlated.startsWith(String.format("(%02x) ", insn.opcode())) || xlated.startsWith("BUG_"), xlated);
        assertFalse(xlated.contains("\n"));
        XlatedDisassembler.line(insn, Math.floorMod(slot, 100000), XlatedSymbols.bpftool(0, a -> java.util.Optional.empty(), new long[] {1}));
    }
}
