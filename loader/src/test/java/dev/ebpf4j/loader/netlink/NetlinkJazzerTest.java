package dev.ebpf4j.loader.netlink;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing (Jazzer) of everything that reads a netlink datagram: the message splitter, the
 * attribute walker, RTM_NEWLINK (interfaces and their XDP state), RTM_NEWTFILTER (tc filters) and NLMSG_ERROR
 * (error code and extended-ack message). Seeds: replies built in the kernel's layout (see {@link #replies()}) and the
 * running kernel's own reply for the loopback interface. A crash is anything but a {@link MalformedNetlinkException}
 * with a message.
 */
class NetlinkJazzerTest {
    private static final int NLMSGERR_ATTR_MSG = 1;
    private static final int EBUSY = 16;
    // ifinfomsg attributes a real RTM_NEWLINK carries besides the name and XDP
    private static final int IFLA_ADDRESS = 1;
    private static final int IFLA_MTU = 4;
    private static final int IFLA_TXQLEN = 13;
    private static final int IFLA_OPERSTATE = 16;

    @MethodSource("replies")
    @FuzzTest(maxDuration = "30s")
    void datagram(byte[] input) {
        try {
            parse(input);
        } catch (MalformedNetlinkException e) {
            if (e.getMessage() == null || e.getMessage().isBlank()) {
                throw new AssertionError("MalformedNetlinkException without a message", e);
            }
        }
    }

    /** What the loader does with a datagram it receives: every reader it has, on every message. */
    static void parse(byte[] datagram) {
        for (NetlinkMessage m : NetlinkMessage.parseAll(ByteBuffer.wrap(datagram))) {
            switch (m.type()) {
                case Rtnetlink.RTM_NEWLINK -> Rtnetlink.parseLink(m.payload());
                case TrafficControl.RTM_NEWTFILTER -> TrafficControl.parseFilter(m.payload());
                case NetlinkMessage.NLMSG_ERROR -> {
                    if (m.payload().limit() >= 4) {
                        m.payload().getInt(0);
                        NetlinkSocket.extackMessage(m);
                    }
                }
                default -> {
                    for (ByteBuffer a : NetlinkMessage.attributes(m.payload(), 0).values()) {
                        NetlinkMessage.string(a);
                    }
                }
            }
        }
    }

    static Stream<Arguments> replies() {
        List<byte[]> out = new ArrayList<>();
        // an interface dump: three interfaces, XDP none / native / several programs, then NLMSG_DONE
        out.add(concat(link(1, "lo", -1, 0), link(7, "veth-fuzz0", 1, 42), link(8, "veth-fuzz1", 4, 43),
                done()));
        out.add(link(9, "veth-fuzz2", 2, 44));
        out.add(link(10, "veth-fuzz3", 3, 45));
        // an ack, and an error with the kernel's extended-ack message
        out.add(error(0, null));
        out.add(error(-EBUSY, "XDP program already attached"));
        // tc: a cls_bpf filter in direct-action mode, a filter of another kind, the end of the dump
        out.add(concat(filter("bpf", "count_packets", 17, TrafficControl.TCA_BPF_FLAG_ACT_DIRECT), filter("u32", null, 0, 0),
                done()));
        captureLoopback().ifPresent(out::add);
        return out.stream().map(Arguments::of);
    }

    /**
     * The running kernel's own RTM_NEWLINK reply for the loopback interface (index 1, read only), with every attribute
     * it carries, re-serialised byte for byte; empty where netlink cannot be used.
     */
    static java.util.Optional<byte[]> captureLoopback() {
        try (NetlinkSocket socket = NetlinkSocket.openRoute()) {
            NetlinkMessage.Builder req = new NetlinkMessage.Builder(Rtnetlink.RTM_GETLINK, NetlinkMessage.NLM_F_REQUEST)
                    .bytes(ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putInt(4, 1).array());
            for (NetlinkMessage m : socket.request("RTM_GETLINK", req)) {
                if (m.type() == Rtnetlink.RTM_NEWLINK) {
                    ByteBuffer b = ByteBuffer.allocate(NetlinkMessage.HEADER_SIZE + m.payload().limit()).order(ByteOrder.nativeOrder());
                    b.putInt(b.capacity()).putShort((short) m.type()).putShort((short) m.flags()).putInt(m.seq())
                            .putInt(m.portId()).put(m.payload().duplicate().position(0));
                    return java.util.Optional.of(b.array());
                }
            }
        } catch (RuntimeException | LinkageError e) {
            // no netlink here: the built replies seed the fuzzer alone
        }
        return java.util.Optional.empty();
    }

    private static byte[] link(int ifindex, String name, int xdpAttached, int progId) {
        NetlinkMessage.Builder b = new NetlinkMessage.Builder(Rtnetlink.RTM_NEWLINK, NetlinkMessage.NLM_F_MULTI)
                .bytes(ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putInt(4, ifindex).putInt(8, 0x1043).array())
                .attrString(Rtnetlink.IFLA_IFNAME, name)
                .attrInt(IFLA_MTU, 1500)
                .attrInt(IFLA_TXQLEN, 1000)
                .attr(IFLA_OPERSTATE, new byte[] {6})
                .attr(IFLA_ADDRESS, new byte[] {0x02, 0x42, (byte) 0xc6, 0x12, 0, (byte) ifindex});
        if (xdpAttached >= 0) {
            b.beginNested(Rtnetlink.IFLA_XDP).attr(Rtnetlink.IFLA_XDP_ATTACHED, new byte[] {(byte) xdpAttached});
            if (xdpAttached == 4) {
                b.attrInt(Rtnetlink.IFLA_XDP_SKB_PROG_ID, progId).attrInt(Rtnetlink.IFLA_XDP_DRV_PROG_ID, progId + 1);
            } else if (xdpAttached > 0) {
                b.attrInt(Rtnetlink.IFLA_XDP_PROG_ID, progId);
            }
            b.endNested();
        }
        return b.build(1);
    }

