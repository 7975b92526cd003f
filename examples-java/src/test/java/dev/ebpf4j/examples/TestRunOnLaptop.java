package dev.ebpf4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * A test to copy into your project: it runs eBPF programs with no root, no bpf() and no kernel support at all, by
 * forcing the fallback VM, and checks what they do with test runs. The same object and the same calls run in the
 * kernel when you drop {@code withRuntime(RuntimeKind.FALLBACK)} and have the privileges.
 */
class TestRunOnLaptop {
    /** In your project: Path.of("src/test/resources/hello.bpf.o"), or wherever clang puts it. */
    private static Path object(String name) {
        return TestObjects.example(name);
    }

    private static final LoadOptions ON_LAPTOP = LoadOptions.defaults().withRuntime(RuntimeKind.FALLBACK);

    @Test
    void helloPassesEveryPacketAndCountsIt() {
        try (BpfObject obj = BpfObject.open(object("hello.bpf.o")).load(ON_LAPTOP)) {
            assertEquals(RuntimeKind.FALLBACK, obj.runtime().kind());
            TestRun.Result r = obj.program("hello").testRun(TestRun.Input.of(new byte[64]).withRepeat(3));
            assertEquals(2, r.retval(), "XDP_PASS");
            assertEquals(3, obj.globals(".bss").getInt("counter"), "one per run");
            assertEquals(List.of("Hello World 0", "Hello World 1", "Hello World 2"), obj.traceLog().messages());
        }
    }

    @Test
    void packetFilterDropsTheBlockedPortOnly() {
        try (PacketFilter filter = new PacketFilter(object("packet_filter.bpf.o"), RuntimeKind.FALLBACK)) {
            assertTrue(filter.runtime().startsWith("fallback"), filter.runtime());
            PacketFilterChecks.blocksOnePort(filter);
        }
    }
}
