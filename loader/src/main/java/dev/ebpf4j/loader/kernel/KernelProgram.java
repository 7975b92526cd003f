package dev.ebpf4j.loader.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.HexFormat;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.SyscallException;
import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.bindings.uapi.bpf_prog_info;
import dev.ebpf4j.loader.BpfLoadException;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.TestRun;
import dev.ebpf4j.object.ProgramSpec;

/** A program loaded into the kernel, held by its file descriptor. */
public final class KernelProgram implements BpfProgram {
    /** Room for packet data the program may add ({@code bpf_xdp_adjust_head}/{@code _tail}) when not told. */
    static final int DATA_OUT_SLACK = 512;

    private final ProgramSpec spec;
    private final Fd fd;
    private final int id;
    private final String tag;
    private final String verifierLog;

    KernelProgram(ProgramSpec spec, Fd fd, String verifierLog) {
        this.spec = spec;
        this.fd = fd;
        this.verifierLog = verifierLog == null ? "" : verifierLog;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = Bpf.progInfo(fd, arena);
            this.id = bpf_prog_info.id(info);
            this.tag = HexFormat.of().formatHex(bpf_prog_info.tag(info).toArray(ValueLayout.JAVA_BYTE));
        }
    }

    @Override
    public ProgramSpec spec() {
        return spec;
    }

    /** The kernel's id for the program ({@code bpftool prog show id N}). */
    public int id() {
        return id;
    }

    /** The program's descriptor (owned by this program: do not close it). */
    public Fd fd() {
        return fd;
    }

    /** The tag the kernel computed ({@code BPF_OBJ_GET_INFO_BY_FD}), 16 hex digits. */
    @Override
    public String tag() {
        return tag;
    }

    /**
     * {@code BPF_PROG_TEST_RUN}: runs the program {@code repeat} times on the input's packet data and context.
     * The data out has room for {@code dataOutSize} bytes, or the input's size plus {@value #DATA_OUT_SLACK}.
     */
    @Override
    public TestRun.Result testRun(TestRun.Input input) {
        if (spec.type() == dev.ebpf4j.object.ProgramType.RAW_TRACEPOINT
                || spec.type() == dev.ebpf4j.object.ProgramType.RAW_TRACEPOINT_WRITABLE) {
            return rawTracepointRun(input);
        }
        byte[] data = input.data();
        byte[] ctx = input.context();
        int outSize = input.dataOutSize() > 0 ? input.dataOutSize() : (data.length == 0 ? 0 : data.length + DATA_OUT_SLACK);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            MemorySegment test = bpf_attr.test(attr);
            bpf_attr.test.prog_fd(test, fd.raw());
            bpf_attr.test.repeat(test, input.repeat() > 1 ? input.repeat() : 0);
            MemorySegment out = null;
            if (data.length > 0) {
                MemorySegment in = arena.allocate(data.length, 8);
                MemorySegment.copy(data, 0, in, ValueLayout.JAVA_BYTE, 0, data.length);
                bpf_attr.test.data_in(test, in.address());
                bpf_attr.test.data_size_in(test, data.length);
            }
            if (outSize > 0) {
                out = arena.allocate(outSize, 8);
                bpf_attr.test.data_out(test, out.address());
                bpf_attr.test.data_size_out(test, outSize);
            }
            MemorySegment ctxOut = null;
            if (ctx != null && ctx.length > 0) {
                MemorySegment in = arena.allocate(ctx.length, 8);
                MemorySegment.copy(ctx, 0, in, ValueLayout.JAVA_BYTE, 0, ctx.length);
                ctxOut = arena.allocate(ctx.length, 8);
                bpf_attr.test.ctx_in(test, in.address());
                bpf_attr.test.ctx_size_in(test, ctx.length);
                bpf_attr.test.ctx_out(test, ctxOut.address());
                bpf_attr.test.ctx_size_out(test, ctx.length);
            }
            try {
                Bpf.progTestRun(attr);
            } catch (SyscallException e) {
                throw new BpfLoadException(spec.name() + ": test run failed: " + e.getMessage(), e);
            }
            byte[] dataOut = new byte[0];
            if (out != null) {
                int n = Math.min(bpf_attr.test.data_size_out(test), outSize);
                dataOut = out.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            }
            byte[] contextOut = null;
            if (ctxOut != null) {
                int n = Math.min(bpf_attr.test.ctx_size_out(test), ctx.length);
                contextOut = ctxOut.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE);
            }
            return new TestRun.Result(Integer.toUnsignedLong(bpf_attr.test.retval(test)), dataOut, contextOut,
                    Integer.toUnsignedLong(bpf_attr.test.duration(test)));
        }
    }

    /**
     * Raw tracepoint programs take only a context in the kernel's test run: no data, no context out, no repeat and
     * no duration (the kernel answers EINVAL). Repeats are runs from here; the duration is measured here.
     */
    private TestRun.Result rawTracepointRun(TestRun.Input input) {
        byte[] ctx = input.context();
        if (ctx == null || ctx.length == 0 || input.data().length > 0) {
            throw new IllegalArgumentException(spec.name() + ": a raw tracepoint program runs on a context (its u64"
                    + " arguments) and no packet data");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            MemorySegment test = bpf_attr.test(attr);
            MemorySegment in = arena.allocate(ctx.length, 8);
            MemorySegment.copy(ctx, 0, in, ValueLayout.JAVA_BYTE, 0, ctx.length);
            long retval = 0;
            long start = System.nanoTime();
            for (int i = 0; i < input.repeat(); i++) {
                attr.fill((byte) 0);
                bpf_attr.test.prog_fd(test, fd.raw());
                bpf_attr.test.ctx_in(test, in.address());
                bpf_attr.test.ctx_size_in(test, ctx.length);
                try {
                    Bpf.progTestRun(attr);
                } catch (SyscallException e) {
                    throw new BpfLoadException(spec.name() + ": test run failed: " + e.getMessage(), e);
                }
                retval = Integer.toUnsignedLong(bpf_attr.test.retval(test));
            }
            return new TestRun.Result(retval, new byte[0], null, (System.nanoTime() - start) / input.repeat());
        }
    }

    @Override
    public String verifierLog() {
        return verifierLog;
    }

    /** Pins the program at {@code path} in bpffs (see {@link KernelMap#pin}). */
    @Override
    public dev.ebpf4j.loader.link.Link attachXdp(String ifname, dev.ebpf4j.loader.XdpMode mode) {
        int ifindex = dev.ebpf4j.bindings.Syscall.ifNameToIndex(ifname);
        return dev.ebpf4j.loader.link.Attach.xdp(fd(), ifindex, mode.flags());
    }

    @Override
    public dev.ebpf4j.loader.link.Link attachTc(String ifname, boolean ingress) {
        int ifindex = dev.ebpf4j.bindings.Syscall.ifNameToIndex(ifname);
        return dev.ebpf4j.loader.link.Attach.tcx(fd(), ifindex, ingress);
    }

    @Override
    public dev.ebpf4j.loader.link.Link attachTracepoint(String category, String name) {
        return dev.ebpf4j.loader.link.Attach.tracepoint(fd(), category, name);
    }

    @Override
    public dev.ebpf4j.loader.link.Link attachRawTracepoint(String name) {
        return dev.ebpf4j.loader.link.Attach.rawTracepoint(fd(), name);
    }

    @Override
    public dev.ebpf4j.loader.link.Link attachKprobe(String function, boolean retprobe) {
        return dev.ebpf4j.loader.link.Attach.kprobe(fd(), function, 0, retprobe);
    }

    @Override
    public void pin(Path path) {
        KernelMap.pin(fd, spec.name(), path);
    }

    @Override
    public void close() {
        fd.close();
    }

    boolean isOpen() {
        return fd.isOpen();
    }

    @Override
    public String toString() {
        return "KernelProgram[" + spec.name() + " id " + id + " tag " + tag + "]";
    }
}
