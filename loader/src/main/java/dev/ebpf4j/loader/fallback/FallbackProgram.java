package dev.ebpf4j.loader.fallback;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Supplier;

import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.vm.RunOptions;
import dev.ebpf4j.vm.RunResult;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.ProgramContext;
import dev.ebpf4j.vm.context.RawContext;
import dev.ebpf4j.vm.context.SkBuffContext;
import dev.ebpf4j.vm.context.XdpContext;

/**
 * A loader {@link BpfProgram} over a VM program. {@link #testRun} builds the context the program type expects, as
 * {@code BPF_PROG_TEST_RUN} does: XDP gets the data as its packet ({@code struct xdp_md} from the context in, when
 * given), tc, socket filter, cgroup skb and lwt programs get it as an {@code sk_buff} (settable {@code __sk_buff}
 * fields from the context in, and back in the context out; tc programs see the packet from its Ethernet header, the
 * others from the network header, with the Ethernet header zeroed in the data out, as the kernel does), tracing programs (raw_tp, tracepoint, kprobe, perf_event, fentry, syscall) get the
 * context bytes as their context. A fault while running ends in a {@link dev.ebpf4j.vm.BpfRuntimeException}.
 */
final class FallbackProgram implements BpfProgram {
    /** The smallest packet the kernel's test run takes ({@code ETH_HLEN}). */
    static final int ETH_HLEN = 14;
    static final int MIN_PACKET = ETH_HLEN;

    private final VmProgram program;
    private final ProgramSpec spec;
    private final String verifierLog;
    private final Supplier<String> why;
    private volatile boolean closed;
    /** The in-process interface this program is attached to, detached when the program closes. */
    private volatile VirtualInterface attachedTo;

    FallbackProgram(VmProgram program, ProgramSpec spec, String verifierLog, Supplier<String> why) {
        this.program = program;
        this.spec = spec;
        this.verifierLog = verifierLog;
        this.why = why;
    }

    @Override
    public ProgramSpec spec() {
        return spec;
    }

    /** The tag computed offline from the instructions, as {@code bpftool prog show} prints it. */
    @Override
    public String tag() {
        return spec.tag();
    }

    @Override
    public TestRun.Result testRun(TestRun.Input input) {
        if (closed) {
            throw new IllegalStateException("program '" + name() + "' is closed");
        }
        ProgramContext ctx = context(type(), input);
        RunResult r = program.run(ctx, RunOptions.defaults().withRepeat(input.repeat()));
        byte[] dataOut = r.packet() == null ? new byte[0] : r.packet();
        // as the kernel: a context out when there was a context in, except for read-only ones (raw_tp, kprobe...)
        byte[] ctxOut = input.context() == null || ctx instanceof RawContext raw && !raw.writable() ? null : r.context();
        if (ctx instanceof SkBuffContext) {
            if (!isL2(type())) {
                // as the kernel: the Ethernet header comes back zeroed in front of what the program saw
                byte[] withHeader = new byte[ETH_HLEN + dataOut.length];
                System.arraycopy(dataOut, 0, withHeader, ETH_HLEN, dataOut.length);
                dataOut = withHeader;
            }
            if (ctxOut != null) {
                ctxOut = skbFieldsOut(ctxOut);
            }
        }
        if (input.dataOutSize() > 0 && dataOut.length > input.dataOutSize()) {
            throw new IllegalArgumentException("program '" + name() + "': the data out (" + dataOut.length
                    + " bytes) does not fit dataOutSize " + input.dataOutSize() + " (ENOSPC)");
        }
        return new TestRun.Result(r.returnValue() & 0xffff_ffffL, dataOut, ctxOut, r.duration().toNanos());
    }

    /**
     * Attaches to the in-process interface {@code ifname} ({@link VirtualInterface}): packets come from
     * {@link VirtualInterface#inject} or {@link PcapReplay}; the NIC of that name is not intercepted.
     */
    @Override
    public dev.ebpf4j.loader.link.Link attachXdp(String ifname, dev.ebpf4j.loader.XdpMode mode) {
        if (type() != ProgramType.XDP) {
            throw new IllegalArgumentException("program '" + name() + "' is " + type().bpftoolName() + ", not xdp");
        }
        VirtualInterface vif = VirtualInterface.named(ifname);
        vif.attach(this);
        attachedTo = vif;
        FallbackProgram self = this;
        return new dev.ebpf4j.loader.link.Link() {
            private volatile boolean attached = true;

            @Override
            public String describe() {
                return "xdp on in-process interface " + ifname + " (fallback VM)";
            }

            @Override
            public boolean attached() {
                return attached;
            }

            @Override
            public void pin(java.nio.file.Path path) {
                throw new UnsupportedOperationException("pinning needs the kernel runtime; this program runs in the"
                        + " fallback VM (" + why.get() + ")");
            }

            @Override
            public void close() {
                attached = false;
                vif.detach(self);
            }
        };
    }

