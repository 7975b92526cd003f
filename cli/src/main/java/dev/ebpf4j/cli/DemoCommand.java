package dev.ebpf4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeChoice;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.loader.TraceLog;
import dev.ebpf4j.loader.XdpMode;
import dev.ebpf4j.loader.inspect.Inspector;
import dev.ebpf4j.loader.kernel.KernelProgram;
import dev.ebpf4j.loader.link.Link;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.Rtnetlink;
import dev.ebpf4j.loader.tracefs.TraceLine;
import dev.ebpf4j.loader.tracefs.TracePipe;
import dev.ebpf4j.object.GlobalVariable;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code ebpf4j demo}: the XDP hello world from end to end. In the kernel: a private network namespace and veth pair,
 * the bundled {@code hello.bpf.o} loaded, pinned and attached (generic XDP) to the host end, pings from the namespace,
 * the program's {@code .bss} counter read live from Java, its {@code bpf_printk} lines from the trace pipe and its
 * {@code prog show} line; then everything removed, also on failure and on Ctrl-C. Without the privileges (or with
 * {@code --runtime fallback}): the same story in the fallback VM with packets injected by test runs.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the XDP hello world end to end: load the bundled hello.bpf.o, attach it to a veth pair"
                + " in a network namespace of its own, ping through it and watch its counter and trace lines from"
                + " Java; then remove everything (also on failure and Ctrl-C).",
                "Without root (or with --runtime fallback) the same program runs in the fallback VM on injected"
                        + " packets. The demo never touches other interfaces: it makes its own namespace and veth"
                        + " pair with addresses from 198.18.0.0/15 and sends traffic only between them."},
        footer = {"", "Examples:", "  ebpf4j demo", "  ebpf4j demo --packets 50", "  ebpf4j demo --runtime fallback",
                "  ebpf4j demo --keep", "  ebpf4j demo --object my_xdp.bpf.o"})
final class DemoCommand implements Callable<Integer> {
    static final String BUNDLED = "hello.bpf.o";
    static final String BUNDLED_RESOURCE = "/dev/ebpf4j/cli/demo/hello.bpf.o";
    static final Path BPFFS = Path.of("/sys/fs/bpf");
    private static final String INDENT = "      ";

    /** The steps after which {@code --inject-failure} fails (a test hook: cleanup after a failure mid-way). */
    static final List<String> STEPS = List.of("network", "load", "pin", "attach", "traffic", "trace", "show");

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    @Option(names = "--packets", paramLabel = "N", defaultValue = "10", description = "How many packets to send (default: ${DEFAULT-VALUE}).")
    int packets;

    @Option(names = "--object", paramLabel = "FILE.o", description = "Run this object's first XDP program instead of the bundled hello.bpf.o.")
    Path object;

    @Option(names = "--keep", description = "Leave the program attached and pinned and the network in place, and print"
            + " the commands to look at it and remove it.")
    boolean keep;

    @Option(names = "--inject-failure", hidden = true, paramLabel = "STEP", description = "Fail after STEP (tests).")
    String injectFailure;

    private PrintWriter out;
    private boolean terminal;

    @Override
    public Integer call() {
        out = spec.commandLine().getOut();
        terminal = spec.commandLine().getOut() != null && isTerminal();
        if (packets < 1 || packets > 100_000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--packets is between 1 and 100000, not " + packets);
        }
        if (injectFailure != null && !STEPS.contains(injectFailure)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--inject-failure is one of " + STEPS);
        }
        Demo demo = open();
        RuntimeKind asked = main.runtime();
        RuntimeChoice choice = demo.obj.choose(asked);
        String netWhyNot = null;
        if (choice.kind() == RuntimeKind.KERNEL) {
            netWhyNot = DemoNetwork.unavailableReason().orElse(null);
            if (netWhyNot != null && asked == RuntimeKind.KERNEL) {
                throw new IllegalStateException("the kernel demo needs a network of its own, but " + netWhyNot);
            }
        }
        if (choice.kind() == RuntimeKind.KERNEL && netWhyNot == null) {
            new KernelRun(demo).run();
        } else {
            if (keep) {
                throw new IllegalStateException("--keep keeps a program in the kernel, but this demo runs in the fallback VM ("
                        + (netWhyNot != null ? netWhyNot : choice.reason()) + ")");
            }
            fallback(demo, netWhyNot == null ? asked : RuntimeKind.FALLBACK, netWhyNot);
        }
        return 0;
    }

