package dev.ebpf4j.loader.fallback;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.TestRun;

/**
 * An in-process stand-in for a network interface, where the fallback VM's XDP programs attach: packets reach the
 * attached program when Java code {@link #inject}s them or {@link PcapReplay} replays a capture. The real NIC of that
 * name (if any) is never intercepted. One program at a time, as XDP allows.
 */
public final class VirtualInterface {
    private static final Logger LOG = LoggerFactory.getLogger(VirtualInterface.class);
    private static final Map<String, VirtualInterface> BY_NAME = new ConcurrentHashMap<>();

    /** XDP verdicts ({@code enum xdp_action}). */
    public static final int XDP_ABORTED = 0;
    public static final int XDP_DROP = 1;
    public static final int XDP_PASS = 2;
    public static final int XDP_TX = 3;
    public static final int XDP_REDIRECT = 4;

    private final String name;
    private volatile BpfProgram program;

    private VirtualInterface(String name) {
        this.name = name;
    }

    /** The in-process interface called {@code name} (made on first use). */
    public static VirtualInterface named(String name) {
        Objects.requireNonNull(name, "name");
        return BY_NAME.computeIfAbsent(name, VirtualInterface::new);
    }

    public String name() {
        return name;
    }

    /** What happened to one packet: the program's verdict and the packet as it left the program. */
    public record Delivery(int action, byte[] packet) {
        /** {@code XDP_PASS}, {@code XDP_DROP}, ... as bpftool names them. */
        public String actionName() {
            return switch (action) {
                case XDP_ABORTED -> "XDP_ABORTED";
                case XDP_DROP -> "XDP_DROP";
                case XDP_PASS -> "XDP_PASS";
                case XDP_TX -> "XDP_TX";
                case XDP_REDIRECT -> "XDP_REDIRECT";
                default -> "XDP action " + action;
            };
        }
    }

    /** Runs the attached program on {@code packet}; with no program attached the packet passes unchanged. */
    public Delivery inject(byte[] packet) {
        BpfProgram p = program;
        if (p == null) {
            return new Delivery(XDP_PASS, packet.clone());
        }
        TestRun.Result r = p.testRun(TestRun.Input.of(packet));
        return new Delivery((int) r.retval(), r.dataOut());
    }

    /** The attached program, or null. */
    public BpfProgram attached() {
        return program;
    }

    synchronized void attach(BpfProgram p) {
        if (program != null) {
            throw new IllegalStateException("in-process interface '" + name + "' already has XDP program '"
                    + program.name() + "' attached (EBUSY); close its link first");
        }
        program = p;
        LOG.info("ebpf4j: XDP program '{}' attached to in-process interface '{}': packets come from inject() or"
                + " PcapReplay; the network interface itself is not intercepted", p.name(), name);
    }

    synchronized void detach(BpfProgram p) {
        if (program == p) {
            program = null;
        }
    }
}
