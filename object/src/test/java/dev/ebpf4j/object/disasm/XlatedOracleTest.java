package dev.ebpf4j.object.disasm;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.elf.ElfSymbol;
import dev.ebpf4j.object.insn.BpftoolOracle;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.Pseudo;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Loads the example objects with bpftool and compares, for every program, every instruction line of
 * {@code bpftool prog dump xlated} (plain and JSON) with ours over the raw xlated bytes. Kernel
 * symbols are resolved as bpftool resolves them ({@link XlatedSymbols#bpftool}): helpers through
 * /proc/kallsyms relative to {@code __bpf_call_base}, subprograms through their
 * {@code bpf_prog_<tag>_<name>} symbols. {@code ;} source and prototype lines come from BTF and are
 * not compared.
 */
class XlatedOracleTest {

    private static final Pattern LINE = Pattern.compile("^\\s*(\\d+): (\\(.*)$");
    private static final Pattern DISASM = Pattern.compile("\"disasm\":\"((?:[^\"\\\\]|\\\\.)*)\"");

    static Map<Integer, String> plainLines(String output) {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                out.put(Integer.parseInt(m.group(1)), line);
            }
        }
        return out;
    }

    static List<String> jsonDisasm(String json) {
        List<String> out = new ArrayList<>();
        Matcher m = DISASM.matcher(json);
        while (m.find()) {
            out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return out;
    }

    /** Function names of an object that are not program entry points (candidates for subprograms). */
    static List<String> functionNames(ElfFile elf) {
        List<String> out = new ArrayList<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.isFunction()) {
                out.add(s.name());
            }
        }
        return out;
    }

    /**
     * bpftool finds subprogram i at jited_ksyms[i]; that array is not available here, so rebuild it
     * from /proc/kallsyms: subprogram 0 is {@code bpf_prog_<tag>_<name>} of the program itself, the
     * others the single {@code bpf_prog_*_<function>} symbol of each other function of the object.
     * Returns null when that is ambiguous.
     */
    static long[] jitedAddresses(BpftoolOracle.Prog prog, List<Instruction> insns, Map<Long, String> ksyms,
            List<String> functions) {
        TreeSet<Integer> starts = new TreeSet<>();
        starts.add(0);
        int[] slots = Instructions.slots(insns);
        for (int i = 0; i < insns.size(); i++) {
            Instruction insn = insns.get(i);
            if (insn.isCall() && insn.src() == Pseudo.CALL) {
                starts.add(slots[i] + 1 + insn.off());
            }
        }
        long[] out = new long[starts.size()];
        Map<String, Long> others = new LinkedHashMap<>();
        Pattern progSym = Pattern.compile("bpf_prog_[0-9a-f]{16}_(.*)");
        for (Map.Entry<Long, String> e : ksyms.entrySet()) {
            if (e.getValue().equals("bpf_prog_" + prog.tag() + "_" + prog.name())) {
                out[0] = e.getKey();
            }
            Matcher m = progSym.matcher(e.getValue());
            if (m.matches() && !m.group(1).equals(prog.name()) && functions.contains(m.group(1))) {
                others.merge(e.getValue(), e.getKey(), (a, b) -> a);
            }
        }
        if (out.length > 1) {
            if (others.size() != out.length - 1) {
                return null;
            }
            int k = 1;
            for (long address : others.values()) {
                out[k++] = address;
            }
        }
        return out;
    }

    @Test
    void everyXlatedLineOfEveryLoadableExampleMatchesBpftool() throws Exception {
        BpftoolOracle.requireKernel();
        TestObjects.skipUnless(Files.isReadable(Path.of("/proc/kallsyms")), "no /proc/kallsyms");
        Map<Long, String> ksyms = BpftoolOracle.kallsyms();
        long callBase = ksyms.entrySet().stream().filter(e -> e.getValue().equals("__bpf_call_base"))
                .mapToLong(Map.Entry::getKey).findFirst().orElse(0);
        TestObjects.skipUnless(callBase != 0, "kernel addresses are hidden (kptr_restrict)");

        int matched = 0;
        int programs = 0;
        List<String> failures = new ArrayList<>();
        List<String> loaded = new ArrayList<>();
        for (Path object : TestObjects.exampleObjects()) {
            ElfFile elf = ElfFile.parse(TestObjects.read(object));
            Path dir = BpftoolOracle.pinPath("xlated_test");
            try {
                Files.createDirectories(dir);
                for (BpftoolOracle.Prog prog : BpftoolOracle.loadAll(object, dir, failures)) {
                    loaded.add(object.getFileName() + ":" + prog.name());
                    List<Instruction> insns = Instructions.decode(BpftoolOracle.xlatedBytes(prog));
                    // kallsyms now includes this program's own symbols
                    Map<Long, String> now = BpftoolOracle.kallsyms();
                    long[] jited = prog.jited() ? jitedAddresses(prog, insns, now, functionNames(elf)) : new long[0];
                    assertNotNull(jited, "cannot tell the subprograms of " + prog.name() + " apart in /proc/kallsyms");
                    XlatedSymbols symbols = XlatedSymbols.bpftool(callBase,
                            address -> Optional.ofNullable(now.get(address)), jited);

                    String id = Integer.toString(prog.id());
                    Map<Integer, String> theirs = plainLines(TestObjects.run("bpftool", "prog", "dump", "xlated", "id", id));
                    List<String> theirsJson = jsonDisasm(TestObjects.run("bpftool", "-j", "prog", "dump", "xlated", "id", id));
                    int[] slots = Instructions.slots(insns);
                    assertEquals(slots.length, theirs.size(), prog.name() + " instruction count");
                    assertEquals(slots.length, theirsJson.size(), prog.name() + " JSON instruction count");
                    for (int i = 0; i < slots.length; i++) {
                        String where = object.getFileName() + " " + prog.name() + " slot " + slots[i];
                        assertEquals(theirs.get(slots[i]), XlatedDisassembler.line(insns.get(i), slots[i], symbols), where);
                        assertEquals(theirsJson.get(i), XlatedDisassembler.text(insns.get(i), symbols), where + " (JSON)");
                        matched++;
                    }
                    String dump = XlatedDisassembler.dump(insns, symbols);
                    assertEquals(String.join("\n", theirs.values()) + "\n", dump, prog.name() + " whole dump");
                    programs++;
                }
            } finally {
                BpftoolOracle.removePins(dir);
            }
            assertFalse(Files.exists(dir), "pins left behind at " + dir);
        }
        System.out.printf("bpftool prog dump xlated: %d instructions of %d programs matched (%s); not loadable: %s%n",
                matched, programs, loaded, failures);
        assertTrue(loaded.stream().anyMatch(s -> s.startsWith("hello.bpf.o")), "hello.bpf.o must load: " + failures);
        assertTrue(loaded.stream().anyMatch(s -> s.startsWith("syscall_counter.bpf.o")),
                "syscall_counter.bpf.o (BPF-to-BPF call) must load: " + failures);
        assertTrue(matched > 100, "matched " + matched);
    }
}
