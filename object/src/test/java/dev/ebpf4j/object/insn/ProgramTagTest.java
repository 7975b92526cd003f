package dev.ebpf4j.object.insn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HexFormat;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.insn.ProgramTag.Algorithm;

/** Vectors computed outside this code base (Python hashlib over hand-assembled bytes). */
class ProgramTagTest {

    private static final List<Instruction> RETURN_ZERO = List.of(Instruction.mov64(0, 0), Instruction.exit());

    @Test
    void returnZero() {
        assertEquals("a04f5eef06a7f555", ProgramTag.compute(RETURN_ZERO, Algorithm.SHA1));
        assertEquals("59f4a931744dcdc6", ProgramTag.compute(RETURN_ZERO, Algorithm.SHA256));
        assertArrayEquals(HexFormat.of().parseHex("59f4a931744dcdc6"),
                ProgramTag.computeBytes(RETURN_ZERO, Algorithm.SHA256));
    }

    @Test
    void mapFdImmediateIsNotHashed() {
        String sha1 = "0775532518e501b3";
        String sha256 = "846a7cf7f6566d88";
        for (int fd : new int[] {0, 3, 7, -1, Integer.MAX_VALUE}) {
            List<Instruction> prog = List.of(Instruction.loadMapFd(1, fd), Instruction.exit());
            assertEquals(sha1, ProgramTag.compute(prog, Algorithm.SHA1), "fd " + fd);
            assertEquals(sha256, ProgramTag.compute(prog, Algorithm.SHA256), "fd " + fd);
        }
    }

    @Test
    void mapValueFdAndOffsetAreNotHashed() {
        List<Instruction> a = List.of(Instruction.loadMapValue(1, 4, 0), Instruction.exit());
        List<Instruction> b = List.of(Instruction.loadMapValue(1, 9, 1234), Instruction.exit());
        assertEquals(ProgramTag.compute(a, Algorithm.SHA256), ProgramTag.compute(b, Algorithm.SHA256));
        // ...but the register and the pseudo kind are
        List<Instruction> c = List.of(Instruction.loadMapValue(2, 4, 0), Instruction.exit());
        List<Instruction> d = List.of(Instruction.loadMapFd(1, 4), Instruction.exit());
        assertNotEquals(ProgramTag.compute(a, Algorithm.SHA256), ProgramTag.compute(c, Algorithm.SHA256));
        assertNotEquals(ProgramTag.compute(a, Algorithm.SHA256), ProgramTag.compute(d, Algorithm.SHA256));
    }

    @Test
    void otherLddwKindsAreHashedAsTheyAre() {
        // MAP_IDX (5) with index 7 (and a non-zero second imm) keeps both immediates
        List<Instruction> idx = List.of(Instruction.loadImm64(1, Pseudo.MAP_IDX, 7, 3), Instruction.exit());
        assertEquals("bd44c8ab4dd50e85", ProgramTag.compute(idx, Algorithm.SHA1));
        assertEquals("ca04576564861629", ProgramTag.compute(idx, Algorithm.SHA256));
        for (int src : new int[] {Pseudo.NONE, Pseudo.BTF_ID, Pseudo.FUNC, Pseudo.MAP_IDX, Pseudo.MAP_IDX_VALUE}) {
            List<Instruction> x = List.of(Instruction.loadImm64(1, src, 1, 0), Instruction.exit());
            List<Instruction> y = List.of(Instruction.loadImm64(1, src, 2, 0), Instruction.exit());
            assertNotEquals(ProgramTag.compute(x, Algorithm.SHA1), ProgramTag.compute(y, Algorithm.SHA1), "src " + src);
        }
    }

    @Test
    void helloAsLibbpfSubmitsIt() {
        // examples/hello.bpf.o's xdp section with both lddw marked MAP_VALUE (fd and offset 0);
        // a Linux 6.18 kernel reported tag 490c48c1179970a8 for it
        List<Instruction> hello = Instructions.decode(HexFormat.of().parseHex(
                "1826000000000000" + "0000000000000000" + "6163000000000000" + "1821000000000000"
                        + "0000000000000000" + "b7020000" + "0f000000" + "8500000006000000" + "6161000000000000"
                        + "0701000001000000" + "6316000000000000" + "b700000002000000" + "9500000000000000"));
        assertEquals("490c48c1179970a8", ProgramTag.compute(hello, Algorithm.SHA256));
        assertEquals("d35b94b4c0c10efb", ProgramTag.compute(hello, Algorithm.SHA1));
    }

    @Test
    void blankingTouchesOnlyMapLoads() {
        List<Instruction> in = List.of(Instruction.loadMapValue(1, 5, 6), Instruction.loadImm64(2, 0x500000006L),
                Instruction.mov64(3, 7));
        List<Instruction> out = ProgramTag.blankMapReferences(in);
        assertEquals(Instruction.loadMapValue(1, 0, 0), out.get(0));
        assertEquals(in.get(1), out.get(1));
        assertEquals(in.get(2), out.get(2));
    }

    @Test
    void algorithmByKernelRelease() {
        assertEquals(Algorithm.SHA1, Algorithm.forKernelRelease("4.19.0"));
        assertEquals(Algorithm.SHA1, Algorithm.forKernelRelease("6.17.9-arch1-1"));
        assertEquals(Algorithm.SHA256, Algorithm.forKernelRelease("6.18.44-fc-v509"));
        assertEquals(Algorithm.SHA256, Algorithm.forKernelRelease("6.19-rc1"));
        assertEquals(Algorithm.SHA256, Algorithm.forKernelRelease("7.0.0"));
        assertEquals(Algorithm.SHA1, Algorithm.forKernelRelease("5.99"));
        assertThrows(IllegalArgumentException.class, () -> Algorithm.forKernelRelease("linux"));
    }
}
