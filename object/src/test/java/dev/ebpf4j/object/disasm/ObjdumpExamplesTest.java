package dev.ebpf4j.object.disasm;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.elf.ElfRelocation;
import dev.ebpf4j.object.elf.ElfSection;
import dev.ebpf4j.object.elf.ElfSymbol;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Every instruction of every example object, disassembled by us and by {@code llvm-objdump -d} of
 * LLVM 14: the instruction text (with jump labels) must be equal, and so must the whole listing
 * ({@code -d -r}, with and without raw bytes), given the object's symbols and relocations.
 */
class ObjdumpExamplesTest {

    /** The symbols llvm-objdump shows as headers and uses for labels in a section, byte offset to name. */
    static Map<Long, String> symbolsOf(ElfFile elf, ElfSection section) {
        Map<Long, String> out = new TreeMap<>();
        for (ElfSymbol s : elf.symbolsIn(section)) {
            if (s.type() == ElfSymbol.STT_SECTION || s.type() == ElfSymbol.STT_FILE || s.name().isEmpty()) {
                continue;
            }
            out.putIfAbsent(s.value(), s.name());
        }
        return out;
    }

    static Map<Long, Listing.Relocation> relocationsOf(ElfFile elf, ElfSection section) {
        Map<Long, Listing.Relocation> out = new TreeMap<>();
        for (ElfRelocation r : elf.relocations(section)) {
            ElfSymbol s = r.symbol();
            String name = s.isSection() ? elf.section(s.sectionIndex()).name() : s.name();
            out.put(r.offset(), new Listing.Relocation(r.typeName(), name));
        }
        return out;
    }

    static List<ElfSection> codeSections(ElfFile elf) {
        List<ElfSection> out = new ArrayList<>();
        for (ElfSection s : elf.sections()) {
            if (s.isExecutable() && s.size() > 0) {
                out.add(s);
            }
        }
        return out;
    }

    private static final Pattern SECTION = Pattern.compile("^Disassembly of section (.*):$");
    private static final Pattern INSN = Pattern.compile("^\\s*(\\d+):\\t(?:[0-9a-f]{2}(?: [0-9a-f]{2})*\\t)?(.*)$");

    /** Section name to (slot to text) from llvm-objdump -d output. */
    static Map<String, Map<Integer, String>> parse(String output) {
        Map<String, Map<Integer, String>> out = new LinkedHashMap<>();
        Map<Integer, String> current = null;
        for (String line : output.split("\n")) {
            Matcher sec = SECTION.matcher(line);
            if (sec.matches()) {
                current = new LinkedHashMap<>();
                out.put(sec.group(1), current);
                continue;
            }
            Matcher m = INSN.matcher(line);
            if (m.matches() && current != null) {
                current.put(Integer.parseInt(m.group(1)), m.group(2));
            }
        }
        return out;
    }

    @Test
    void everyInstructionOfEveryExampleMatchesLlvmObjdump() {
        Llvm14.require();
        List<Path> objects = TestObjects.exampleObjects();
        assertTrue(objects.size() >= 6, "examples: " + objects);
        int matched = 0;
        int labelled = 0;
        for (Path object : objects) {
            ElfFile elf = ElfFile.parse(TestObjects.read(object));
            Map<String, Map<Integer, String>> theirs = parse(TestObjects.run("llvm-objdump", "-d", object.toString()));
            List<ElfSection> sections = codeSections(elf);
            assertEquals(theirs.keySet(), sections.stream().map(ElfSection::name).collect(
                    java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)), object.toString());
            for (ElfSection section : sections) {
                List<Instruction> insns = Instructions.decode(section.data(), "section " + section.name());
                LabelResolver labels = LabelResolver.nearestSymbol(symbolsOf(elf, section));
                Map<Integer, String> expected = theirs.get(section.name());
                int[] slots = Instructions.slots(insns);
                assertEquals(expected.keySet(), java.util.Arrays.stream(slots).boxed().collect(
                        java.util.stream.Collectors.toCollection(java.util.LinkedHashSet::new)), section.name());
                for (int i = 0; i < insns.size(); i++) {
                    String ours = ObjdumpDisassembler.text(insns.get(i), slots[i], labels);
                    assertEquals(expected.get(slots[i]), ours, object.getFileName() + " " + section.name() + " slot " + slots[i]);
                    matched++;
                    if (ours.endsWith(">")) {
                        labelled++;
                    }
                }
            }
        }
        System.out.printf("llvm-objdump -d: %d instructions matched (%d with jump labels) in %d objects%n",
                matched, labelled, objects.size());
        assertTrue(matched > 150, "matched " + matched);
        assertTrue(labelled > 5, "labelled " + labelled);
    }

    static String listing(Path object, boolean raw) {
        ElfFile elf = ElfFile.parse(TestObjects.read(object));
        StringBuilder sb = new StringBuilder(Listing.fileHeader(object.toString()));
        for (ElfSection section : codeSections(elf)) {
            sb.append(Listing.builder(section.name(), Instructions.decode(section.data()))
                    .symbols(symbolsOf(elf, section))
                    .relocations(relocationsOf(elf, section))
                    .showRawBytes(raw)
                    .build()
                    .render());
        }
        return sb.toString();
    }

    @Test
    void wholeListingsEqualLlvmObjdumpWithRelocations() {
        Llvm14.require();
        for (Path object : TestObjects.exampleObjects()) {
            assertEquals(TestObjects.run("llvm-objdump", "-d", "-r", object.toString()), listing(object, true),
                    object.toString());
            assertEquals(TestObjects.run("llvm-objdump", "-d", "-r", "--no-show-raw-insn", object.toString()),
                    listing(object, false), object.toString());
        }
    }
}
