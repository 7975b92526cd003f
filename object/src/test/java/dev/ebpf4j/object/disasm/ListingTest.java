package dev.ebpf4j.object.disasm;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.insn.Instruction;

class ListingTest {

    private static final List<Instruction> PROG = List.of(
            Instruction.loadImm64(6, 0),
            Instruction.of(0x15, 1, 0, 1, 0),
            Instruction.mov64(0, 1),
            Instruction.exit());

    @Test
    void objdumpLayoutWithSymbolsRelocationsAndSource() {
        String text = Listing.builder("xdp", PROG)
                .symbol(0, "prog")
                .symbol(32, "LBB0_2")
                .relocation(0, "R_BPF_64_64", "counter")
                .sourceLine(0, "\tcounter++;")
                .sourceLine(2, "\tif (x)")
                .sourceLine(3, "\tif (x)")
                .build()
                .render();
        assertEquals("""

                Disassembly of section xdp:

                0000000000000000 <prog>:
                ; \tcounter++;
                       0:\t18 06 00 00 00 00 00 00 00 00 00 00 00 00 00 00\tr6 = 0 ll
                \t\t0000000000000000:  R_BPF_64_64\tcounter
                ; \tif (x)
                       2:\t15 01 01 00 00 00 00 00\tif r1 == 0 goto +1 <LBB0_2>
                       3:\tb7 00 00 00 01 00 00 00\tr0 = 1

                0000000000000020 <LBB0_2>:
                       4:\t95 00 00 00 00 00 00 00\texit
                """, text);
    }

    @Test
    void optionsRawBytesRepeatSourceAndLabels() {
        String text = Listing.builder("socket", PROG)
                .symbols(Map.of(0L, "f"))
                .showRawBytes(false)
                .repeatSourceLines(true)
                .sourceLines(Map.of(2, "a", 3, "a"))
                .labels(LabelResolver.NONE)
                .build()
                .render();
        assertEquals("""

                Disassembly of section socket:

                0000000000000000 <f>:
                       0:\tr6 = 0 ll
                ; a
                       2:\tif r1 == 0 goto +1
                ; a
                       3:\tr0 = 1
                       4:\texit
                """, text);
    }

    @Test
    void unlabelledStartIsNamedAfterTheSectionAndBaseOffsetShiftsSlots() {
        String text = Listing.builder(".text", List.of(Instruction.exit()))
                .baseOffset(16)
                .relocations(Map.of(16L, new Listing.Relocation("R_BPF_64_32", "f")))
                .build()
                .render();
        assertEquals("""

                Disassembly of section .text:

                0000000000000010 <.text>:
                       2:\t95 00 00 00 00 00 00 00\texit
                \t\t0000000000000010:  R_BPF_64_32\tf
                """, text);
        assertThrows(IllegalArgumentException.class, () -> Listing.builder("x", PROG).baseOffset(4));
        assertEquals("\nhello.bpf.o:\tfile format elf64-bpf\n", Listing.fileHeader("hello.bpf.o"));
    }
}
