package dev.ebpf4j.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.spi.Backend;
import dev.ebpf4j.loader.spi.LoadedObject;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

/** Runtime selection and the object's life cycle, with stand-in runtimes. */
class BpfObjectTest {
    private static final ObjectSpec HELLO = ObjectSpec.open(TestObjects.example("hello.bpf.o"));

    static final class FakeBackend implements Backend {
        final RuntimeKind kind;
        final String whyNot;
        final AtomicInteger loads = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();

        FakeBackend(RuntimeKind kind, String whyNot) {
            this.kind = kind;
            this.whyNot = whyNot;
        }

        @Override
        public RuntimeKind kind() {
            return kind;
        }

        @Override
        public Optional<String> unavailableReason(ObjectSpec object) {
            return Optional.ofNullable(whyNot);
        }

        @Override
        public LoadedObject load(ObjectSpec object, LoadOptions options) {
            loads.incrementAndGet();
            return new LoadedObject() {
                @Override
                public Map<String, BpfMap> maps() {
                    return new LinkedHashMap<>();
                }

                @Override
                public Map<String, BpfProgram> programs() {
                    return new LinkedHashMap<>();
                }

                @Override
                public Globals globals(String section) {
                    throw new UnsupportedOperationException();
                }

                @Override
                public void close() {
                    closes.incrementAndGet();
                }
            };
        }
    }

    @Test
    void autoPrefersTheKernelWhenItCan() {
        FakeBackend kernel = new FakeBackend(RuntimeKind.KERNEL, null);
        FakeBackend fallback = new FakeBackend(RuntimeKind.FALLBACK, null);
        try (BpfObject o = new BpfObject(HELLO, List.of(kernel, fallback)).load(LoadOptions.defaults().withRuntime(RuntimeKind.AUTO))) {
            assertEquals(RuntimeKind.KERNEL, o.runtime().kind());
            assertEquals(1, kernel.loads.get());
            assertEquals(0, fallback.loads.get());
        }
        assertEquals(1, kernel.closes.get());
    }

    @Test
    void autoFallsBackSayingWhy() {
        FakeBackend kernel = new FakeBackend(RuntimeKind.KERNEL, "bpf() returned EPERM (needs CAP_BPF)");
        FakeBackend fallback = new FakeBackend(RuntimeKind.FALLBACK, null);
        try (BpfObject o = new BpfObject(HELLO, List.of(kernel, fallback)).load(LoadOptions.defaults().withRuntime(RuntimeKind.AUTO))) {
            assertEquals(new RuntimeChoice(RuntimeKind.FALLBACK, "bpf() returned EPERM (needs CAP_BPF)"), o.runtime());
            assertEquals("fallback (bpf() returned EPERM (needs CAP_BPF))", o.runtime().toString());
        }
        assertEquals(1, fallback.closes.get());
    }

    @Test
    void askingForAnUnavailableKernelFailsWithTheReason() {
        FakeBackend kernel = new FakeBackend(RuntimeKind.KERNEL, "bpf() returned ENOSYS");
        BpfObject o = new BpfObject(HELLO, List.of(kernel, new FakeBackend(RuntimeKind.FALLBACK, null)));
        BpfLoadException e = assertThrows(BpfLoadException.class, () -> o.load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL)));
        assertEquals("hello: the kernel runtime was asked for but bpf() returned ENOSYS", e.getMessage());
        assertEquals(0, kernel.loads.get());
    }

    @Test
    void noRuntimeAtAllNamesBothReasons() {
        BpfObject o = new BpfObject(HELLO, List.of(new FakeBackend(RuntimeKind.KERNEL, "no bpf()"),
                new FakeBackend(RuntimeKind.FALLBACK, "ringbuf maps are not supported")));
        BpfLoadException e = assertThrows(BpfLoadException.class, () -> o.load(LoadOptions.defaults().withRuntime(RuntimeKind.AUTO)));
        assertTrue(e.getMessage().contains("no bpf()") && e.getMessage().contains("ringbuf maps are not supported"), e.getMessage());
    }

    @Test
    void lifeCycleIsChecked() {
        FakeBackend kernel = new FakeBackend(RuntimeKind.KERNEL, null);
        BpfObject o = new BpfObject(HELLO, List.of(kernel));
        assertEquals("hello is not loaded: call load() first",
                assertThrows(IllegalStateException.class, o::programs).getMessage());
        assertSame(o, o.load(LoadOptions.defaults().withRuntime(RuntimeKind.KERNEL)));
        assertThrows(IllegalStateException.class, () -> o.load(LoadOptions.defaults()));
        assertEquals("hello has no program 'nope' (it has: )",
                assertThrows(java.util.NoSuchElementException.class, () -> o.program("nope")).getMessage());
        o.close();
        o.close();
        assertEquals(1, kernel.closes.get());
        assertThrows(IllegalStateException.class, o::maps);
    }

    @Test
    void runtimeIsConfiguredByPropertyOrEnvironment() {
        String old = System.getProperty("ebpf4j.runtime");
        try {
            System.setProperty("ebpf4j.runtime", "Fallback");
            assertEquals(RuntimeKind.FALLBACK, RuntimeKind.configured());
            System.setProperty("ebpf4j.runtime", "sideways");
            assertEquals("unknown runtime 'sideways': expected kernel, fallback or auto",
                    assertThrows(IllegalArgumentException.class, RuntimeKind::configured).getMessage());
        } finally {
            if (old == null) {
                System.clearProperty("ebpf4j.runtime");
            } else {
                System.setProperty("ebpf4j.runtime", old);
            }
        }
    }
}
