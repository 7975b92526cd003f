package dev.ebpf4j.loader.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The rtnetlink requests ebpf4j makes: list network interfaces with their XDP programs, attach and detach XDP
 * programs ({@code RTM_SETLINK} with {@code IFLA_XDP}).
 */
public final class Rtnetlink {
    static final int RTM_NEWLINK = 16;
    static final int RTM_GETLINK = 18;
    static final int RTM_SETLINK = 19;
    static final int IFLA_IFNAME = 3;
    static final int IFLA_XDP = 43;
    static final int IFLA_XDP_FD = 1;
    static final int IFLA_XDP_ATTACHED = 2;
    static final int IFLA_XDP_FLAGS = 3;
    static final int IFLA_XDP_PROG_ID = 4;
    static final int IFLA_XDP_DRV_PROG_ID = 5;
    static final int IFLA_XDP_SKB_PROG_ID = 6;
    static final int IFLA_XDP_HW_PROG_ID = 7;
    static final int IFLA_XDP_EXPECTED_FD = 8;
    private static final int IFINFOMSG_SIZE = 16;

    /** {@code XDP_FLAGS_*}. */
    public static final int XDP_FLAGS_UPDATE_IF_NOEXIST = 1;
    public static final int XDP_FLAGS_SKB_MODE = 1 << 1;
    public static final int XDP_FLAGS_DRV_MODE = 1 << 2;
    public static final int XDP_FLAGS_HW_MODE = 1 << 3;
    public static final int XDP_FLAGS_REPLACE = 1 << 4;

    private Rtnetlink() {}

    /** How an XDP program is attached ({@code XDP_ATTACHED_*}). */
    public enum XdpMode {
        NONE, DRIVER, GENERIC, OFFLOAD, MULTI;

        /** bpftool's word: {@code driver}, {@code generic}, {@code offload}. */
        public String bpftoolName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** The XDP state of an interface: the mode and the program ids per mode (0 = none). */
    public record XdpState(XdpMode mode, int progId, int driverProgId, int genericProgId, int offloadProgId) {
        public static final XdpState NONE = new XdpState(XdpMode.NONE, 0, 0, 0, 0);
    }

    /** A network interface as {@code RTM_GETLINK} reports it. */
    public record Link(int index, String name, XdpState xdp) {}

    /** Every interface of the current network namespace. */
    public static List<Link> links(NetlinkSocket socket) {
        NetlinkMessage.Builder req = new NetlinkMessage.Builder(RTM_GETLINK,
                NetlinkMessage.NLM_F_REQUEST | NetlinkMessage.NLM_F_DUMP).bytes(ifinfomsg(0));
        List<Link> out = new ArrayList<>();
        for (NetlinkMessage m : socket.request("RTM_GETLINK", req)) {
            if (m.type() == RTM_NEWLINK) {
                out.add(parseLink(m.payload()));
            }
        }
        return out;
    }

    /** One interface by index. */
    public static Link link(NetlinkSocket socket, int ifindex) {
        NetlinkMessage.Builder req = new NetlinkMessage.Builder(RTM_GETLINK, NetlinkMessage.NLM_F_REQUEST).bytes(ifinfomsg(ifindex));
        for (NetlinkMessage m : socket.request("RTM_GETLINK", req)) {
            if (m.type() == RTM_NEWLINK) {
                return parseLink(m.payload());
            }
        }
        throw new NetlinkException("RTM_GETLINK", 19, "no reply for interface " + ifindex);
    }

