package dev.ebpf4j.examples;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfObject;
import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.loader.TestRun;

/**
 * A UDP port blocker: {@code filter_udp_ports} drops IPv4 UDP packets whose destination port is a key of the
 * {@code blocked_ports} hash map, and counts the drops in the value. Java blocks a port by putting it in the map,
 * then checks verdicts with test runs ({@code BPF_PROG_TEST_RUN}, or the fallback VM), so nothing is attached.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp examples-java/target/classes:cli/target/ebpf4j.jar \
 *     dev.ebpf4j.examples.PacketFilter [PORT] [examples/packet_filter.bpf.o]
 * </pre>
 */
public final class PacketFilter implements AutoCloseable {
    public static final int XDP_DROP = 1;
    public static final int XDP_PASS = 2;

    private final BpfObject obj;
    private final Path pins;

    /**
     * Loads the filter into {@code runtime}. Its {@code verdicts} map is pinned by name ({@code LIBBPF_PIN_BY_NAME}),
     * so in the kernel it goes to a bpffs directory of our own, removed again by {@link #close()}.
     */
    public PacketFilter(Path object, RuntimeKind runtime) {
        this.pins = Path.of("/sys/fs/bpf/ebpf4j-packet-filter-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        BpfObject o = BpfObject.open(object);
        if (o.choose(runtime).kind() == RuntimeKind.KERNEL) {
            try {
                Files.createDirectories(pins);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        this.obj = o.load(LoadOptions.defaults().withRuntime(runtime).withPinRoot(pins));
    }

    /** Where the filter runs: kernel or fallback, and why. */
    public String runtime() {
        return obj.runtime().toString();
    }

    /** Drops UDP packets to {@code port} from now on. */
    public void block(int port) {
        // key: __u16 port in host byte order; value: __u64 drop count, starting at 0
        obj.map("blocked_ports").update(u16(port), new byte[8]);
    }

    /** The program's verdict on {@code packet}: {@link #XDP_DROP} or {@link #XDP_PASS}. */
    public int verdict(byte[] packet) {
        return (int) obj.program("filter_udp_ports").testRun(TestRun.Input.of(packet)).retval();
    }

    /** How many packets to {@code port} were dropped (0 when the port is not blocked). */
    public long dropped(int port) {
        BpfMap blocked = obj.map("blocked_ports");
        return blocked.lookup(u16(port)).map(v -> ByteBuffer.wrap(v).order(ByteOrder.nativeOrder()).getLong()).orElse(0L);
    }

    private static byte[] u16(int port) {
        return ByteBuffer.allocate(2).order(ByteOrder.nativeOrder()).putShort((short) port).array();
    }

    /** An Ethernet/IPv4/UDP packet from 198.18.0.2:40000 to 198.18.0.1:{@code port} (checksums left 0: XDP does not check). */
    public static byte[] udpPacket(int port) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 8 + 4);   // network byte order
        b.put(new byte[6]).put(new byte[6]).putShort((short) 0x0800);                  // Ethernet, IPv4
        b.put((byte) 0x45).put((byte) 0).putShort((short) 32).putInt(0).put((byte) 64).put((byte) 17).putShort((short) 0)
                .put(new byte[] {(byte) 198, 18, 0, 2}).put(new byte[] {(byte) 198, 18, 0, 1});  // IPv4, UDP
        b.putShort((short) 40000).putShort((short) port).putShort((short) 12).putShort((short) 0);   // UDP header
        b.put("ping".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        return b.array();
    }

    @Override
    public void close() {
        obj.close();
        if (Files.exists(pins)) {
            try (Stream<Path> s = Files.walk(pins)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    public static void main(String[] args) {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 9999;
        Path object = Path.of(args.length > 1 ? args[1] : "examples/packet_filter.bpf.o");
        try (PacketFilter filter = new PacketFilter(object, RuntimeKind.configured())) {
            System.out.println("running in: " + filter.runtime());
            filter.block(port);
            System.out.println("UDP to " + port + ": " + (filter.verdict(udpPacket(port)) == XDP_DROP ? "dropped" : "passed"));
            System.out.println("UDP to 53: " + (filter.verdict(udpPacket(53)) == XDP_DROP ? "dropped" : "passed"));
            System.out.println("drops counted for " + port + ": " + filter.dropped(port));
        }
    }
}
