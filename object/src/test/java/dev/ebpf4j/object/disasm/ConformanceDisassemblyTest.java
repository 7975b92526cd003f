package dev.ebpf4j.object.disasm;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.insn.ConformancePrograms;
import dev.ebpf4j.object.insn.ConformancePrograms.Program;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;

/**
 * The 313 BPF ISA conformance programs (RFC 9669, ISA v4): every instruction decodes, re-encodes
 * to the same bytes and disassembles in both styles without an unknown marker; in objdump style
 * each instruction LLVM 14 knows prints exactly as LLVM 14's llvm-objdump prints it.
 */
class ConformanceDisassemblyTest {

    @Test
    void everyInstructionDecodesAndDisassemblesInBothStyles() {
        List<Program> programs = ConformancePrograms.all();
        assertTrue(programs.size() >= 300, "programs: " + programs.size());
        int count = 0;
        for (Program p : programs) {
            List<Instruction> insns = Instructions.decode(p.bytes());
            assertArrayEquals(p.bytes(), Instructions.encode(insns), p.name());
            int[] slots = Instructions.slots(insns);
            for (int i = 0; i < insns.size(); i++) {
                Instruction insn = insns.get(i);
                String llvm = ObjdumpDisassembler.text(insn, slots[i], LabelResolver.NONE);
                assertNotEquals(ObjdumpDisassembler.UNKNOWN, llvm, p.name() + " slot " + slots[i] + " " + insn);
                String xlated = XlatedDisassembler.text(insn, XlatedSymbols.NONE);
                assertFalse(xlated.contains("BUG") || xlated.contains("(null)") || xlated.contains("unknown"),
                        p.name() + " slot " + slots[i] + ": " + xlated);
                assertTrue(xlated.startsWith(String.format("(%02x) ", insn.opcode())), xlated);
                count++;
            }
        }
        System.out.printf("conformance: %d instructions of %d programs decoded and disassembled%n", count, programs.size());
    }

    @Test
    void objdumpStyleEqualsLlvm14ForEverythingLlvm14Knows() {
        Llvm14.require();
        List<Program> programs = ConformancePrograms.all();
        // all programs back to back in one .text: one llvm-objdump run
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<Instruction> insns = new ArrayList<>();
        Map<Integer, String> owner = new TreeMap<>();
        for (Program p : programs) {
            owner.put(all.size() / 8, p.name());
            all.writeBytes(p.bytes());
            insns.addAll(Instructions.decode(p.bytes()));
        }
        Map<Integer, String> llvm = Llvm14.disassemble(all.toByteArray());
        int[] slots = Instructions.slots(insns);
        int matched = 0;
        Map<String, Integer> exempt = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < insns.size(); i++) {
            Instruction insn = insns.get(i);
            String where = ((TreeMap<Integer, String>) owner).floorEntry(slots[i]).getValue() + " slot " + slots[i];
            String theirs = llvm.get(slots[i]);
            assertNotNull(theirs, where);
            String reason = Llvm14Divergence.reason(insn);
            if (reason != null) {
                exempt.merge(reason.replaceAll(" 0x\\w+ on size \\d+", ""), 1, Integer::sum);
                continue;
            }
            String ours = ObjdumpDisassembler.text(insn, slots[i], Llvm14.TEXT_LABELS);
            if (theirs.equals(ours)) {
                matched++;
            } else {
                failures.add(where + ": llvm-objdump '" + theirs + "', ours '" + ours + "'");
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
        System.out.printf("conformance vs llvm-objdump 14: %d instructions matched, exempt (not in LLVM 14): %s%n",
                matched, exempt);
        assertTrue(matched > 1000, "matched " + matched);
    }
}
