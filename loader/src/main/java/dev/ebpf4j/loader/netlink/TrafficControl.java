package dev.ebpf4j.loader.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The rtnetlink traffic-control requests ebpf4j makes for classic (pre-tcx) tc BPF: the {@code clsact} qdisc and
 * {@code cls_bpf} filters on its ingress and egress hooks ({@code RTM_NEWQDISC}, {@code RTM_NEWTFILTER},
 * {@code RTM_DELTFILTER}, {@code RTM_GETTFILTER} dumps), as {@code tc filter add ... bpf da} and libbpf's
 * {@code bpf_tc_attach} make them.
 */
public final class TrafficControl {
    static final int RTM_NEWQDISC = 36;
    static final int RTM_DELQDISC = 37;
    static final int RTM_NEWTFILTER = 44;
    static final int RTM_DELTFILTER = 45;
    static final int RTM_GETTFILTER = 46;
    static final int NLM_F_ECHO = 0x8;
    static final int NLM_F_EXCL = 0x200;
    static final int NLM_F_CREATE = 0x400;
    static final int TCA_KIND = 1;
    static final int TCA_OPTIONS = 2;
    static final int TCA_BPF_ACT = 1;
    static final int TCA_BPF_FD = 6;
    static final int TCA_BPF_NAME = 7;
    static final int TCA_BPF_FLAGS = 8;
    static final int TCA_BPF_TAG = 10;
    static final int TCA_BPF_ID = 11;
    /** {@code TCA_BPF_FLAG_ACT_DIRECT}: the program's return value is the tc action (direct-action mode). */
    public static final int TCA_BPF_FLAG_ACT_DIRECT = 1;
    /** {@code TC_H_CLSACT} (= {@code TC_H_INGRESS}): the clsact qdisc's parent. */
    public static final int TC_H_CLSACT = 0xFFFFFFF1;
    /** The clsact qdisc's own handle, {@code ffff:}. */
    public static final int CLSACT_HANDLE = 0xFFFF0000;
    /** {@code TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS)}: the parent of ingress filters. */
    public static final int PARENT_INGRESS = 0xFFFFFFF2;
    /** {@code TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS)}: the parent of egress filters. */
    public static final int PARENT_EGRESS = 0xFFFFFFF3;
    private static final int ETH_P_ALL = 0x0003;
    private static final int TCMSG_SIZE = 20;

    private TrafficControl() {}

    /** A tc filter as a dump reports it; {@code kind} is the classifier ({@code bpf} for cls_bpf). */
    public record Filter(int ifindex, int parent, int handle, int priority, String kind, String bpfName, int bpfProgId,
                         int bpfFlags) {
        /** True for a cls_bpf filter with a program. */
        public boolean isBpf() {
            return "bpf".equals(kind) && bpfProgId != 0;
        }
    }

    /** The parent handle of the clsact hook: {@link #PARENT_INGRESS} or {@link #PARENT_EGRESS}. */
    public static int clsactParent(boolean ingress) {
        return ingress ? PARENT_INGRESS : PARENT_EGRESS;
    }

    /**
     * Adds the {@code clsact} qdisc to {@code ifindex}.
     *
     * @return true if this call created it, false if the interface already had one
     */
    public static boolean addClsact(NetlinkSocket socket, int ifindex) {
        NetlinkMessage.Builder req = new NetlinkMessage.Builder(RTM_NEWQDISC,
                NetlinkMessage.NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL)
                .bytes(tcmsg(ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0))
                .attrString(TCA_KIND, "clsact");
        try {
            socket.request("RTM_NEWQDISC (clsact)", req);
            return true;
        } catch (NetlinkException e) {
            if ("EEXIST".equals(e.errnoName())) {
                return false;
            }
            throw e;
        }
    }

    /** Deletes the {@code clsact} qdisc of {@code ifindex} (and every filter on it). */
    public static void deleteClsact(NetlinkSocket socket, int ifindex) {
        NetlinkMessage.Builder req = new NetlinkMessage.Builder(RTM_DELQDISC, NetlinkMessage.NLM_F_REQUEST)
                .bytes(tcmsg(ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0))
                .attrString(TCA_KIND, "clsact");
        socket.request("RTM_DELQDISC (clsact)", req);
    }

