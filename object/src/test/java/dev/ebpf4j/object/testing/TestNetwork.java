package dev.ebpf4j.object.testing;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace and a veth pair made for one test, and nothing else: {@link #hostSide()} stays in this
 * process's namespace with 198.18.0.1/30, {@link #peerSide()} lives in {@link #namespace()} with 198.18.0.2/30.
 * Tests attach only to these interfaces and send traffic only between the two ends. {@link #close()} deletes
 * both (deleting the host side removes the pair and anything attached to it), also after a failure.
 */
public final class TestNetwork implements AutoCloseable {
    public static final String HOST_ADDRESS = "198.18.0.1";
    public static final String PEER_ADDRESS = "198.18.0.2";
    private static final AtomicInteger COUNTER = new AtomicInteger();

    private final String namespace;
    private final String host;
    private final String peer;

    private TestNetwork(String namespace, String host, String peer) {
        this.namespace = namespace;
        this.host = host;
        this.peer = peer;
    }

    /** Creates the namespace and the pair, or skips the test (fails under EBPF4J_NO_SKIP=1) when it cannot. */
    public static TestNetwork create() {
        TestObjects.skipUnless("root".equals(System.getProperty("user.name")) && TestObjects.findTool("ip").isPresent(),
                "needs root and iproute2 (ip) to make a test network namespace and veth pair");
        int n = COUNTER.incrementAndGet();
        long pid = ProcessHandle.current().pid() % 100000;
        String ns = "ebpf4j-" + pid + "-" + n;
        String host = "e4j" + pid + "h" + n;
        String peer = "e4j" + pid + "p" + n;
        TestNetwork net = new TestNetwork(ns, host, peer);
        try {
            ip("netns", "add", ns);
            ip("link", "add", host, "type", "veth", "peer", "name", peer, "netns", ns);
            // Quiet links: no IPv6 (router/neighbour solicitations) and static neighbours (no ARP), so the only
            // packets on the pair are the ones a test sends, and counts are exact.
            sysctl(null, "net.ipv6.conf." + host + ".disable_ipv6=1");
            sysctl(ns, "net.ipv6.conf." + peer + ".disable_ipv6=1");
            ip("addr", "add", HOST_ADDRESS + "/30", "dev", host);
            ip("-n", ns, "addr", "add", PEER_ADDRESS + "/30", "dev", peer);
            ip("neigh", "replace", PEER_ADDRESS, "lladdr", mac(null, peer, ns), "dev", host, "nud", "permanent");
            ip("-n", ns, "neigh", "replace", HOST_ADDRESS, "lladdr", mac(null, host, null), "dev", peer, "nud", "permanent");
            ip("link", "set", host, "up");
            ip("-n", ns, "link", "set", peer, "up");
            ip("-n", ns, "link", "set", "lo", "up");
            return net;
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** The veth end in this process's namespace. */
    public String hostSide() {
        return host;
    }

    /** The veth end inside {@link #namespace()}. */
    public String peerSide() {
        return peer;
    }

    public String namespace() {
        return namespace;
    }

    /** Runs a command inside the namespace (e.g. ping the host side) and returns its exit code. */
    public int inNamespace(String... command) {
        String[] full = new String[command.length + 4];
        full[0] = "ip";
        full[1] = "netns";
        full[2] = "exec";
        full[3] = namespace;
        System.arraycopy(command, 0, full, 4, command.length);
        return exec(full);
    }

    @Override
    public void close() {
        exec("ip", "link", "del", host);
        exec("ip", "netns", "del", namespace);
    }

    private static void sysctl(String ns, String setting) {
        int rc = ns == null ? exec("sysctl", "-q", "-w", setting) : exec("ip", "netns", "exec", ns, "sysctl", "-q", "-w", setting);
        if (rc != 0) {
            throw new IllegalStateException("sysctl -w " + setting + (ns == null ? "" : " in " + ns) + " exited " + rc);
        }
    }

    /** The MAC address of {@code dev} (in namespace {@code ns}, or this one when null). */
    private static String mac(String unused, String dev, String ns) {
        java.nio.file.Path address = java.nio.file.Path.of("/sys/class/net", dev, "address");
        try {
            if (ns == null) {
                return java.nio.file.Files.readString(address).strip();
            }
            Process p = new ProcessBuilder("ip", "netns", "exec", ns, "cat", address.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("cannot read the MAC address of " + dev + " in " + ns + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the MAC address of " + dev + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void ip(String... args) {
        String[] full = new String[args.length + 1];
        full[0] = "ip";
        System.arraycopy(args, 0, full, 1, args.length);
        int rc = exec(full);
        if (rc != 0) {
            throw new IllegalStateException(String.join(" ", full) + " exited " + rc);
        }
    }

    private static int exec(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return -1;
            }
            return p.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