    private static byte[] filter(String kind, String name, int progId, int flags) {
        NetlinkMessage.Builder b = new NetlinkMessage.Builder(TrafficControl.RTM_NEWTFILTER, NetlinkMessage.NLM_F_MULTI)
                .bytes(ByteBuffer.allocate(20).order(ByteOrder.nativeOrder()).putInt(4, 7).putInt(8, 1)
                        .putInt(12, TrafficControl.PARENT_INGRESS).putInt(16, (1 << 16) | 0x0300).array())
                .attrString(TrafficControl.TCA_KIND, kind);
        if (name != null) {
            b.beginNested(TrafficControl.TCA_OPTIONS).attrString(TrafficControl.TCA_BPF_NAME, name)
                    .attrInt(TrafficControl.TCA_BPF_ID, progId).attrInt(TrafficControl.TCA_BPF_FLAGS, flags).endNested();
        }
        return b.build(1);
    }

    /** NLMSG_ERROR: the error code, the (capped) request header, extended-ack attributes when there is a message. */
    private static byte[] error(int code, String message) {
        ByteBuffer body = ByteBuffer.allocate(20).order(ByteOrder.nativeOrder()).putInt(0, code).putInt(4, 32)
                .putShort(8, (short) Rtnetlink.RTM_SETLINK).putInt(16, 1);
        NetlinkMessage.Builder b = new NetlinkMessage.Builder(NetlinkMessage.NLMSG_ERROR,
                message == null ? 0 : NetlinkMessage.NLM_F_ACK_TLVS).bytes(body.array());
        if (message != null) {
            b.attr(NLMSGERR_ATTR_MSG, (message + "\0").getBytes(StandardCharsets.UTF_8));
        }
        return b.build(1);
    }

    private static byte[] done() {
        return new NetlinkMessage.Builder(NetlinkMessage.NLMSG_DONE, NetlinkMessage.NLM_F_MULTI).bytes(new byte[4]).build(1);
    }

    private static byte[] concat(byte[]... messages) {
        int n = 0;
        for (byte[] m : messages) {
            n += m.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] m : messages) {
            b.put(m);
        }
        return b.array();
    }

    /**
     * Found by Jazzer (NetlinkJazzerTestInputs/datagram/tcmsg-shorter-than-its-header): an RTM_NEWTFILTER whose payload
     * is shorter than struct tcmsg, or whose TCA_BPF_ID is shorter than 4 bytes, threw IndexOutOfBoundsException.
     */
    @org.junit.jupiter.api.Test
    void shortFilterRepliesAreMalformed() {
        byte[] shortHeader = new NetlinkMessage.Builder(TrafficControl.RTM_NEWTFILTER, 0).bytes(new byte[8]).build(1);
        MalformedNetlinkException e = org.junit.jupiter.api.Assertions.assertThrows(MalformedNetlinkException.class,
                () -> parse(shortHeader));
        org.junit.jupiter.api.Assertions.assertEquals("RTM_NEWTFILTER payload of 8 bytes is shorter than struct tcmsg (20)",
                e.getMessage());
        byte[] shortId = new NetlinkMessage.Builder(TrafficControl.RTM_NEWTFILTER, 0).bytes(new byte[20])
                .attrString(TrafficControl.TCA_KIND, "bpf").beginNested(TrafficControl.TCA_OPTIONS)
                .attr(TrafficControl.TCA_BPF_ID, new byte[] {1, 2}).endNested().build(1);
        e = org.junit.jupiter.api.Assertions.assertThrows(MalformedNetlinkException.class, () -> parse(shortId));
        org.junit.jupiter.api.Assertions.assertEquals("TCA_BPF_ID attribute of 2 bytes, expected 4", e.getMessage());
    }

    /** The seeds parse as intended (so the fuzzer starts from replies that reach every reader). */
    @org.junit.jupiter.api.Test
    void seedsParse() {
        List<byte[]> seeds = replies().map(a -> (byte[]) a.get()[0]).toList();
        List<NetlinkMessage> dump = NetlinkMessage.parseAll(ByteBuffer.wrap(seeds.getFirst()));
        org.junit.jupiter.api.Assertions.assertEquals(4, dump.size());
        Rtnetlink.Link veth = Rtnetlink.parseLink(dump.get(1).payload());
        org.junit.jupiter.api.Assertions.assertEquals("veth-fuzz0", veth.name());
        org.junit.jupiter.api.Assertions.assertEquals(42, veth.xdp().progId());
        NetlinkMessage err = NetlinkMessage.parseAll(ByteBuffer.wrap(seeds.get(4))).getFirst();
        org.junit.jupiter.api.Assertions.assertEquals("XDP program already attached", NetlinkSocket.extackMessage(err));
        NetlinkMessage f = NetlinkMessage.parseAll(ByteBuffer.wrap(seeds.get(5))).getFirst();
        TrafficControl.Filter filter = TrafficControl.parseFilter(f.payload());
        org.junit.jupiter.api.Assertions.assertEquals("count_packets", filter.bpfName());
        org.junit.jupiter.api.Assertions.assertEquals(17, filter.bpfProgId());
        captureLoopback().ifPresent(lo -> org.junit.jupiter.api.Assertions.assertEquals("lo",
                Rtnetlink.parseLink(NetlinkMessage.parseAll(ByteBuffer.wrap(lo)).getFirst().payload()).name()));
        Map<Integer, ByteBuffer> none = NetlinkMessage.attributes(ByteBuffer.allocate(0), 0);
        org.junit.jupiter.api.Assertions.assertTrue(none.isEmpty());
    }
}
