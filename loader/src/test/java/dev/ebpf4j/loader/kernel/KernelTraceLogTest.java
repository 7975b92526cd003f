package dev.ebpf4j.loader.kernel;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.loader.TraceLog;
import dev.ebpf4j.object.testing.TestObjects;

/** The same traceLog() API on the kernel runtime, backed by the trace pipe. */
class KernelTraceLogTest {

    @Test
    void helloLinesArriveThroughTheObjectsTraceLog() throws Exception {
        KernelTests.requireKernel();
        Path pins = KernelTests.pinDir("tracelog");
        try (BpfObject obj = BpfObject.open(TestObjects.example("hello.bpf.o")).load(KernelTests.kernel(pins))) {
            TraceLog log = obj.traceLog();
            List<String> seen = new CopyOnWriteArrayList<>();
            try (TraceLog.Subscription s = log.subscribe(l -> seen.add(l.message()))) {
                obj.program("hello").testRun(TestRun.Input.of(new byte[64]).withRepeat(3));
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (System.nanoTime() < deadline && seen.stream().filter(m -> m.startsWith("Hello World")).count() < 3) {
                    Thread.sleep(20);
                }
            }
            assertTrue(seen.containsAll(List.of("Hello World 0", "Hello World 1", "Hello World 2")), seen.toString());
            assertTrue(log.messages().contains("Hello World 2"), log.messages().toString());
        } finally {
            KernelTests.deleteTree(pins);
        }
    }
}
