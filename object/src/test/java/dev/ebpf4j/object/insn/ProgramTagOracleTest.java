package dev.ebpf4j.object.insn;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.elf.ElfRelocation;
import dev.ebpf4j.object.elf.ElfSection;
import dev.ebpf4j.object.elf.ElfSymbol;
import dev.ebpf4j.object.insn.ProgramTag.Algorithm;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * The kernel's tag of programs bpftool (libbpf) loaded from the example objects equals
 * {@link ProgramTag} over the instructions as libbpf submits them, rebuilt here from the ELF: each
 * lddw relocated against a global variable becomes MAP_VALUE (imm = map fd, second imm = offset of
 * the variable), against a map definition MAP_FD. Also shows that the kernel blanks the value offset:
 * hashing with the offset kept gives a different tag.
 */
class ProgramTagOracleTest {

    private static final int SOME_FD = 42;

    /** The instructions of {@code section} as libbpf submits them, or null if it would do more than map relocations. */
    static List<Instruction> asSubmitted(ElfFile elf, ElfSection section) {
        List<Instruction> insns = new ArrayList<>(Instructions.decode(section.data(), "section " + section.name()));
        int[] slots = Instructions.slots(insns);
        Map<Long, Integer> indexByOffset = new TreeMap<>();
        for (int i = 0; i < slots.length; i++) {
            indexByOffset.put(Instructions.byteOffset(slots[i]), i);
        }
        for (Instruction insn : insns) {
            if (insn.isBpfToBpfCall() || insn.isKfuncCall()) {
                return null; // libbpf appends subprograms or resolves kfuncs: not reproduced here
            }
        }
        for (ElfRelocation r : elf.relocations(section)) {
            Integer index = indexByOffset.get(r.offset());
            assertNotNull(index, "relocation not at an instruction start: " + r);
            Instruction insn = insns.get(index);
            assertTrue(insn.isLoadImm64(), "relocated instruction is not an lddw: " + insn);
            ElfSymbol sym = r.symbol();
            String target = elf.section(sym.sectionIndex()).name();
            if (target.equals(".maps") || target.equals("maps")) {
                insns.set(index, Instruction.loadMapFd(insn.dst(), SOME_FD));
            } else {
                insns.set(index, Instruction.loadMapValue(insn.dst(), SOME_FD, (int) (insn.imm() + sym.value())));
            }
        }
        return insns;
    }

    /** The section holding the program named {@code name} (a function symbol at offset 0). */
    static ElfSection programSection(ElfFile elf, String name) {
        for (ElfSymbol s : elf.symbols()) {
            if (s.isFunction() && s.name().equals(name) && s.value() == 0) {
                return elf.section(s.sectionIndex());
            }
        }
        throw new AssertionError("no program " + name);
    }

    /** Like the kernel's hash but keeping MAP_VALUE's second immediate: the rule the test rules out. */
    static String tagKeepingValueOffset(List<Instruction> insns, Algorithm algorithm) throws Exception {
        List<Instruction> partly = new ArrayList<>();
        for (Instruction i : insns) {
            partly.add(i.isLoadImm64() && (i.src() == Pseudo.MAP_FD || i.src() == Pseudo.MAP_VALUE) ? i.withImm(0) : i);
        }
        MessageDigest md = MessageDigest.getInstance(algorithm == Algorithm.SHA1 ? "SHA-1" : "SHA-256");
        byte[] d = md.digest(Instructions.encode(partly));
        return HexFormat.of().formatHex(d, 0, 8);
    }

    @Test
    void kernelTagsOfLoadedExamplesMatch() throws Exception {
        BpftoolOracle.requireKernel();
        Algorithm algorithm = Algorithm.forKernelRelease(BpftoolOracle.kernelRelease());
        Algorithm other = algorithm == Algorithm.SHA1 ? Algorithm.SHA256 : Algorithm.SHA1;
        int matched = 0;
        boolean offsetProven = false;
        List<String> failures = new ArrayList<>();
        for (String example : List.of("hello.bpf.o", "globals.bpf.o", "packet_filter.bpf.o", "syscall_counter.bpf.o")) {
            Path object = TestObjects.example(example);
            ElfFile elf = ElfFile.parse(TestObjects.read(object));
            Path dir = BpftoolOracle.pinPath("tag_test");
            try {
                Files.createDirectories(dir);
                for (BpftoolOracle.Prog prog : BpftoolOracle.loadAll(object, dir, failures)) {
                    List<Instruction> submitted = asSubmitted(elf, programSection(elf, prog.name()));
                    if (submitted == null) {
                        continue;
                    }
                    String ours = ProgramTag.compute(submitted, algorithm);
                    assertEquals(prog.tag(), ours, example + " " + prog.name() + " (" + algorithm + ")");
                    assertNotEquals(prog.tag(), ProgramTag.compute(submitted, other), "the other algorithm must not match");
                    boolean hasOffset = submitted.stream().anyMatch(i -> i.src() == Pseudo.MAP_VALUE && i.isLoadImm64()
                            && i.nextImm() != 0);
                    if (hasOffset) {
                        assertNotEquals(prog.tag(), tagKeepingValueOffset(submitted, algorithm),
                                "the kernel blanks the map value offset too");
                        offsetProven = true;
                    }
                    matched++;
                    System.out.printf("tag %s %s = %s (%s)%n", example, prog.name(), ours, algorithm);
                }
            } finally {
                BpftoolOracle.removePins(dir);
            }
            assertFalse(Files.exists(dir), "pins left behind at " + dir);
        }
        assertTrue(failures.isEmpty(), "examples that did not load: " + failures);
        assertTrue(matched >= 4, "matched " + matched);
        assertTrue(offsetProven, "no program with a non-zero map value offset was checked");
    }
}
