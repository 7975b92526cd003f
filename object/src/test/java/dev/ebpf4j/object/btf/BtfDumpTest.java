package dev.ebpf4j.object.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import dev.ebpf4j.object.testing.TestObjects;

/** Our raw dump against {@code bpftool btf dump file}, line for line. */
class BtfDumpTest {
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    static Stream<Path> objects() {
        return TestObjects.exampleObjects().stream();
    }

    static void assertSameLines(String expected, String actual, String what) {
        List<String> want = expected.lines().toList();
        List<String> got = actual.lines().toList();
        assertFalse(want.isEmpty(), "bpftool printed nothing for " + what);
        int n = Math.min(want.size(), got.size());
        for (int i = 0; i < n; i++) {
            if (!want.get(i).equals(got.get(i))) {
                assertEquals(want.get(i), got.get(i), what + ": first difference at line " + (i + 1));
            }
        }
        assertEquals(want.size(), got.size(), what + ": line count");
    }

    @ParameterizedTest
    @MethodSource("objects")
    void exampleDumpMatchesBpftool(Path object) {
        Path bpftool = TestObjects.requireTool("bpftool");
        String expected = TestObjects.run(bpftool.toString(), "btf", "dump", "file", object.toString());
        Btf btf = Btf.parse(Sections.btf(object));
        assertSameLines(expected, BtfDump.dump(btf), object.getFileName().toString());
    }

    @Test
    void vmlinuxDumpMatchesBpftool() throws Exception {
        TestObjects.skipUnless(Files.isReadable(VMLINUX), VMLINUX + " is not readable");
        Path bpftool = TestObjects.requireTool("bpftool");
        String expected = TestObjects.run(bpftool.toString(), "btf", "dump", "file", VMLINUX.toString());
        Btf btf = Btf.parse(Files.readAllBytes(VMLINUX));
        assertSameLines(expected, BtfDump.dump(btf), VMLINUX.toString());
    }
}
