package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

/** {@code ebpf4j demo} in the fallback VM (no privileges needed), its refusals, and its pieces. */
class DemoCommandTest {
    static final Pattern COUNTER = Pattern.compile("^\\s+counter = (\\d+)\\s*$", Pattern.MULTILINE);

    /** The last value the counter line showed, or -1. */
    static long lastCounter(String out) {
        Matcher m = COUNTER.matcher(out);
        long last = -1;
        while (m.find()) {
            last = Long.parseLong(m.group(1));
        }
        return last;
    }

    static List<String> helloLines(String out) {
        return out.lines().filter(l -> l.contains("bpf_trace_printk: Hello World ")).toList();
    }

    @Test
    void fallbackDemoTellsTheWholeStory() {
        CliRun r = CliRun.of("demo", "--runtime", "fallback", "--packets", "7");
        assertEquals(0, r.exitCode(), r.err() + r.out());
        List<String> lines = r.out().lines().toList();
        assertEquals("ebpf4j demo: XDP hello world in the fallback VM (asked for with --runtime fallback)", lines.getFirst());
        for (int step = 1; step <= 5; step++) {
            String prefix = "[" + step + "/5] ";
            assertTrue(lines.stream().anyMatch(l -> l.startsWith(prefix)), "step " + step + " in\n" + r.out());
        }
        assertEquals(7, lastCounter(r.out()), r.out());
        List<String> hello = helloLines(r.out());
        assertTrue(hello.getFirst().endsWith("Hello World 0"), r.out());
        assertTrue(hello.getLast().endsWith("Hello World 6"), r.out());
        assertTrue(r.out().contains("(each run returned 2 = XDP_PASS)"), r.out());
        String tag = ObjectSpec.open(TestObjects.example("hello.bpf.o")).program("hello").orElseThrow().tag();
        assertTrue(r.out().contains("\n-: xdp  name hello  tag " + tag + "  gpl  (fallback VM)\n\txlated 96B  not jited"
                + "  maps hello.bss,hello.rodata\n"), r.out());
        assertEquals("", r.err());
        assertFalse(Files.exists(Path.of("/sys/fs/bpf/ebpf4j-demo-" + ProcessHandle.current().pid())), "no pin dir");
        assertFalse(DemoNetwork.linkExists("e4jd" + ProcessHandle.current().pid() + "h"), "no veth");
    }

    @Test
    void runtimeOptionWorksBeforeTheCommandToo() {
        CliRun r = CliRun.of("--runtime", "fallback", "demo", "--packets", "2");
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith("ebpf4j demo: XDP hello world in the fallback VM"), r.out());
        assertEquals(2, lastCounter(r.out()));
    }

    @Test
    void aCorruptObjectIsOneErrorLine(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("corrupt.bpf.o");
        byte[] hello = Files.readAllBytes(TestObjects.example("hello.bpf.o"));
        Files.write(bad, java.util.Arrays.copyOf(hello, 100));
        CliRun r = CliRun.of("demo", "--runtime", "fallback", "--object", bad.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("Error: " + bad + ": "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void refusals() {
        CliRun noXdp = CliRun.of("demo", "--runtime", "fallback", "--object", TestObjects.example("syscall_counter.bpf.o").toString());
        assertEquals(1, noXdp.exitCode());
        assertTrue(noXdp.err().contains("has no XDP program to attach (it has: count_syscalls (raw_tracepoint))"), noXdp.err());
        CliRun missing = CliRun.of("demo", "--object", "/nonexistent/x.bpf.o");
        assertEquals(1, missing.exitCode());
        assertEquals("Error: /nonexistent/x.bpf.o: no such file", missing.err().strip());
        CliRun zero = CliRun.of("demo", "--packets", "0");
        assertEquals(2, zero.exitCode());
        assertTrue(zero.err().contains("--packets is between 1 and 100000"), zero.err());
        CliRun keep = CliRun.of("demo", "--runtime", "fallback", "--keep");
        assertEquals(1, keep.exitCode());
        assertTrue(keep.err().startsWith("Error: --keep keeps a program in the kernel"), keep.err());
    }

    @Test
    void anInjectedFailureInTheFallbackIsAnError() {
        CliRun r = CliRun.of("demo", "--runtime", "fallback", "--inject-failure", "traffic");
        assertEquals(1, r.exitCode());
        assertEquals("Error: injected failure after step 'traffic' (--inject-failure)", r.err().strip());
    }

    @Test
    void anotherXdpObjectRunsToo() {
        CliRun r = CliRun.of("demo", "--runtime", "fallback", "--packets", "3", "--object",
                TestObjects.example("packet_filter.bpf.o").toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("program filter_udp_ports"), r.out());
        assertTrue(r.out().contains("(the program printed nothing)"), r.out());
    }

    @Test
    void theBundledObjectIsTheExample() {
        assertArrayEquals(TestObjects.read(TestObjects.example("hello.bpf.o")), DemoCommand.bundled());
    }

    @Test
    void theInjectedPacketHasValidChecksums() {
        byte[] p = DemoCommand.icmpEchoPacket();
        assertEquals(74, p.length);
        assertEquals(0x0800, ((p[12] & 0xff) << 8) | (p[13] & 0xff));
        assertEquals(0, DemoCommand.checksum(p, 14, 20), "IPv4 header checksum verifies");
        assertEquals(0, DemoCommand.checksum(p, 34, 40), "ICMP checksum verifies");
        assertEquals(8, p[34], "echo request");
    }

    @Test
    void demoNetworkNamesFitAndAddressesStayInTheBenchmarkRange() {
        DemoNetwork n = DemoNetwork.plan();
        assertTrue(n.hostSide().length() <= 15 && n.peerSide().length() <= 15, n.hostSide());
        assertTrue(n.hostAddress().startsWith("198.18.") || n.hostAddress().startsWith("198.19."), n.hostAddress());
        assertFalse(n.hostAddress().startsWith("198.18.0."), "198.18.0.0/24 is the test helper's");
        String[] h = n.hostAddress().split("\\.");
        String[] p = n.peerAddress().split("\\.");
        assertEquals(Integer.parseInt(h[3]) + 1, Integer.parseInt(p[3]));
        assertEquals(1, Integer.parseInt(h[3]) % 4, "the first host of a /30");
        n.close(); // nothing made: nothing to delete, no error
    }
}