    static Link parseLink(ByteBuffer payload) {
        ByteBuffer b = payload.duplicate().order(ByteOrder.nativeOrder());
        if (b.limit() < IFINFOMSG_SIZE) {
            throw new MalformedNetlinkException("RTM_NEWLINK payload of " + b.limit() + " bytes is shorter than"
                    + " struct ifinfomsg (" + IFINFOMSG_SIZE + ")");
        }
        int index = b.getInt(4);
        Map<Integer, ByteBuffer> attrs = NetlinkMessage.attributes(b, IFINFOMSG_SIZE);
        String name = attrs.containsKey(IFLA_IFNAME) ? NetlinkMessage.string(attrs.get(IFLA_IFNAME)) : "";
        XdpState xdp = XdpState.NONE;
        ByteBuffer nested = attrs.get(IFLA_XDP);
        if (nested != null) {
            Map<Integer, ByteBuffer> x = NetlinkMessage.attributes(nested, 0);
            ByteBuffer attachedAttr = x.get(IFLA_XDP_ATTACHED);
            int attached = attachedAttr != null && attachedAttr.limit() >= 1 ? attachedAttr.get(0) & 0xff : 0;
            XdpMode mode = attached < XdpMode.values().length ? XdpMode.values()[attached] : XdpMode.MULTI;
            xdp = new XdpState(mode, u32(x, IFLA_XDP_PROG_ID), u32(x, IFLA_XDP_DRV_PROG_ID), u32(x, IFLA_XDP_SKB_PROG_ID),
                    u32(x, IFLA_XDP_HW_PROG_ID));
            if (mode != XdpMode.MULTI && xdp.progId() != 0) {
                // A single attachment reports only IFLA_XDP_PROG_ID: file it under its mode too.
                xdp = new XdpState(mode, xdp.progId(), mode == XdpMode.DRIVER ? xdp.progId() : xdp.driverProgId(),
                        mode == XdpMode.GENERIC ? xdp.progId() : xdp.genericProgId(),
                        mode == XdpMode.OFFLOAD ? xdp.progId() : xdp.offloadProgId());
            }
        }
        return new Link(index, name, xdp);
    }

    private static int u32(Map<Integer, ByteBuffer> attrs, int type) {
        ByteBuffer v = attrs.get(type);
        return v == null || v.limit() < 4 ? 0 : v.getInt(0);
    }

    /**
     * Attaches program {@code progFd} to interface {@code ifindex} with {@code flags} (a mode and, unless replacing
     * deliberately, {@link #XDP_FLAGS_UPDATE_IF_NOEXIST}). With {@code expectedFd} ≥ 0 and
     * {@link #XDP_FLAGS_REPLACE}, replaces only if that program is the one attached.
     */
    public static void attachXdp(NetlinkSocket socket, int ifindex, int progFd, int flags, int expectedFd) {
        NetlinkMessage.Builder req = new NetlinkMessage.Builder(RTM_SETLINK, NetlinkMessage.NLM_F_REQUEST)
                .bytes(ifinfomsg(ifindex))
                .beginNested(IFLA_XDP)
                .attrInt(IFLA_XDP_FD, progFd);
        if (flags != 0) {
            req.attrInt(IFLA_XDP_FLAGS, flags);
        }
        if (expectedFd >= 0) {
            req.attrInt(IFLA_XDP_EXPECTED_FD, expectedFd);
        }
        socket.request("RTM_SETLINK (attach XDP)", req.endNested());
    }

    /** Detaches the XDP program attached to {@code ifindex} in the mode {@code flags} names. */
    public static void detachXdp(NetlinkSocket socket, int ifindex, int flags) {
        NetlinkMessage.Builder req = new NetlinkMessage.Builder(RTM_SETLINK, NetlinkMessage.NLM_F_REQUEST)
                .bytes(ifinfomsg(ifindex))
                .beginNested(IFLA_XDP)
                .attrInt(IFLA_XDP_FD, -1);
        if (flags != 0) {
            req.attrInt(IFLA_XDP_FLAGS, flags);
        }
        socket.request("RTM_SETLINK (detach XDP)", req.endNested());
    }

    /** {@code struct ifinfomsg} for {@code ifindex}, family AF_UNSPEC. */
    private static byte[] ifinfomsg(int ifindex) {
        return ByteBuffer.allocate(IFINFOMSG_SIZE).order(ByteOrder.nativeOrder()).putInt(4, ifindex).array();
    }
}