    static boolean isTerminal() {
        java.io.Console c = System.console();
        return c != null && c.isTerminal();
    }

    /** The object to run and what the demo shows of it. */
    record Demo(BpfObject obj, String label, ProgramSpec program, GlobalVariable counter, boolean bundled) {
        String counterSection() {
            return counter == null ? null : counter.section();
        }
    }

    private Demo open() {
        byte[] bytes;
        String fileName;
        String label;
        if (object == null) {
            bytes = bundled();
            fileName = BUNDLED;
            label = BUNDLED + " (bundled)";
        } else {
            try {
                bytes = Files.readAllBytes(object);
            } catch (IOException e) {
                throw new UncheckedIOException(object + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file"
                        : e.getMessage()), e);
            }
            fileName = object.getFileName().toString();
            label = object.toString();
        }
        BpfObject obj;
        try {
            obj = BpfObject.open(bytes, fileName);
        } catch (RuntimeException e) {
            throw new IllegalStateException(label + ": " + Main.describe(e), e);
        }
        ObjectSpec s = obj.spec();
        ProgramSpec program = (object == null ? s.program("hello") : Optional.<ProgramSpec>empty())
                .or(() -> s.programs().stream().filter(p -> p.type() == ProgramType.XDP).findFirst())
                .orElseThrow(() -> new IllegalStateException(label + " has no XDP program to attach (it has: "
                        + String.join(", ", s.programs().stream().map(p -> p.name() + " (" + p.type().bpftoolName() + ")").toList())
                        + ")"));
        GlobalVariable counter = null;
        Optional<MapSpec> bss = s.map(".bss");
        if (bss.isPresent()) {
            counter = bss.get().variables().stream().filter(v -> v.name().equals("counter")).findFirst()
                    .or(() -> bss.get().variables().stream().filter(v -> v.size() == 4 || v.size() == 8).findFirst())
                    .orElse(null);
        }
        return new Demo(obj, label, program, counter, object == null);
    }

    static byte[] bundled() {
        try (InputStream in = DemoCommand.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("this build has no bundled " + BUNDLED + " (resource " + BUNDLED_RESOURCE
                        + "); pass --object FILE.o");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void step(int n, int of, String what) {
        out.println("[" + n + "/" + of + "] " + what);
        out.flush();
    }

    private void failIfInjected(String after) {
        if (after.equals(injectFailure)) {
            throw new IllegalStateException("injected failure after step '" + after + "' (--inject-failure)");
        }
    }

    /** Reads the counter variable (int or long). */
    private static long read(Globals g, GlobalVariable v) {
        return v.size() == 8 ? g.getLong(v.name()) : Integer.toUnsignedLong(g.getInt(v.name()));
    }

    /** Prints the counter: one updating line on a terminal, a line per change otherwise. */
    private final class CounterLine {
        private final String name;
        private long shown = -1;

        CounterLine(String name) {
            this.name = name;
        }

        void show(long value) {
            if (value == shown) {
                return;
            }
            shown = value;
            if (terminal) {
                out.print("\r" + INDENT + name + " = " + value + "   ");
            } else {
                out.println(INDENT + name + " = " + value);
            }
            out.flush();
        }

        void end() {
            if (terminal && shown >= 0) {
                out.println();
                out.flush();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The kernel runtime: a real veth pair, real pings.

    /** One kernel run and everything it made, removed by {@link #cleanup} (idempotent; also from the shutdown hook). */
    private final class KernelRun {
        private static final int STEPS_TOTAL = 8;
        private final Demo demo;
        private final DemoNetwork net = DemoNetwork.plan();
        private final Path pinDir = pinDir();
        private volatile Process ping;
        private volatile TracePipe pipe;
        private volatile Link link;
        private volatile boolean netlinkAttached;
        private volatile boolean pinned;
        private long lastCounter = -1;
        private boolean cleaned;
        private boolean kept;

        KernelRun(Demo demo) {
            this.demo = demo;
        }

        void run() {
            PrintWriter err = spec.commandLine().getErr();
            Thread hook = Thread.ofPlatform().unstarted(() -> {
                cleanup(false);
                err.println("ebpf4j demo: interrupted; removed the namespace " + net.namespace() + ", the veth pair "
                        + net.hostSide() + " and the pins under " + pinDir);
                err.flush();
            });
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                steps();
            } finally {
                try {
                    cleanup(true);
                } finally {
                    try {
                        Runtime.getRuntime().removeShutdownHook(hook);
                    } catch (IllegalStateException shuttingDown) {
                        // the hook runs (or ran) the same idempotent cleanup
                    }
                }
            }
        }

        private void steps() {
            BpfObject obj = demo.obj();
            out.println("ebpf4j demo: XDP hello world in the kernel (" + obj.choose(main.runtime()).reason() + ")");
            step(1, STEPS_TOTAL, "Creating network namespace " + net.namespace() + " with veth pair " + net.hostSide() + " ("
                    + net.hostAddress() + ") <-> " + net.peerSide() + " (" + net.peerAddress() + ", in the namespace)");
            net.create();
            failIfInjected("network");

            try {
                Files.createDirectories(pinDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create " + pinDir + " (is bpffs mounted at " + BPFFS + "?): " + e.getMessage(), e);
            }
            obj.load(LoadOptions.defaults().withRuntime(main.runtime()).withPinRoot(pinDir));
            KernelProgram program = (KernelProgram) obj.program(demo.program().name());
            step(2, STEPS_TOTAL, "Loaded " + demo.label() + " into the kernel: program " + program.name() + ", id "
                    + program.id() + ", tag " + program.tag());
            failIfInjected("load");

            Path pin = pinDir.resolve(program.name());
            step(3, STEPS_TOTAL, "Pinning it at " + pin);
            pinned = true;
            program.pin(pin);
            failIfInjected("pin");

            pipe = openTracePipe();
            step(4, STEPS_TOTAL, "Attaching it to " + net.hostSide() + " (XDP, generic mode)");
            if (keep) {
                // netlink, as 'ebpf4j net attach' does: it outlives this process and 'net detach' removes it
                int ifindex = Syscall.ifNameToIndex(net.hostSide());
                netlinkAttached = true;
                try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
                    Rtnetlink.attachXdp(nl, ifindex, program.fd().raw(),
                            Rtnetlink.XDP_FLAGS_SKB_MODE | Rtnetlink.XDP_FLAGS_UPDATE_IF_NOEXIST, -1);
                }
            } else {
                link = program.attachXdp(net.hostSide(), XdpMode.GENERIC);
            }
            failIfInjected("attach");

            traffic(obj);
            failIfInjected("traffic");

            traceLines();
            failIfInjected("trace");

            step(7, STEPS_TOTAL, "As 'ebpf4j prog show id " + program.id() + "' (and bpftool) print it:");
            out.print(Shown.program(new Inspector().programs().get(program.id()), ZoneId.systemDefault()));
            out.flush();
            failIfInjected("show");

            if (keep) {
                step(8, STEPS_TOTAL, "Keeping it (--keep): attached to " + net.hostSide() + " and pinned. To look at it and remove it:");
                for (String command : keepCommands(pin)) {
                    out.println(INDENT + command);
                }
                out.flush();
                kept = true;
            } else {
                step(8, STEPS_TOTAL, "Cleaning up: detaching, unpinning, deleting the veth pair and the namespace");
            }
        }

        List<String> keepCommands(Path pin) {
            return List.of("ebpf4j net list dev " + net.hostSide(),
                    "ebpf4j prog show pinned " + pin,
                    "ebpf4j net detach xdpgeneric dev " + net.hostSide(),
                    "rm -r " + pinDir,
                    "ip link del " + net.hostSide(),
                    "ip netns del " + net.namespace());
        }

        private void traffic(BpfObject obj) {
            step(5, STEPS_TOTAL, "Sending " + packets + " pings from " + net.namespace() + " to " + net.hostAddress()
                    + (demo.counter() == null ? "" : "; " + demo.counterSection() + " '" + demo.counter().name()
                    + "', read from Java through the map's mmap:"));
            Globals globals = demo.counter() == null ? null : obj.globals(demo.counterSection());
            CounterLine line = new CounterLine(demo.counter() == null ? "" : "counter");
            if (globals != null) {
                line.show(read(globals, demo.counter()));
            }
            List<String> command = net.inNamespace("ping", "-n", "-q", "-c", Integer.toString(packets), "-i", "0.2", "-W", "1",
                    net.hostAddress());
            int exit;
            try {
                ping = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30L + packets / 4);
                while (!ping.waitFor(50, TimeUnit.MILLISECONDS)) {
                    if (globals != null) {
                        line.show(read(globals, demo.counter()));
                    }
                    if (System.nanoTime() > deadline) {
                        ping.destroyForcibly();
                        throw new IllegalStateException("ping did not finish in time");
                    }
                }
                exit = ping.exitValue();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pinging", e);
            }
            long last = globals == null ? -1 : read(globals, demo.counter());
            lastCounter = last;
            if (globals != null) {
                line.show(last);
                line.end();
                out.println(INDENT + "(" + packets + " echo requests; the program sees every frame arriving on "
                        + net.hostSide() + ", ARP included)");
            }
            if (exit != 0) {
                out.println(INDENT + "(ping exited " + exit + ": some replies were lost)");
            }
            out.flush();
            if (demo.bundled() && last < packets) {
                throw new IllegalStateException("the counter reached " + last + ", fewer than the " + packets + " packets sent");
            }
        }

        private void traceLines() {
            step(6, STEPS_TOTAL, "What it printed with bpf_printk (the trace pipe):");
            if (pipe == null) {
                return;
            }
            List<String> lines = new ArrayList<>();
            // hello prints the counter before bumping it: its last line is the final counter minus one
            String want = demo.bundled() && lastCounter > 0 ? "Hello World " + (lastCounter - 1) : null;
            long pingPid = ping == null ? -1 : ping.pid();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            try {
                boolean done = false;
                while (!done && System.nanoTime() < deadline) {
                    String raw = pipe.poll(lines.isEmpty() ? 1000 : 300);
                    if (raw == null) {
                        done = !lines.isEmpty();
                        continue;
                    }
                    Optional<TraceLine> t = TraceLine.parse(raw);
                    // the pipe is the whole machine's: keep the lines written while our ping's packets were
                    // received (generic XDP runs in the softirq of the sending task, or in ksoftirqd)
                    boolean ours = t.isPresent() && (t.get().pid() == pingPid || t.get().task().startsWith("ksoftirqd/"));
                    if (!ours || !t.get().event().equals("bpf_trace_printk")
                            || (demo.bundled() && !t.get().message().startsWith("Hello World "))) {
                        continue;
                    }
                    lines.add(raw.strip());
                    done = want != null && t.get().message().equals(want);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            printSome(lines, "no lines arrived (another reader of the trace pipe may have taken them)");
        }

        private TracePipe openTracePipe() {
            try {
                TracePipe p = TracePipe.open();
                // skip what earlier programs left in the pipe: only this run's lines are shown
                while (p.poll(150) != null) {
                    // discard
                }
                return p;
            } catch (RuntimeException e) {
                out.println(INDENT + "(the trace pipe cannot be read: " + e.getMessage() + ")");
                return null;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }

        /** Removes what this run made (unless kept after success); from the hook, leaves the object to process exit. */
        synchronized void cleanup(boolean closeObject) {
            if (cleaned) {
                return;
            }
            cleaned = true;
            List<String> problems = new ArrayList<>();
            Process p = ping;
            if (p != null) {
                p.destroyForcibly();
            }
            TracePipe t = pipe;
            if (t != null) {
                t.close();
            }
            if (!kept) {
                attempt(problems, () -> {
                    Link l = link;
                    if (l != null) {
                        l.close();
                    }
                });
                if (netlinkAttached) {
                    attempt(problems, () -> detachByNetlink(net.hostSide()));
                }
                if (pinned || Files.exists(pinDir)) {
                    attempt(problems, () -> deleteTree(pinDir));
                }
            }
            if (closeObject) {
                attempt(problems, demo.obj()::close);
            }
            if (kept) {
                net.keep();
            } else {
                attempt(problems, net::close);
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("cleanup failed: " + String.join("; ", problems));
            }
        }
    }

    private static void detachByNetlink(String ifname) {
        if (!DemoNetwork.linkExists(ifname)) {
            return;
        }
        int ifindex = Syscall.ifNameToIndex(ifname);
        try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
            Rtnetlink.attachXdp(nl, ifindex, -1, Rtnetlink.XDP_FLAGS_SKB_MODE, -1);
        }
    }

    private static void attempt(List<String> problems, Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            problems.add(Main.describe(e));
        }
    }

    private static final java.util.concurrent.atomic.AtomicInteger RUNS = new java.util.concurrent.atomic.AtomicInteger();

    /** {@code /sys/fs/bpf/ebpf4j-demo-<pid>} (a suffix for further runs in the same process). */
    private static Path pinDir() {
        int n = RUNS.incrementAndGet();
        return BPFFS.resolve("ebpf4j-demo-" + ProcessHandle.current().pid() + (n == 1 ? "" : "-" + n));
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }

    private void printSome(List<String> lines, String none) {
        if (lines.isEmpty()) {
            out.println(INDENT + "(" + none + ")");
        } else if (lines.size() <= 5) {
            lines.forEach(l -> out.println(INDENT + l));
        } else {
            lines.subList(0, 3).forEach(l -> out.println(INDENT + l));
            out.println(INDENT + "... (" + (lines.size() - 4) + " more)");
            out.println(INDENT + lines.getLast());
        }
        out.flush();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The fallback VM: the same program on injected packets.

    private void fallback(Demo demo, RuntimeKind runtime, String whyNotKernel) {
        final int total = 5;
        try (BpfObject obj = demo.obj()) {
            obj.load(LoadOptions.defaults().withRuntime(runtime));
            String why = whyNotKernel != null ? whyNotKernel : obj.runtime().reason();
            if (why.equals("asked for")) {
                why = "asked for with --runtime fallback";
            }
            out.println("ebpf4j demo: XDP hello world in the fallback VM (" + why + ")");
            BpfProgram program = obj.program(demo.program().name());
            step(1, total, "Loaded " + demo.label() + " into the fallback VM: program " + program.name() + ", tag " + program.tag());
            failIfInjected("load");

            byte[] packet = icmpEchoPacket();
            step(2, total, "Injecting " + packets + " Ethernet/IPv4/ICMP echo packets (" + packet.length + " bytes) with test runs"
                    + (demo.counter() == null ? "" : "; " + demo.counterSection() + " '" + demo.counter().name()
                    + "', read from Java:"));
            Globals globals = demo.counter() == null ? null : obj.globals(demo.counterSection());
            CounterLine line = new CounterLine("counter");
            if (globals != null) {
                line.show(read(globals, demo.counter()));
            }
            long retval = -1;
            for (int i = 0; i < packets; i++) {
                retval = program.testRun(TestRun.Input.of(packet)).retval();
                if (globals != null) {
                    line.show(read(globals, demo.counter()));
                }
                if (terminal) {
                    sleep(packets <= 50 ? 100 : 10);
                }
            }
            line.end();
            out.println(INDENT + "(each run returned " + retval + (retval == 2 ? " = XDP_PASS" : "") + ")");
            long last = globals == null ? -1 : read(globals, demo.counter());
            if (demo.bundled() && last < packets) {
                throw new IllegalStateException("the counter reached " + last + ", fewer than the " + packets + " packets injected");
            }
            failIfInjected("traffic");

            step(3, total, "What it printed with bpf_printk (the fallback VM's trace log):");
            List<String> lines = new ArrayList<>();
            for (TraceLog.Line l : obj.traceLog().lines()) {
                if (l.program() == null || l.program().equals(program.name())) {
                    lines.add(l.text().strip());
                }
            }
            printSome(lines, "the program printed nothing");
            failIfInjected("trace");

            step(4, total, "The program as 'prog show' would print it (in the fallback VM: no kernel id, the offline tag):");
            out.print(offlineProgramLine(obj, program));
            failIfInjected("show");
            step(5, total, "Cleaning up: closing the object (the fallback VM made nothing outside this process)");
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** bpftool's {@code prog show} shape for a program that lives in the fallback VM. */
    static String offlineProgramLine(BpfObject obj, BpfProgram program) {
        ProgramSpec p = program.spec();
        StringBuilder sb = new StringBuilder();
        sb.append("-: ").append(p.type().bpftoolName()).append("  name ").append(p.name()).append("  tag ").append(program.tag());
        String license = obj.spec().license();
        if (license != null && isGplCompatible(license)) {
            sb.append("  gpl");
        }
        sb.append("  (fallback VM)\n");
        sb.append("\txlated ").append(p.linkedCode().length).append("B  not jited");
        List<String> maps = p.mapsUsed().stream().map(m -> obj.spec().map(m).map(MapSpec::kernelName).orElse(m)).toList();
        if (!maps.isEmpty()) {
            sb.append("  maps ").append(String.join(",", maps));
        }
        sb.append('\n');
        return sb.toString();
    }

    /** The licenses the kernel calls GPL-compatible (license_is_gpl_compatible). */
    static boolean isGplCompatible(String license) {
        return switch (license) {
            case "GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL" -> true;
            default -> false;
        };
    }

    /** An Ethernet/IPv4/ICMP echo request from 198.18.0.2 to 198.18.0.1, checksums filled in. */
    static byte[] icmpEchoPacket() {
        byte[] payload = "ebpf4j demo packet, 32 bytes....".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int ipLen = 20 + 8 + payload.length;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(14 + ipLen);
        b.put(new byte[] {0x02, 0, 0, 0, 0, 0x01}).put(new byte[] {0x02, 0, 0, 0, 0, 0x02}).putShort((short) 0x0800);
        int ip = b.position();
        b.put((byte) 0x45).put((byte) 0).putShort((short) ipLen).putShort((short) 1).putShort((short) 0x4000)
                .put((byte) 64).put((byte) 1).putShort((short) 0)
                .put(new byte[] {(byte) 198, 18, 0, 2}).put(new byte[] {(byte) 198, 18, 0, 1});
        b.putShort(ip + 10, checksum(b.array(), ip, 20));
        int icmp = b.position();
        b.put((byte) 8).put((byte) 0).putShort((short) 0).putShort((short) 0x4a34).putShort((short) 1).put(payload);
        b.putShort(icmp + 2, checksum(b.array(), icmp, 8 + payload.length));
        return b.array();
    }

    /** The Internet checksum (RFC 1071) of {@code len} bytes at {@code off}. */
    static short checksum(byte[] data, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += ((data[off + i] & 0xff) << 8) | (data[off + i + 1] & 0xff);
        }
        if ((len & 1) != 0) {
            sum += (data[off + len - 1] & 0xff) << 8;
        }
        while ((sum >> 16) != 0) {
            sum = (sum & 0xffff) + (sum >> 16);
        }
        return (short) ~sum;
    }
}
