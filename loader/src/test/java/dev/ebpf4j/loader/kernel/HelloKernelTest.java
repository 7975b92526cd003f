package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.object.testing.TestObjects;

class HelloKernelTest {

    @Test
    void counterCountsTestRunsThroughTheMapping() {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("hello");
        try (BpfObject obj = BpfObject.open(TestObjects.example("hello.bpf.o")).load(KernelTests.kernel(pins))) {
            assertEquals(RuntimeKind.KERNEL, obj.runtime().kind());
            Globals bss = obj.globals(".bss");
            assertTrue(bss.live(), "the .bss must be mmap'ed");
            assertEquals(0, bss.getInt("counter"));
            TestRun.Result r = obj.program("hello").testRun(TestRun.Input.of(new byte[64]).withRepeat(5));
            assertEquals(2, r.retval(), "XDP_PASS");
            assertEquals(5, bss.getInt("counter"));
            assertEquals(64, r.dataOut().length);
            // the rodata mapping is read-only in Java too
            Globals rodata = obj.globals(".rodata");
            assertTrue(rodata.memory().isReadOnly());
            assertThrows(IllegalArgumentException.class, () -> rodata.setBytes("hello.____fmt", new byte[15]));
            assertEquals("Hello World %d", new String(rodata.getBytes("hello.____fmt")).replace("\0", ""));
        } finally {
            KernelTests.deleteTree(pins);
        }
    }
}
