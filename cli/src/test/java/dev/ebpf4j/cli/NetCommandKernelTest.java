package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.testing.TestNetwork;
import dev.ebpf4j.object.testing.TestObjects;

/** net attach/list/detach on a test veth, compared with bpftool's own view of it. */
class NetCommandKernelTest {

    @Test
    void attachListDetachLikeBpftool() {
        String bpftool = TestObjects.requireTool("bpftool").toString();
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")), "needs root");
        Path pin = Path.of("/sys/fs/bpf/ebpf4j-net-test-" + ProcessHandle.current().pid());
        try (TestNetwork net = TestNetwork.create()) {
            TestObjects.run(bpftool, "prog", "load", TestObjects.example("hello.bpf.o").toString(), pin.toString());
            try {
                String dev = net.hostSide();
                CliRun attach = CliRun.of("net", "attach", "xdpgeneric", "pinned", pin.toString(), "dev", dev);
                assertEquals(0, attach.exitCode(), attach.err());
                assertEquals(TestObjects.run(bpftool, "net", "list", "dev", dev), CliRun.of("net", "list", "dev", dev).out());
                assertEquals(TestObjects.run(bpftool, "-j", "net", "list", "dev", dev).strip(),
                        CliRun.of("-j", "net", "list", "dev", dev).out().strip());
                assertTrue(CliRun.of("net", "list").out().contains(dev + "("), "the full list names our interface");

                CliRun again = CliRun.of("net", "attach", "xdpgeneric", "pinned", pin.toString(), "dev", dev);
                assertEquals(1, again.exitCode());
                assertTrue(again.err().startsWith("Error: interface xdpgeneric attach failed: Device or resource busy"),
                        again.err());
                assertEquals(0, CliRun.of("net", "attach", "xdpgeneric", "pinned", pin.toString(), "dev", dev,
                        "overwrite").exitCode());

                CliRun detach = CliRun.of("net", "detach", "xdpgeneric", "dev", dev);
                assertEquals(0, detach.exitCode(), detach.err());
                assertEquals("xdp:\n\ntc:\n\nflow_dissector:\n\n", CliRun.of("net", "list", "dev", dev).out());
            } finally {
                TestObjects.run("rm", "-f", pin.toString());
            }
        }
    }

    @Test
    void badWordsAreUsageErrors() {
        CliRun r = CliRun.of("net", "attach", "xdpfast", "id", "1", "dev", "lo");
        assertEquals(2, r.exitCode());
        assertTrue(r.err().contains("invalid net attach/detach type: xdpfast"), r.err());
        CliRun dev = CliRun.of("net", "list", "dev", "ebpf4j-no-such-if");
        assertEquals(1, dev.exitCode());
        assertEquals("Error: invalid devname ebpf4j-no-such-if", dev.err().strip());
    }
}
