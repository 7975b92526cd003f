package dev.ebpf4j.vm.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
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

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.testing.TestObjects;
import dev.ebpf4j.vm.BpfLoadException;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;

/**
 * The 313 programs of the BPF ISA conformance suite ({@code -Debpf4j.conformance.dir}) on the JIT: each is compiled
 * (the strict {@link Engine#JIT} engine fails a program the JIT refuses), returns the expected r0, and behaves as on
 * the interpreter (same r0 and instruction count, or the same fault at the same instruction).
 */
class JitConformanceTest {

    record Case(String name, byte[] program, byte[] memory, Long result, String error) {}

    private static final Pattern SECTION =
            Pattern.compile("-- (asm|mem|result|error|program|raw|no register offset|c)[ \\t]*(?=\\r?\\n|$)");

    static List<Path> files() throws IOException {
        String d = System.getProperty("ebpf4j.conformance.dir");
        Path dir = d == null ? null : Path.of(d);
        TestObjects.skipUnless(dir != null && Files.isDirectory(dir), "conformance data not found (ebpf4j.conformance.dir=" + d + ")");
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".data")).sorted().toList();
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
        Long result = null;
        if (sections.containsKey("result")) {
            String r = sections.get("result").strip();
            result = r.startsWith("0x") || r.startsWith("0X") ? Long.parseUnsignedLong(r.substring(2), 16)
                    : r.startsWith("-") ? Long.parseLong(r) : Long.parseUnsignedLong(r);
        }
        return new Case(file.getFileName().toString().replaceFirst("\\.data$", ""), hex(sections.get("program")),
                sections.containsKey("mem") ? hex(sections.get("mem")) : new byte[0], result,
                sections.containsKey("error") ? sections.get("error").strip() : null);
    }

    private static byte[] hex(String section) {
        StringBuilder sb = new StringBuilder();
        for (String line : section.split("\\R")) {
            sb.append(line.replaceFirst("#.*", "").strip().replaceAll("\\s+", ""));
        }
        return HexFormat.of().parseHex(sb.toString());
    }

    static BpfVm vm(Engine engine) {
        VmOptions o = VmOptions.defaults();
        return Engines.vm(o.withHelpers(o.helpers().with(5, (c, a1, a2, a3, a4, a5) -> a1)), engine);
    }

    static Engines.Outcome run(BpfVm vm, Case c) {
        VmProgram p;
        try {
            p = vm.program(c.name(), ProgramType.UNSPEC, Instructions.decode(c.program()));
        } catch (BpfLoadException e) {
            return new Engines.Outcome(null, null, null, -1, "load: " + e.getMessage(), -1, e.getMessage());
        }
        return Engines.Outcome.of(() -> p.run(c.memory()));
    }

    @Test
    void everyConformanceProgramRunsOnTheJitAsOnTheInterpreter() throws IOException {
        List<Path> files = files();
        assertEquals(313, files.size(), "the suite has 313 programs");
        BpfVm jit = vm(Engine.JIT);
        BpfVm interp = vm(Engine.INTERPRETER);
        Map<String, Integer> counts = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>();
        for (Path f : files) {
            Case c = parse(f);
            Engines.Outcome j = run(jit, c);
            Engines.Outcome i = run(interp, c);
            if (!j.sameAs(i)) {
                problems.add(c.name() + ": jit " + j + " / interpreter " + i);
                continue;
            }
            if (c.error() != null) {
                counts.merge(j.faulted() ? "refused as expected" : "FAILED", 1, Integer::sum);
                if (!j.faulted()) {
                    problems.add(c.name() + ": expected error '" + c.error() + "', got " + j);
                }
            } else if (j.faulted()) {
                boolean callx = c.name().equals("callx") && j.message().contains("callx");
                counts.merge(callx ? "callx refused (as the interpreter)" : "FAILED", 1, Integer::sum);
                if (!callx) {
                    problems.add(c.name() + ": " + j);
                }
            } else {
                assertNotNull(c.result(), c.name() + " has no result");
                boolean ok = j.r0() == c.result().longValue();
                counts.merge(ok ? "passed" : "FAILED", 1, Integer::sum);
                if (!ok) {
                    problems.add(c.name() + ": " + j + ", expected 0x" + Long.toHexString(c.result()));
                }
            }
        }
        System.out.println("JIT conformance: " + counts);
        assertTrue(problems.isEmpty(), problems.size() + " differ:\n" + String.join("\n", problems));
        assertTrue(counts.getOrDefault("passed", 0) >= 300, "passed " + counts);
    }
}