    /** tc programs see the packet from its Ethernet header; socket filters, cgroup skb and lwt from the network header. */
    private static boolean isL2(ProgramType type) {
        return type == ProgramType.SCHED_CLS || type == ProgramType.SCHED_ACT;
    }

    /** The {@code __sk_buff} fields a test run takes in and gives back, as the kernel's convert___skb_to_skb. */
    private static final int[] SKB_FIELDS = {SkBuffContext.MARK, SkBuffContext.PRIORITY, SkBuffContext.INGRESS_IFINDEX,
            SkBuffContext.IFINDEX, SkBuffContext.CB, SkBuffContext.CB + 4, SkBuffContext.CB + 8, SkBuffContext.CB + 12,
            SkBuffContext.CB + 16, SkBuffContext.TSTAMP, SkBuffContext.TSTAMP + 4, SkBuffContext.WIRE_LEN};

    /** The context out as the kernel gives it: only the fields a test run copies back, the rest zero. */
    private static byte[] skbFieldsOut(byte[] after) {
        byte[] out = new byte[SkBuffContext.SIZE];
        for (int off : SKB_FIELDS) {
            System.arraycopy(after, off, out, off, 4);
        }
        return out;
    }

    /** The VM context for a test run of a {@code type} program on {@code input}. */
    ProgramContext context(ProgramType type, TestRun.Input input) {
        byte[] data = input.data();
        byte[] ctx = input.context();
        return switch (type) {
            case XDP -> {
                requirePacket(data);
                int ingress = 1;
                int rxQueue = 0;
                if (ctx != null) {
                    ByteBuffer b = fields(ctx, XdpContext.SIZE, "struct xdp_md");
                    if (b.getInt(20) != 0) {
                        throw invalid("xdp_md.egress_ifindex must be 0 in a test run");
                    }
                    ingress = b.getInt(12) == 0 ? 1 : b.getInt(12);
                    rxQueue = b.getInt(16);
                }
                yield new XdpContext(data, ingress, rxQueue, 0);
            }
            case SCHED_CLS, SCHED_ACT, SOCKET_FILTER, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> {
                requirePacket(data);
                SkBuffContext skb;
                if (isL2(type)) {
                    skb = SkBuffContext.of(data);
                } else {
                    int ethType = (data[12] & 0xff) << 8 | (data[13] & 0xff);
                    skb = SkBuffContext.of(Arrays.copyOfRange(data, ETH_HLEN, data.length)).withProtocol(ethType);
                }
                if (ctx != null) {
                    ByteBuffer b = fields(ctx, SkBuffContext.SIZE, "struct __sk_buff");
                    for (int off : SKB_FIELDS) {
                        int v = b.getInt(off);
                        if (v != 0) {
                            skb = skb.with(off, v);
                        }
                    }
                }
                yield skb;
            }
            case RAW_TRACEPOINT, TRACEPOINT, KPROBE, PERF_EVENT, TRACING, LSM -> {
                noData(type, data);
                yield RawContext.of(ctx == null ? new byte[0] : ctx);
            }
            case RAW_TRACEPOINT_WRITABLE, SYSCALL -> {
                noData(type, data);
                yield new RawContext(ctx == null ? new byte[0] : ctx, true);
            }
            default -> throw new UnsupportedOperationException("program '" + name() + "': the fallback VM cannot "
                    + "test-run " + type.bpftoolName() + " programs");
        };
    }

    private void requirePacket(byte[] data) {
        if (data.length < MIN_PACKET) {
            throw invalid(type().bpftoolName() + " test runs need at least " + MIN_PACKET
                    + " bytes of data (an Ethernet header), got " + data.length);
        }
    }

    private void noData(ProgramType type, byte[] data) {
        if (data.length != 0) {
            throw invalid(type.bpftoolName() + " test runs take no data, only a context (ctx_in)");
        }
    }

    private ByteBuffer fields(byte[] ctx, int size, String what) {
        if (ctx.length > size) {
            throw invalid("the context in is " + ctx.length + " bytes, larger than " + what + " (" + size + ")");
        }
        return ByteBuffer.wrap(Arrays.copyOf(ctx, size)).order(ByteOrder.LITTLE_ENDIAN);
    }

    private IllegalArgumentException invalid(String why) {
        return new IllegalArgumentException("program '" + name() + "': " + why + " (EINVAL)");
    }

    @Override
    public String verifierLog() {
        return verifierLog;
    }

    @Override
    public void pin(Path path) {
        throw new UnsupportedOperationException("program '" + name() + "': cannot pin at " + path
                + ": pinning needs the kernel runtime; this object runs in the fallback VM (" + why.get() + ")");
    }

    @Override
    public void close() {
        VirtualInterface vif = attachedTo;
        if (vif != null) {
            vif.detach(this);
        }
        closed = true;
    }

    /** The VM's program behind this one. */
    VmProgram vmProgram() {
        return program;
    }

    @Override
    public String toString() {
        return "FallbackProgram[" + program + "]";
    }
}
