package dev.ebpf4j.loader.link;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.SyscallException;
import dev.ebpf4j.bindings.uapi.Uapi;
import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.bindings.uapi.perf_event_attr;
import dev.ebpf4j.loader.tracefs.Tracefs;
import dev.ebpf4j.object.AttachType;

/**
 * Attaches loaded programs (given by their fd) to kernel hooks, preferring bpf_link where the kernel has it, and
 * returns a {@link Link} that detaches on close.
 */
public final class Attach {
    private static final Logger LOG = LoggerFactory.getLogger(Attach.class);
    /** {@code _IOW('$', 8, __u32)}: the same number on x86-64 and arm64. */
    static final long PERF_EVENT_IOC_SET_BPF = 0x40042408L;

    private Attach() {}

    /** A raw tracepoint ({@code raw_tp/sys_enter}): {@code BPF_RAW_TRACEPOINT_OPEN}. */
    public static Link rawTracepoint(Fd program, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(a);
            MemorySegment rt = bpf_attr.raw_tracepoint(attr);
            bpf_attr.raw_tracepoint.name(rt, a.allocateFrom(name).address());
            bpf_attr.raw_tracepoint.prog_fd(rt, program.raw());
            Fd link = Bpf.callForFd(dev.ebpf4j.bindings.BpfCommand.RAW_TRACEPOINT_OPEN, attr);
            return new FdLink("raw_tracepoint " + name, link, null);
        }
    }

    /** A tracepoint ({@code tracepoint/sched/sched_process_exec}): a perf event of the tracepoint's id. */
    public static Link tracepoint(Fd program, String category, String name) {
        int id = Tracefs.tracepointId(category, name);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = perf_event_attr.allocate(a);
            perf_event_attr.type(attr, Uapi.PERF_TYPE_TRACEPOINT());
            perf_event_attr.size(attr, (int) perf_event_attr.sizeof());
            perf_event_attr.config(attr, id);
            Fd perf = Syscall.perfEventOpen(attr, -1, 0, -1, Uapi.PERF_FLAG_FD_CLOEXEC());
            return onPerfEvent(program, perf, "tracepoint " + category + "/" + name);
        }
    }

    /** A kprobe or kretprobe on {@code function} (+ {@code offset}) through the kprobe PMU. */
    public static Link kprobe(Fd program, String function, long offset, boolean retprobe) {
        int type = Tracefs.kprobePmuType();
        long config = retprobe ? 1L << Tracefs.kretprobeBit() : 0;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment attr = perf_event_attr.allocate(a);
            perf_event_attr.type(attr, type);
            perf_event_attr.size(attr, (int) perf_event_attr.sizeof());
            perf_event_attr.config(attr, config);
            perf_event_attr.config1(attr, a.allocateFrom(function).address()); // kprobe_func
            perf_event_attr.config2(attr, offset); // probe_offset
            Fd perf;
            try {
                perf = Syscall.perfEventOpen(attr, -1, 0, -1, Uapi.PERF_FLAG_FD_CLOEXEC());
            } catch (SyscallException e) {
                if (e.is(Errno.ENOENT) || e.is(Errno.EINVAL)) {
                    throw new SyscallException("perf_event_open (kprobe " + function + ")", e.errno());
                }
                throw e;
            }
            return onPerfEvent(program, perf, (retprobe ? "kretprobe " : "kprobe ") + function
                    + (offset != 0 ? "+" + offset : ""));
        }
    }

    /**
     * XDP on interface {@code ifindex} through a bpf_link ({@code BPF_LINK_CREATE}, {@code BPF_XDP}): the link
     * owns the attachment, so nobody can replace it by netlink, and closing it detaches. {@code flags} chooses the
     * mode ({@code XDP_FLAGS_SKB_MODE}/{@code DRV_MODE}/{@code HW_MODE}, or 0 for the driver's best).
     */
    public static Link xdp(Fd program, int ifindex, int flags) {
        try {
            Fd link = Bpf.linkCreate(program, ifindex, AttachType.XDP.value(), flags);
            return new FdLink("xdp ifindex " + ifindex, link, null);
        } catch (BpfException e) {
            if (!e.is(Errno.EINVAL) && !e.is(Errno.EOPNOTSUPP) && !e.is(Errno.ENOTSUPP)) {
                throw e;
            }
            LOG.debug("xdp ifindex {}: BPF_LINK_CREATE refused ({}), attaching by netlink", ifindex, e.errnoName());
        }
        return xdpByNetlink(program, ifindex, flags, false);
    }

    /**
     * XDP on interface {@code ifindex} by netlink ({@code RTM_SETLINK}), as bpftool's {@code net attach} does: it stays
     * attached after the process exits unless the returned link is closed. Never replaces another program unless
     * {@code replace} is true ({@code XDP_FLAGS_UPDATE_IF_NOEXIST} otherwise).
     */
    public static Link xdpByNetlink(Fd program, int ifindex, int flags, boolean replace) {
        try (dev.ebpf4j.loader.netlink.NetlinkSocket nl = dev.ebpf4j.loader.netlink.NetlinkSocket.openRoute()) {
            dev.ebpf4j.loader.netlink.Rtnetlink.attachXdp(nl, ifindex, program.raw(),
                    flags | (replace ? 0 : dev.ebpf4j.loader.netlink.Rtnetlink.XDP_FLAGS_UPDATE_IF_NOEXIST), -1);
        }
        return new NetlinkXdpLink(program, ifindex, flags & (dev.ebpf4j.loader.netlink.Rtnetlink.XDP_FLAGS_SKB_MODE
                | dev.ebpf4j.loader.netlink.Rtnetlink.XDP_FLAGS_DRV_MODE | dev.ebpf4j.loader.netlink.Rtnetlink.XDP_FLAGS_HW_MODE));
    }

    /**
     * tc on interface {@code ifindex}, ingress or egress: a tcx bpf_link ({@code BPF_LINK_CREATE} with
     * {@code BPF_TCX_INGRESS}/{@code BPF_TCX_EGRESS}, kernel 6.6 and later) appended after the programs already there,
     * or, when the kernel refuses tcx ({@code EINVAL}: it does not know the attach type), a classic clsact cls_bpf
     * filter ({@link #tcClassic}). Closing the link detaches.
     */
    public static Link tcx(Fd program, int ifindex, boolean ingress) {
        AttachType type = ingress ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS;
        try {
            Fd link = Bpf.linkCreate(program, ifindex, type.value(), 0);
            return new FdLink("tcx " + (ingress ? "ingress" : "egress") + " ifindex " + ifindex, link, null);
        } catch (BpfException e) {
            if (!e.is(Errno.EINVAL)) {
                throw e;
            }
            LOG.debug("tc ifindex {}: BPF_LINK_CREATE (tcx) refused ({}), attaching a clsact filter", ifindex, e.errnoName());
        }
        return tcClassic(program, ifindex, ingress);
    }

    /**
     * tc the classic way, as {@code tc filter add dev IF ingress bpf da} and libbpf's {@code bpf_tc_attach} do: the
     * {@code clsact} qdisc (added if missing) and a cls_bpf filter in direct-action mode named {@code NAME:[ID]},
     * with the handle and priority the kernel picks. Closing deletes the filter, and the qdisc when this call made it
     * and nothing else is left on it.
     */
    public static Link tcClassic(Fd program, int ifindex, boolean ingress) {
        return tcClassic(program, ifindex, ingress, 0, 0);
    }

    /** {@link #tcClassic(Fd, int, boolean)} with an explicit filter {@code handle} and {@code priority} (0: any). */
    public static Link tcClassic(Fd program, int ifindex, boolean ingress, int handle, int priority) {
        String name;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment info = Bpf.progInfo(program, a);
            name = Bpf.cString(dev.ebpf4j.bindings.uapi.bpf_prog_info.name(info)) + ":["
                    + dev.ebpf4j.bindings.uapi.bpf_prog_info.id(info) + "]";
        }
        try (dev.ebpf4j.loader.netlink.NetlinkSocket nl = dev.ebpf4j.loader.netlink.NetlinkSocket.openRoute()) {
            boolean created = dev.ebpf4j.loader.netlink.TrafficControl.addClsact(nl, ifindex);
            try {
                dev.ebpf4j.loader.netlink.TrafficControl.Filter f = dev.ebpf4j.loader.netlink.TrafficControl.addBpfFilter(
                        nl, ifindex, dev.ebpf4j.loader.netlink.TrafficControl.clsactParent(ingress), handle, priority,
                        program.raw(), name);
                return new TcFilterLink(ifindex, ingress, f, created);
            } catch (RuntimeException e) {
                if (created) {
                    try {
                        dev.ebpf4j.loader.netlink.TrafficControl.deleteClsact(nl, ifindex);
                    } catch (RuntimeException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }
    }

    /** Attaches to a perf event with a bpf_link when the kernel can, else with the ioctl (kernels before 5.15). */
    private static Link onPerfEvent(Fd program, Fd perf, String description) {
        try {
            Fd link = Bpf.linkCreate(program, perf.raw(), AttachType.PERF_EVENT.value(), 0);
            return new FdLink(description, link, perf);
        } catch (BpfException e) {
            if (!e.is(Errno.EINVAL) && !e.is(Errno.EOPNOTSUPP) && !e.is(Errno.ENOTSUPP)) {
                perf.close();
                throw e;
            }
            LOG.debug("{}: BPF_LINK_CREATE refused ({}), attaching with PERF_EVENT_IOC_SET_BPF", description, e.errnoName());
        }
        try {
            Syscall.ioctl(perf, PERF_EVENT_IOC_SET_BPF, program.raw());
            Syscall.ioctl(perf, Uapi.PERF_EVENT_IOC_ENABLE(), 0);
            return new FdLink(description, null, perf);
        } catch (RuntimeException e) {
            perf.close();
            throw e;
        }
    }
}
