package dev.ebpf4j.object.disasm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * The installed llvm-objdump (LLVM 14) as an oracle for raw instruction bytes: the bytes are put
 * into the {@code .text} of an object with llvm-mc ({@code .byte} directives), then disassembled
 * with {@code llvm-objdump -d -z} (zero blocks included).
 */
final class Llvm14 {
    private Llvm14() {}

    /** Skips unless llvm-mc and llvm-objdump of LLVM 14 are installed. */
    static void require() {
        TestObjects.requireTool("llvm-mc");
        Path objdump = TestObjects.requireTool("llvm-objdump");
        String version = TestObjects.run(objdump.toString(), "--version");
        TestObjects.skipUnless(version.contains("LLVM version 14."),
                "the llvm-objdump oracle tests are pinned to LLVM 14, found: " + version.lines().skip(1).findFirst().orElse(version));
    }

    private static final Pattern LINE = Pattern.compile("^\\s*(\\d+):\\t(.*)$");

    /** Parses {@code llvm-objdump -d --no-show-raw-insn} instruction lines: slot index to text. */
    static Map<Integer, String> parseNoRaw(String output) {
        Map<Integer, String> out = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            Matcher m = LINE.matcher(line);
            if (m.matches()) {
                out.put(Integer.parseInt(m.group(1)), m.group(2));
            }
        }
        return out;
    }

    /** Disassembles raw slots with llvm-objdump; slot index to text (labels like {@code <.text+0x10>} included). */
    static Map<Integer, String> disassemble(byte[] bytes) {
        try {
            Path dir = Files.createTempDirectory("ebpf4j-llvm14");
            try {
                Path asm = dir.resolve("t.s");
                Path obj = dir.resolve("t.o");
                StringBuilder sb = new StringBuilder(".text\n");
                for (int i = 0; i < bytes.length; i += 8) {
                    sb.append(".byte ");
                    for (int k = i; k < Math.min(i + 8, bytes.length); k++) {
                        if (k > i) {
                            sb.append(',');
                        }
                        sb.append(bytes[k] & 0xff);
                    }
                    sb.append('\n');
                }
                Files.writeString(asm, sb.toString());
                TestObjects.run("llvm-mc", "-triple", "bpfel", "-filetype=obj", asm.toString(), "-o", obj.toString());
                return parseNoRaw(TestObjects.run("llvm-objdump", "-d", "-z", "--no-show-raw-insn", obj.toString()));
            } finally {
                try (var s = Files.list(dir)) {
                    for (Path p : s.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<Integer, String> disassemble(List<Instruction> instructions) {
        return disassemble(Instructions.encode(instructions));
    }

    /** Labels as llvm-objdump gives them in an llvm-mc object: relative to the {@code .text} section symbol. */
    static final LabelResolver TEXT_LABELS = LabelResolver.nearestSymbol(Map.of(0L, ".text"));
}