    /**
     * Adds a cls_bpf filter in direct-action mode running {@code progFd} under {@code parent}, named {@code name}.
     * A {@code handle} or {@code priority} of 0 lets the kernel choose; never replaces an existing filter.
     *
     * @return the filter as created, with the handle and priority the kernel gave it
     */
    public static Filter addBpfFilter(NetlinkSocket socket, int ifindex, int parent, int handle, int priority,
                                      int progFd, String name) {
        if (priority < 0 || priority > 0xFFFF) {
            throw new IllegalArgumentException("tc filter priority " + priority + " is not in 0..65535");
        }
        NetlinkMessage.Builder req = new NetlinkMessage.Builder(RTM_NEWTFILTER,
                NetlinkMessage.NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO)
                .bytes(tcmsg(ifindex, handle, parent, info(priority)))
                .attrString(TCA_KIND, "bpf")
                .beginNested(TCA_OPTIONS)
                .attrInt(TCA_BPF_FD, progFd)
                .attrString(TCA_BPF_NAME, name)
                .attrInt(TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT)
                .endNested();
        for (NetlinkMessage m : socket.request("RTM_NEWTFILTER (bpf)", req)) {
            if (m.type() == RTM_NEWTFILTER) {
                return parseFilter(m.payload());
            }
        }
        if (handle != 0 && priority != 0) {
            return new Filter(ifindex, parent, handle, priority, "bpf", name, 0, TCA_BPF_FLAG_ACT_DIRECT);
        }
        throw new NetlinkException("RTM_NEWTFILTER (bpf)", 71 /* EPROTO */, "the kernel did not echo the new filter");
    }

    /** Deletes the cls_bpf filter {@code handle} at {@code priority} under {@code parent}. */
    public static void deleteBpfFilter(NetlinkSocket socket, int ifindex, int parent, int handle, int priority) {
        NetlinkMessage.Builder req = new NetlinkMessage.Builder(RTM_DELTFILTER, NetlinkMessage.NLM_F_REQUEST)
                .bytes(tcmsg(ifindex, handle, parent, info(priority)))
                .attrString(TCA_KIND, "bpf");
        socket.request("RTM_DELTFILTER (bpf)", req);
    }

    /**
     * The filters under {@code parent} of {@code ifindex} (empty when there is no such qdisc), each with its
     * options; the per-priority heads a dump also reports (handle 0, no options) are left out.
     */
    public static List<Filter> filters(NetlinkSocket socket, int ifindex, int parent) {
        NetlinkMessage.Builder req = new NetlinkMessage.Builder(RTM_GETTFILTER,
                NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_DUMP)
                .bytes(tcmsg(ifindex, 0, parent, 0));
        List<Filter> out = new ArrayList<>();
        for (NetlinkMessage m : socket.request("RTM_GETTFILTER", req)) {
            if (m.type() == RTM_NEWTFILTER) {
                Filter f = parseFilter(m.payload());
                if (f.handle() != 0) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    static Filter parseFilter(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate().order(ByteOrder.nativeOrder());
        if (b.limit() < TCMSG_SIZE) {
            throw new MalformedNetlinkException("RTM_NEWTFILTER payload of " + b.limit() + " bytes is shorter than"
                    + " struct tcmsg (" + TCMSG_SIZE + ")");
        }
        int ifindex = b.getInt(4);
        int handle = b.getInt(8);
        int parent = b.getInt(12);
        int info = b.getInt(16);
        Map<Integer, ByteBuffer> attrs = NetlinkMessage.attributes(b, TCMSG_SIZE);
        String kind = attrs.containsKey(TCA_KIND) ? NetlinkMessage.string(attrs.get(TCA_KIND)) : "";
        String name = null;
        int id = 0;
        int flags = 0;
        ByteBuffer options = attrs.get(TCA_OPTIONS);
        if (options != null && "bpf".equals(kind)) {
            Map<Integer, ByteBuffer> o = NetlinkMessage.attributes(options, 0);
            name = o.containsKey(TCA_BPF_NAME) ? NetlinkMessage.string(o.get(TCA_BPF_NAME)) : null;
            id = u32(o, TCA_BPF_ID, "TCA_BPF_ID");
            flags = u32(o, TCA_BPF_FLAGS, "TCA_BPF_FLAGS");
        }
        return new Filter(ifindex, parent, handle, info >>> 16, kind, name, id, flags);
    }

    /** A u32 attribute, 0 when absent. */
    private static int u32(Map<Integer, ByteBuffer> attrs, int type, String name) {
        ByteBuffer v = attrs.get(type);
        if (v == null) {
            return 0;
        }
        if (v.limit() < 4) {
            throw new MalformedNetlinkException(name + " attribute of " + v.limit() + " bytes, expected 4");
        }
        return v.getInt(0);
    }

    /** {@code tcm_info}: {@code TC_H_MAKE(priority << 16, htons(ETH_P_ALL))}. */
    private static int info(int priority) {
        int protocol = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Short.reverseBytes((short) ETH_P_ALL) & 0xFFFF
                : ETH_P_ALL;
        return (priority << 16) | protocol;
    }

    /** {@code struct tcmsg}: family AF_UNSPEC, ifindex, handle, parent, info. */
    private static byte[] tcmsg(int ifindex, int handle, int parent, int info) {
        return ByteBuffer.allocate(TCMSG_SIZE).order(ByteOrder.nativeOrder())
                .putInt(4, ifindex).putInt(8, handle).putInt(12, parent).putInt(16, info).array();
    }
}
