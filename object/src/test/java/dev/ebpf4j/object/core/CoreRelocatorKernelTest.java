package dev.ebpf4j.object.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.insn.ProgramTag;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Our CO-RE relocations against the running kernel's BTF are libbpf's: the same instructions patched with the same
 * values (from libbpf's debug log when bpftool loads the object), and the relocated program's tag is the tag the
 * kernel reports for it.
 */
class CoreRelocatorKernelTest {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");
    private static final Pattern PATCHED = Pattern.compile(
            "prog '(\\w+)': relo #(\\d+): patched insn #(\\d+) \\([^)]*\\) (?:imm|off|imm64) (-?\\d+) -> (-?\\d+)");

    @Test
    void taskInfoIsRelocatedAsLibbpfDoesIt() throws Exception {
        String bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless(Files.isReadable(VMLINUX) && Files.isWritable(Path.of("/sys/fs/bpf"))
                && "root".equals(System.getProperty("user.name")), "needs root, bpffs and " + VMLINUX);
        ObjectSpec object = ObjectSpec.open(TestObjects.example("task_info.bpf.o"));
        Btf kernel = Btf.parse(Files.readAllBytes(VMLINUX));
        Path dir = Path.of("/sys/fs/bpf/ebpf4j-core-test-" + ProcessHandle.current().pid());
        Process p = new ProcessBuilder(bpftool, "-d", "prog", "loadall", TestObjects.example("task_info.bpf.o").toString(),
                dir.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        try {
            assertEquals(0, p.waitFor(), log);
            List<String> theirs = new ArrayList<>();
            Matcher m = PATCHED.matcher(log);
            while (m.find()) {
                theirs.add(m.group(1) + " #" + m.group(2) + " insn " + m.group(3) + " " + m.group(4) + " -> " + m.group(5));
            }
            List<String> ours = new ArrayList<>();
            for (ProgramSpec prog : object.programs()) {
                CoreRelocator.Result r = object.coreRelocate(prog, kernel);
                assertTrue(r.failures().isEmpty(), r.failures().toString());
                for (CoreRelocator.Outcome o : r.outcomes()) {
                    ours.add(prog.name() + " #" + o.index() + " insn " + o.slot() + " " + o.oldValue() + " -> " + o.newValue());
                }
                String json = TestObjects.run(bpftool, "-j", "prog", "show", "pinned", dir.resolve(prog.name()).toString());
                String kernelTag = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json).get("tag").asText();
                assertEquals(kernelTag, ProgramTag.compute(r.instructions(), ProgramSpec.runningKernelTagAlgorithm()),
                        prog.name() + ": tag of the relocated program");
            }
            assertEquals(10, theirs.size(), log);
            assertEquals(theirs, ours);
        } finally {
            TestObjects.run("rm", "-rf", dir.toString());
        }
    }
}
