package dev.ebpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * The BPF ISA conformance suite (RFC 9669), read from {@code -Debpf4j.conformance.dir}: every program
 * must return the expected r0, or be refused / fail where the file expects an error. {@code callx}
 * (outside RFC 9669) may be refused with a clear error.
 */
class ConformanceTest {

    record Case(String name, byte[] program, byte[] memory, Long result, String error) {}

    private static final Pattern SECTION =
            Pattern.compile("-- (asm|mem|result|error|program|raw|no register offset|c)[ \\t]*(?=\\r?\\n|$)");

    static Path dir() {
        String d = System.getProperty("ebpf4j.conformance.dir");
        Path p = d == null ? null : Path.of(d);
        TestObjects.skipUnless(p != null && Files.isDirectory(p),
                "conformance data not found (system property ebpf4j.conformance.dir=" + d + ")");
        return p;
    }

    static List<Path> files() {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(f -> f.getFileName().toString().endsWith(".data")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Case parse(Path file) throws IOException {
        String text = Files.readString(file);
        Matcher m = SECTION.matcher(text);
        Map<String, String> sections = new LinkedHashMap<>();
        String current = null;
        int start = 0;
        while (m.find()) {
            if (current != null) {
                sections.put(current, text.substring(start, m.start()));
            }
            current = m.group(1);
            start = m.end();
        }
        if (current != null) {
            sections.put(current, text.substring(start));
        }
        String name = file.getFileName().toString().replaceFirst("\\.data$", "");
        if (!sections.containsKey("program")) {
            throw new IllegalStateException(name + " has no -- program section");
        }
        byte[] program = hex(sections.get("program"));
        byte[] mem = sections.containsKey("mem") ? hex(sections.get("mem")) : new byte[0];
        Long result = null;
        if (sections.containsKey("result")) {
            String r = sections.get("result").strip();
            result = r.startsWith("0x") || r.startsWith("0X") ? Long.parseUnsignedLong(r.substring(2), 16)
                    : r.startsWith("-") ? Long.parseLong(r) : Long.parseUnsignedLong(r);
        }
        String error = sections.containsKey("error") ? sections.get("error").strip() : null;
        return new Case(name, program, mem, result, error);
    }

    private static byte[] hex(String section) {
        StringBuilder sb = new StringBuilder();
        for (String line : section.split("\\R")) {
            String l = line.replaceFirst("#.*", "").strip();
            sb.append(l.replaceAll("\\s+", ""));
        }
        return HexFormat.of().parseHex(sb.toString());
    }

    /** A VM with the suite's helper 5, which returns its first argument. */
    static BpfVm vm() {
        VmOptions o = VmOptions.defaults();
        return new BpfVm(o.withHelpers(o.helpers().with(5, (c, a1, a2, a3, a4, a5) -> a1)));
    }

    enum Outcome { PASSED, REFUSED_AS_EXPECTED, FAILED }

    static Outcome run(BpfVm vm, Case c, List<String> problems) {
        long r0;
        try {
            List<Instruction> insns = Instructions.decode(c.program());
            VmProgram p = vm.program(c.name(), ProgramType.UNSPEC, insns);
            r0 = p.run(c.memory()).returnValue();
        } catch (BpfLoadException | BpfRuntimeException e) {
            if (c.error() != null) {
                return Outcome.REFUSED_AS_EXPECTED;
            }
            if (c.name().equals("callx") && e.getMessage().contains("callx")) {
                return Outcome.REFUSED_AS_EXPECTED;
            }
            problems.add(c.name() + ": " + e.getMessage());
            return Outcome.FAILED;
        }
        if (c.error() != null) {
            problems.add(c.name() + ": expected error '" + c.error() + "' but got r0=0x" + Long.toHexString(r0));
            return Outcome.FAILED;
        }
        if (c.result() == null || r0 != c.result()) {
            problems.add(String.format("%s: r0=0x%x, expected 0x%x", c.name(), r0, c.result()));
            return Outcome.FAILED;
        }
        return Outcome.PASSED;
    }

    @TestFactory
    Stream<DynamicTest> everyConformanceProgram() {
        BpfVm vm = vm();
        return files().stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            List<String> problems = new ArrayList<>();
            Outcome o = run(vm, parse(f), problems);
            if (o == Outcome.FAILED) {
                fail(String.join("\n", problems));
            }
        }));
    }

    @Test
    void allFilesAreThereAndPass() throws IOException {
        List<Path> files = files();
        assertEquals(313, files.size(), "the suite has 313 programs");
        BpfVm vm = vm();
        List<String> problems = new ArrayList<>();
        Map<Outcome, Integer> counts = new LinkedHashMap<>();
        for (Path f : files) {
            counts.merge(run(vm, parse(f), problems), 1, Integer::sum);
        }
        System.out.println("conformance: " + counts);
        assertTrue(problems.isEmpty(), problems.size() + " failed:\n" + String.join("\n", problems));
    }
}
