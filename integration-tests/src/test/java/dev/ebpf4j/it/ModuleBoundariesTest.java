package dev.ebpf4j.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The architecture's rules, read from the main sources: only {@code bindings} makes native calls, the pure modules
 * never reach the kernel side, and Logback stays in the CLI.
 */
class ModuleBoundariesTest {
    private static final Path ROOT = Path.of(System.getProperty("ebpf4j.root", "..")).toAbsolutePath().normalize();

    @ParameterizedTest(name = "{0} must not use {1}")
    @CsvSource(delimiter = ';', value = {
        "object      ; java\\.lang\\.foreign\\.(Linker|SymbolLookup)|dev\\.ebpf4j\\.(bindings|loader|vm|cli)\\.",
        "fallback-vm ; java\\.lang\\.foreign\\.(Linker|SymbolLookup)|dev\\.ebpf4j\\.(bindings|loader|cli)\\.",
        "loader      ; java\\.lang\\.foreign\\.(Linker|SymbolLookup)|downcallHandle|upcallStub|dev\\.ebpf4j\\.cli\\.|ch\\.qos\\.logback",
        "cli         ; java\\.lang\\.foreign\\.(Linker|SymbolLookup)|downcallHandle|upcallStub",
        "bindings    ; dev\\.ebpf4j\\.(loader|vm|cli)\\.|ch\\.qos\\.logback",
    })
    void moduleKeepsToItsLayer(String module, String forbidden) {
        Pattern pattern = Pattern.compile(forbidden);
        List<String> offenders = mainSources(module).flatMap(file -> lines(file).stream()
                .filter(line -> pattern.matcher(line).find())
                .map(line -> ROOT.relativize(file) + ": " + line.strip())).toList();
        assertEquals(List.of(), offenders);
    }

    private static Stream<Path> mainSources(String module) {
        Path dir = ROOT.resolve(module).resolve("src/main/java");
        assertTrue(Files.isDirectory(dir), dir + " is missing");
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(p -> p.toString().endsWith(".java")).toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
