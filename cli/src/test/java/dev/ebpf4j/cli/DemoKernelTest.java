package dev.ebpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * {@code ebpf4j demo} in the kernel, end to end and in-process: the output, the counter, the trace lines and the
 * {@code prog show} line; and afterwards nothing of it left (namespace, veth, pins, program), also after a failure
 * mid-way, after Ctrl-C, and after {@code --keep} once its printed commands have run.
 */
class DemoKernelTest {
    private static final Pattern NETWORK = Pattern.compile(
            "^\\[1/8\\] Creating network namespace (\\S+) with veth pair (\\S+) \\(", Pattern.MULTILINE);
    private static final Pattern LOADED = Pattern.compile("program hello, id (\\d+), tag ([0-9a-f]{16})$", Pattern.MULTILINE);
    private static final Pattern PINNED = Pattern.compile("^\\[3/8\\] Pinning it at (\\S+)/hello$", Pattern.MULTILINE);

    @BeforeEach
    void needsRoot() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")) && DemoNetwork.unavailableReason().isEmpty()
                && Files.isDirectory(DemoCommand.BPFFS), "needs root, iproute2, ping and bpffs: "
                + DemoNetwork.unavailableReason().orElse(""));
    }

    /** What one kernel run made, as its output names it. */
    record Made(String namespace, String veth, Path pinDir, int programId) {
        static Made from(String out) {
            Matcher net = NETWORK.matcher(out);
            assertTrue(net.find(), out);
            Matcher loaded = LOADED.matcher(out);
            Matcher pinned = PINNED.matcher(out);
            return new Made(net.group(1), net.group(2), pinned.find() ? Path.of(pinned.group(1)) : null,
                    loaded.find() ? Integer.parseInt(loaded.group(1)) : -1);
        }
    }

    static String run(String... command) {
        return DemoNetwork.run(List.of(command)).output();
    }

    /** Nothing the run made is left: no namespace, no veth, no pin, no program. */
    static void assertNothingLeft(Made made) throws InterruptedException {
        assertFalse(run("ip", "netns", "list").lines().anyMatch(l -> l.split(" ")[0].equals(made.namespace())),
                "namespace " + made.namespace() + " left");
        assertFalse(run("ip", "-o", "link", "show", "type", "veth").contains(made.veth()), "veth " + made.veth() + " left");
        assertFalse(DemoNetwork.linkExists(made.veth()));
        if (made.pinDir() != null) {
            assertFalse(Files.exists(made.pinDir()), made.pinDir() + " left");
        }
        try (var s = Files.list(DemoCommand.BPFFS)) {
            String pid = Long.toString(ProcessHandle.current().pid());
            assertFalse(s.anyMatch(p -> p.getFileName().toString().equals("ebpf4j-demo-" + pid)
                    || p.getFileName().toString().startsWith("ebpf4j-demo-" + pid + "-")), "no pin dir of this process");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        if (made.programId() > 0) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (new Inspector().programs().byId(made.programId()).isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(50); // the kernel frees a detached program after an RCU grace period
            }
            assertTrue(new Inspector().programs().byId(made.programId()).isEmpty(), "program " + made.programId() + " left");
        }
    }

    @Test
    void kernelDemoEndToEnd() throws Exception {
        CliRun r = CliRun.of("demo", "--packets", "6");
        Made made = Made.from(r.out());
        try {
            assertEquals(0, r.exitCode(), r.err() + r.out());
            assertEquals("", r.err());
            assertTrue(r.out().startsWith("ebpf4j demo: XDP hello world in the kernel (bpf() works"), r.out());
            for (int step = 1; step <= 8; step++) {
                assertTrue(r.out().contains("\n[" + step + "/8] "), "step " + step + ":\n" + r.out());
            }
            assertTrue(DemoCommandTest.lastCounter(r.out()) >= 6, "the counter reached the packets sent:\n" + r.out());
            assertTrue(r.out().contains("Hello World 0"), r.out());
            assertFalse(DemoCommandTest.helloLines(r.out()).isEmpty(), r.out());
            String tag = ObjectSpec.open(TestObjects.example("hello.bpf.o")).program("hello").orElseThrow().tag();
            Pattern progShow = Pattern.compile("^" + made.programId() + ": xdp  name hello  tag " + tag + "  gpl\n"
                    + "\tloaded_at \\S+  uid 0\n\txlated 96B  jited \\d+B  memlock \\d+B  map_ids \\d+,\\d+\n\tbtf_id \\d+\n",
                    Pattern.MULTILINE);
            assertTrue(progShow.matcher(r.out()).find(), r.out());
            assertTrue(made.pinDir().toString().startsWith("/sys/fs/bpf/ebpf4j-demo-" + ProcessHandle.current().pid()));
        } finally {
            assertNothingLeft(made);
        }
    }

    @Test
    void aFailureMidwayCleansUp() throws Exception {
        for (String step : List.of("network", "attach", "traffic", "show")) {
            CliRun r = CliRun.of("demo", "--packets", "2", "--inject-failure", step);
            assertEquals(1, r.exitCode(), step + ": " + r.out());
            assertEquals("Error: injected failure after step '" + step + "' (--inject-failure)", r.err().strip());
            assertNothingLeft(Made.from(r.out()));
        }
    }

    @Test
    void keepPrintsTheCommandsThatRemoveIt() throws Exception {
        CliRun r = CliRun.of("demo", "--packets", "2", "--keep");
        Made made = Made.from(r.out());
        try {
            assertEquals(0, r.exitCode(), r.err() + r.out());
            assertTrue(DemoNetwork.linkExists(made.veth()), "kept");
            assertTrue(Files.exists(made.pinDir().resolve("hello")), "kept pinned");
            List<String> commands = r.out().lines().dropWhile(l -> !l.startsWith("[8/8] Keeping it"))
                    .skip(1).map(String::strip).toList();
            assertEquals(List.of("ebpf4j net list dev " + made.veth(),
                    "ebpf4j prog show pinned " + made.pinDir().resolve("hello"),
                    "ebpf4j net detach xdpgeneric dev " + made.veth(),
                    "rm -r " + made.pinDir(),
                    "ip link del " + made.veth(),
                    "ip netns del " + made.namespace()), commands);
            CliRun list = CliRun.of(commands.get(0).substring("ebpf4j ".length()).split(" "));
            assertTrue(list.out().contains(made.veth() + "(") && list.out().contains("generic id " + made.programId()),
                    "net list shows it attached: " + list.out());
            CliRun show = CliRun.of(commands.get(1).substring("ebpf4j ".length()).split(" "));
            assertTrue(show.out().startsWith(made.programId() + ": xdp  name hello"), show.out() + show.err());
            assertEquals(0, CliRun.of(commands.get(2).substring("ebpf4j ".length()).split(" ")).exitCode());
            assertEquals("xdp:\n\ntc:\n\nflow_dissector:\n\n", CliRun.of("net", "list", "dev", made.veth()).out(), "detached");
            for (String c : commands.subList(3, 6)) {
                assertEquals(0, DemoNetwork.run(List.of(c.split(" "))).exitCode(), c);
            }
        } finally {
            // whatever the assertions said, leave nothing behind
            DemoNetwork.run(List.of("ip", "link", "del", made.veth()));
            DemoNetwork.run(List.of("ip", "netns", "del", made.namespace()));
            DemoCommand.deleteTree(made.pinDir());
        }
        assertNothingLeft(made);
    }

    @Test
    void ctrlCCleansUp() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // through env --default-signal: a JVM whose SIGINT is ignored when it starts (any command started in the
        // background by a shell without job control, as a CI runner may start the build) never sees the signal
        Process p = new ProcessBuilder("env", "--default-signal=INT", java, "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "demo", "--packets", "200").start();
        StringBuilder out = new StringBuilder();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                out.append(line).append('\n');
                if (line.startsWith("[5/8]")) {
                    break;
                }
            }
            Thread.sleep(500); // some pings on their way
            assertEquals(0, new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor());
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                // say where it hangs, then remove what it made, so the tests after this one find a clean machine
                String threads = DemoNetwork.run(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        Long.toString(p.pid()), "Thread.print")).output();
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                Made made = Made.from(out.toString());
                DemoNetwork.run(List.of("ip", "link", "del", made.veth()));
                DemoNetwork.run(List.of("ip", "netns", "del", made.namespace()));
                DemoCommand.deleteTree(Path.of("/sys/fs/bpf/ebpf4j-demo-" + p.pid()));
                fail("the demo did not exit within 30 s of SIGINT; its threads then:\n" + threads);
            }
            r.lines().forEach(l -> out.append(l).append('\n'));
        }
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher net = NETWORK.matcher(out);
        assertTrue(net.find(), out.toString());
        Matcher loaded = LOADED.matcher(out);
        assertTrue(loaded.find(), out.toString());
        Path pinDir = Path.of("/sys/fs/bpf/ebpf4j-demo-" + p.pid());
        assertTrue(err.contains("ebpf4j demo: interrupted; removed the namespace " + net.group(1)), err);
        assertFalse(out.toString().contains("[6/8]"), "stopped before the end:\n" + out);
        assertNothingLeft(new Made(net.group(1), net.group(2), pinDir, Integer.parseInt(loaded.group(1))));
    }
}
