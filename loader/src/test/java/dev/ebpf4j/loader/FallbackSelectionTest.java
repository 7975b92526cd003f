package dev.ebpf4j.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfObjectTest.FakeBackend;
import dev.ebpf4j.loader.fallback.FallbackBackend;
import dev.ebpf4j.loader.fallback.Packets;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

/** Runtime selection with the real fallback VM and a stand-in kernel runtime. */
class FallbackSelectionTest {
    private static final String EPERM = "bpf() returned EPERM (needs CAP_BPF)";

    private static ObjectSpec example(String name) {
        return ObjectSpec.open(TestObjects.example(name));
    }

    @Test
    void autoPicksTheFallbackWhenTheKernelSaysWhyNot() {
        FakeBackend kernel = new FakeBackend(RuntimeKind.KERNEL, EPERM);
        try (BpfObject obj = new BpfObject(example("hello.bpf.o"), List.of(kernel, new FallbackBackend()))
                .load(LoadOptions.defaults().withRuntime(RuntimeKind.AUTO))) {
            assertEquals(new RuntimeChoice(RuntimeKind.FALLBACK, EPERM), obj.runtime());
            assertEquals(0, kernel.loads.get());
            assertEquals(2, obj.program("hello").testRun(TestRun.Input.of(Packets.udp(7, 0))).retval());
            assertEquals(1, obj.globals(".bss").getInt("counter"));
            UnsupportedOperationException pin = assertThrows(UnsupportedOperationException.class,
                    () -> obj.map(".bss").pin(java.nio.file.Path.of("/sys/fs/bpf/x")));
            assertTrue(pin.getMessage().endsWith("this object runs in the fallback VM (" + EPERM + ")"), pin.getMessage());
        }
    }

    @Test
    void theConfiguredRuntimeIsHonouredOverAnAvailableKernel() {
        FakeBackend kernel = new FakeBackend(RuntimeKind.KERNEL, null);
        String old = System.getProperty("ebpf4j.runtime");
        System.setProperty("ebpf4j.runtime", "fallback");
        try (BpfObject obj = new BpfObject(example("hello.bpf.o"), List.of(kernel, new FallbackBackend())).load()) {
            assertEquals(new RuntimeChoice(RuntimeKind.FALLBACK, "asked for"), obj.runtime());
            assertEquals(0, kernel.loads.get(), "the kernel was available but not asked for");
            assertEquals(2, obj.program("hello").testRun(TestRun.Input.of(Packets.udp(7, 0))).retval());
        } finally {
            restore(old);
        }
        try (BpfObject obj = new BpfObject(example("hello.bpf.o"), List.of(kernel, new FallbackBackend())).load()) {
            assertEquals(RuntimeKind.KERNEL, obj.runtime().kind(), "without the property AUTO prefers the kernel");
        }
    }

    @Test
    void theDefaultBackendsHaveTheFallback() {
        String old = System.getProperty("ebpf4j.runtime");
        System.setProperty("ebpf4j.runtime", "fallback");
        try (BpfObject obj = BpfObject.open(TestObjects.example("syscall_counter.bpf.o")).load()) {
            assertEquals(RuntimeKind.FALLBACK, obj.runtime().kind());
        } finally {
            restore(old);
        }
    }

    @Test
    void whenNeitherRuntimeCanLoadItBothReasonsAreGiven() {
        BpfObject obj = new BpfObject(ObjectSpec.open(TestObjects.repoDir().resolve("fallback-vm/src/test/c/needs_kernel.bpf.o")),
                List.of(new FakeBackend(RuntimeKind.KERNEL, EPERM), new FallbackBackend()));
        BpfLoadException e = assertThrows(BpfLoadException.class,
                () -> obj.load(LoadOptions.defaults().withRuntime(RuntimeKind.AUTO)));
        assertTrue(e.getMessage().startsWith("needs_kernel: no runtime can load it: the kernel's because " + EPERM
                + "; the fallback VM's because map 'ports'"), e.getMessage());
        assertTrue(e.getMessage().contains("bpf_redirect_map"), e.getMessage());
    }

    private static void restore(String old) {
        if (old == null) {
            System.clearProperty("ebpf4j.runtime");
        } else {
            System.setProperty("ebpf4j.runtime", old);
        }
    }
}
