package dev.ebpf4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The demo's private network: a network namespace and a veth pair made for one run, and nothing else. The host end
 * stays in this process's namespace, the peer end lives in the namespace; both get addresses of one /30 inside
 * 198.18.0.0/15 (the range RFC 2544 reserves for benchmarking, never routed), chosen so no interface on the machine
 * already has an address in it. The demo attaches only to {@link #hostSide()} and sends traffic only from the
 * namespace to {@link #hostAddress()}.
 *
 * <p>{@link #close()} deletes the pair (deleting the host end deletes the peer and everything attached to them) and
 * the namespace; it is idempotent and safe to call from a shutdown hook while {@link #create} is still running:
 * every name is recorded before the thing is made.
 */
final class DemoNetwork implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String namespace;
    private final String host;
    private final String peer;
    private final String hostAddress;
    private final String peerAddress;
    private boolean namespaceMade;
    private boolean pairMade;
    private boolean closed;

    private DemoNetwork(String namespace, String host, String peer, String hostAddress, String peerAddress) {
        this.namespace = namespace;
        this.host = host;
        this.peer = peer;
        this.hostAddress = hostAddress;
        this.peerAddress = peerAddress;
    }

    /** Names unique to this process and run: {@code ebpf4j-demo-<pid>[-n]}, {@code e4jd<pid>h[n]} (at most 15 chars). */
    static DemoNetwork plan() {
        int n = COUNTER.incrementAndGet();
        long pid = ProcessHandle.current().pid();
        String suffix = n == 1 ? "" : Integer.toString(n);
        String ns = "ebpf4j-demo-" + pid + (n == 1 ? "" : "-" + n);
        String host = "e4jd" + pid + "h" + suffix;
        String peer = "e4jd" + pid + "p" + suffix;
        if (host.length() > 15) {
            host = "e4jd" + (pid % 10_000_000) + "h" + (n % 100);
            peer = "e4jd" + (pid % 10_000_000) + "p" + (n % 100);
        }
        int[] subnet = freeSubnet(pid * 31 + n);
        String base = subnet[0] + "." + subnet[1] + "." + subnet[2] + ".";
        return new DemoNetwork(ns, host, peer, base + (subnet[3] + 1), base + (subnet[3] + 2));
    }

    /** A /30 in 198.18.0.0/15 (avoiding 198.18.0.0/24, which the test helper uses) with no address on this host. */
    static int[] freeSubnet(long seed) {
        String used = run(List.of("ip", "-o", "-4", "addr", "show")).output();
        int slots = 1 << 15; // the /30s in 198.18.0.0/15
        for (int i = 0; i < 64; i++) {
            int slot = (int) Math.floorMod(seed + i * 7919L, slots);
            int address = slot * 4;
            int second = 18 + (address >> 16);
            int third = (address >> 8) & 0xff;
            int fourth = address & 0xff;
            if (second == 18 && third == 0) {
                continue;
            }
            String base = "198." + second + "." + third + ".";
            boolean taken = false;
            for (int k = 0; k < 4; k++) {
                if (used.contains(" " + base + (fourth + k) + "/")) {
                    taken = true;
                }
            }
            if (!taken) {
                return new int[] {198, second, third, fourth};
            }
        }
        throw new IllegalStateException("no free /30 in 198.18.0.0/15 for the demo network");
    }

    /** Why this machine cannot make the demo network (no iproute2, no ping, no CAP_NET_ADMIN), or empty. */
    static Optional<String> unavailableReason() {
        if (findTool("ip").isEmpty()) {
            return Optional.of("iproute2's 'ip' is not installed (it makes the demo's network namespace and veth pair)");
        }
        if (findTool("ping").isEmpty()) {
            return Optional.of("'ping' is not installed (it sends the demo's packets)");
        }
        if (!Capabilities.effective().has(Capabilities.CAP_NET_ADMIN)) {
            return Optional.of("no CAP_NET_ADMIN to make a network namespace and a veth pair (run as root)");
        }
        return Optional.empty();
    }

    /** Makes the namespace and the pair and brings them up; on failure, deletes what it made and throws. */
    synchronized void create() {
        check();
        namespaceMade = true;
        ip("netns", "add", namespace);
        check();
        pairMade = true;
        ip("link", "add", host, "type", "veth", "peer", "name", peer, "netns", namespace);
        // Only IPv4 on the pair, so every frame the program counts is one the demo sent (and its ARP).
        run(List.of("ip", "netns", "exec", namespace, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf." + peer + ".disable_ipv6=1"));
        writeQuietly(Path.of("/proc/sys/net/ipv6/conf/" + host + "/disable_ipv6"), "1");
        ip("addr", "add", hostAddress + "/30", "dev", host);
        ip("link", "set", host, "up");
        ip("-n", namespace, "addr", "add", peerAddress + "/30", "dev", peer);
        ip("-n", namespace, "link", "set", peer, "up");
        ip("-n", namespace, "link", "set", "lo", "up");
    }

    private void check() {
        if (closed) {
            throw new IllegalStateException("interrupted: the demo network was deleted");
        }
    }

    String namespace() {
        return namespace;
    }

    String hostSide() {
        return host;
    }

    String peerSide() {
        return peer;
    }

    String hostAddress() {
        return hostAddress;
    }

    String peerAddress() {
        return peerAddress;
    }

    /** The command that runs {@code command} inside the namespace. */
    List<String> inNamespace(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(List.of(command));
        return full;
    }

    /** Deletes the pair and the namespace (whatever of them exists); returns the problems, if any. */
    @Override
    public synchronized void close() {
        closed = true;
        List<String> problems = new ArrayList<>();
        if (pairMade && linkExists(host)) {
            Result r = run(List.of("ip", "link", "del", host));
            if (r.exitCode() != 0 && linkExists(host)) {
                problems.add("ip link del " + host + ": " + r.output().strip());
            }
        }
        pairMade = false;
        if (namespaceMade && namespaceExists(namespace)) {
            Result r = run(List.of("ip", "netns", "del", namespace));
            if (r.exitCode() != 0 && namespaceExists(namespace)) {
                problems.add("ip netns del " + namespace + ": " + r.output().strip());
            }
        }
        namespaceMade = false;
        if (!problems.isEmpty()) {
            throw new IllegalStateException("cleanup failed: " + String.join("; ", problems));
        }
    }

    /** Leaves the network as it is (for {@code --keep}): {@link #close()} then deletes nothing. */
    synchronized void keep() {
        pairMade = false;
        namespaceMade = false;
    }

    static boolean linkExists(String name) {
        return Files.exists(Path.of("/sys/class/net", name));
    }

    static boolean namespaceExists(String name) {
        return Files.exists(Path.of("/run/netns", name)) || Files.exists(Path.of("/var/run/netns", name));
    }

    private static void writeQuietly(Path file, String value) {
        try {
            Files.writeString(file, value);
        } catch (IOException | RuntimeException ignored) {
            // IPv6 may be absent; nothing to turn off then
        }
    }

    private static void ip(String... args) {
        List<String> full = new ArrayList<>(List.of("ip"));
        full.addAll(List.of(args));
        Result r = run(full);
        if (r.exitCode() != 0) {
            throw new IllegalStateException(String.join(" ", full) + " failed: " + r.output().strip());
        }
    }

    record Result(int exitCode, String output) {
    }

    /** Runs a command to its end (at most 30 s), merging its output. */
    static Result run(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(-1, command.getFirst() + " timed out");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    static Optional<Path> findTool(String name) {
        String path = System.getenv("PATH");
        List<String> dirs = new ArrayList<>(List.of((path == null ? "" : path).split(":")));
        dirs.addAll(List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, name);
            if (Files.isExecutable(p)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
