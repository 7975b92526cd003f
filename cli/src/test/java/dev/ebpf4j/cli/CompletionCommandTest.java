package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ebpf4j.object.testing.TestObjects;

class CompletionCommandTest {

    @Test
    void theScriptCompletesCommandsAndSubcommands() {
        CliRun r = CliRun.of("completion");
        assertEquals(0, r.exitCode(), r.err());
        String script = r.out();
        assertTrue(script.contains("complete -F _complete_ebpf4j") || script.contains("complete -F _picocli_ebpf4j"), script.lines().limit(5).toList().toString());
        for (String word : new String[] {"prog", "map", "net", "obj", "demo", "feature", "tracelog", "--runtime"}) {
            assertTrue(script.contains(word), "completes " + word);
        }
    }

    @Test
    void bashAcceptsIt(@TempDir Path dir) throws Exception {
        TestObjects.skipUnless(TestObjects.findTool("bash").isPresent(), "bash is not installed");
        Path script = dir.resolve("ebpf4j-completion.bash");
        Files.writeString(script, CliRun.of("completion").out());
        // sourcing defines the completion function; `complete -p ebpf4j` then prints its registration
        String out = TestObjects.run("bash", "-c", "source " + script + " && complete -p ebpf4j");
        assertTrue(out.startsWith("complete "), out);
    }
}
