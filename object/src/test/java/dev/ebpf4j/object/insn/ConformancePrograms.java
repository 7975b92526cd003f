package dev.ebpf4j.object.insn;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

import dev.ebpf4j.object.testing.TestObjects;

/**
 * The shared BPF ISA conformance programs ({@code *.data}, read from where the build says they are;
 * never copied into the repository). Each program's {@code -- program} section holds the assembled
 * bytes, one 8-byte instruction slot per line.
 */
public final class ConformancePrograms {
    private ConformancePrograms() {}

    /** One conformance program: its file name and assembled bytes. */
    public record Program(String name, byte[] bytes, String asm) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** The conformance directory, or the test skips (fails under EBPF4J_NO_SKIP=1) when it is absent. */
    public static Path requireDirectory() {
        String prop = System.getProperty("ebpf4j.conformance.dir");
        Path dir = prop != null ? Path.of(prop) : TestObjects.repoDir().resolveSibling("shared").resolve("conformance");
        TestObjects.skipUnless(Files.isDirectory(dir), "BPF conformance data not found at " + dir);
        return dir;
    }

    /** All programs, sorted by file name. */
    public static List<Program> all() {
        Path dir = requireDirectory();
        try (Stream<Path> s = Files.list(dir)) {
            List<Program> out = new ArrayList<>();
            for (Path p : s.filter(f -> f.getFileName().toString().endsWith(".data")).sorted().toList()) {
                out.add(parse(p));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Program parse(Path file) throws IOException {
        // a few files lack the newline before an added section header ("0x1-- program")
        List<String> lines = List.of(Files.readString(file).replaceAll("(?m)(?<=\\S)-- (program|asm|result|raw|mem|error)\\b", "\n-- $1").split("\n"));
        StringBuilder hex = new StringBuilder();
        StringBuilder asm = new StringBuilder();
        String section = "";
        for (String line : lines) {
            if (line.startsWith("-- ")) {
                section = line.substring(3).trim();
                continue;
            }
            if (section.equals("program")) {
                hex.append(line.replaceAll("\\s+", ""));
            } else if (section.equals("asm")) {
                asm.append(line).append('\n');
            }
        }
        if (hex.isEmpty()) {
            throw new IllegalStateException(file + " has no -- program section");
        }
        return new Program(file.getFileName().toString(), HexFormat.of().parseHex(hex), asm.toString());
    }
}
