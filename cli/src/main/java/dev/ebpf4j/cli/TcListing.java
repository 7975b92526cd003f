package dev.ebpf4j.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfCommand;
import dev.ebpf4j.bindings.BpfException;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.uapi.bpf_prog_info;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.Rtnetlink;
import dev.ebpf4j.loader.netlink.TrafficControl;
import dev.ebpf4j.object.AttachType;

/**
 * The {@code tc} section of {@code net list}: per interface, the tcx programs ({@code BPF_PROG_QUERY} on
 * {@code BPF_TCX_INGRESS}/{@code EGRESS}, printed as bpftool 7.3+ prints them:
 * {@code veth0(12) tcx/ingress classify prog_id 42 link_id 7 }; bpftool 7.1 does not know tcx), then the cls_bpf
 * filters of the clsact qdisc's ingress and egress hooks, as bpftool 7.1 prints them
 * ({@code veth0(12) clsact/ingress classify:[42] id 42}). Filters on other qdiscs and classes are not listed.
 */
final class TcListing {
    private TcListing() {}

    /** One line of the section: text and JSON. */
    record Entry(String text, ObjectNode json) {}

    static List<Entry> entries(NetlinkSocket nl, Rtnetlink.Link dev) {
        List<Entry> out = new ArrayList<>();
        tcx(dev, true, out);
        tcx(dev, false, out);
        classic(nl, dev, TrafficControl.PARENT_INGRESS, "clsact/ingress", out);
        classic(nl, dev, TrafficControl.PARENT_EGRESS, "clsact/egress", out);
        return out;
    }

    private static void classic(NetlinkSocket nl, Rtnetlink.Link dev, int parent, String kind, List<Entry> out) {
        for (TrafficControl.Filter f : TrafficControl.filters(nl, dev.index(), parent)) {
            if (!"bpf".equals(f.kind())) {
                continue;
            }
            StringBuilder text = new StringBuilder(dev.name() + "(" + dev.index() + ") " + kind);
            ObjectNode n = head(dev, kind);
            if (f.bpfName() != null) {
                text.append(' ').append(f.bpfName());
                n.put("name", f.bpfName());
            }
            if (f.bpfProgId() != 0) {
                text.append(" id ").append(Integer.toUnsignedString(f.bpfProgId()));
                n.put("id", Integer.toUnsignedLong(f.bpfProgId()));
            }
            out.add(new Entry(text.toString(), n));
        }
    }

    private static void tcx(Rtnetlink.Link dev, boolean ingress, List<Entry> out) {
        String kind = ingress ? "tcx/ingress" : "tcx/egress";
        int max = 64;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment progIds = a.allocate(ValueLayout.JAVA_INT, max);
            MemorySegment progFlags = a.allocate(ValueLayout.JAVA_INT, max);
            MemorySegment linkIds = a.allocate(ValueLayout.JAVA_INT, max);
            MemorySegment linkFlags = a.allocate(ValueLayout.JAVA_INT, max);
            MemorySegment attr = Bpf.newAttr(a);
            // struct { target_ifindex; attach_type; query_flags; attach_flags; prog_ids; count; :32;
            //          prog_attach_flags; link_ids; link_attach_flags; revision } query (6.6 layout, by offset)
            attr.set(ValueLayout.JAVA_INT, 0, dev.index());
            attr.set(ValueLayout.JAVA_INT, 4, (ingress ? AttachType.TCX_INGRESS : AttachType.TCX_EGRESS).value());
            attr.set(ValueLayout.JAVA_LONG, 16, progIds.address());
            attr.set(ValueLayout.JAVA_INT, 24, max);
            attr.set(ValueLayout.JAVA_LONG, 32, progFlags.address());
            attr.set(ValueLayout.JAVA_LONG, 40, linkIds.address());
            attr.set(ValueLayout.JAVA_LONG, 48, linkFlags.address());
            try {
                Bpf.call(BpfCommand.PROG_QUERY, attr);
            } catch (BpfException e) {
                if (e.is(Errno.EINVAL) || e.is(Errno.ENOENT) || e.is(Errno.EOPNOTSUPP)) {
                    return; // no tcx on this kernel, or nothing attached
                }
                throw e;
            }
            int count = Math.min(max, attr.get(ValueLayout.JAVA_INT, 24));
            for (int i = 0; i < count; i++) {
                int progId = progIds.getAtIndex(ValueLayout.JAVA_INT, i);
                int linkId = linkIds.getAtIndex(ValueLayout.JAVA_INT, i);
                int pf = progFlags.getAtIndex(ValueLayout.JAVA_INT, i);
                int lf = linkFlags.getAtIndex(ValueLayout.JAVA_INT, i);
                StringBuilder text = new StringBuilder(dev.name() + "(" + dev.index() + ") " + kind);
                ObjectNode n = head(dev, kind);
                String name = progName(progId);
                if (name != null) {
                    text.append(' ').append(name);
                    n.put("name", name);
                }
                text.append(" prog_id ").append(Integer.toUnsignedString(progId)).append(' ');
                n.put("prog_id", Integer.toUnsignedLong(progId));
                flags(text, n, "prog_flags", pf, true);
                if (linkId != 0) {
                    text.append("link_id ").append(Integer.toUnsignedString(linkId)).append(' ');
                }
                n.put("link_id", Integer.toUnsignedLong(linkId)); // JSON: always, as bpftool
                flags(text, n, "link_flags", lf, linkId != 0);
                out.add(new Entry(text.toString(), n));
            }
        }
    }

    /** bpftool's flag arrays: in JSON always, in text only when set ({@code prog_flags 4 }). */
    private static void flags(StringBuilder text, ObjectNode n, String name, int flags, boolean inText) {
        ArrayNode arr = n.putArray(name);
        if (flags != 0 && inText) {
            text.append(name).append(' ');
        }
        for (int j = 0; j < 32; j++) {
            if ((flags & (1 << j)) != 0) {
                arr.add(Integer.toUnsignedLong(1 << j));
                if (inText) {
                    text.append(Integer.toUnsignedString(1 << j)).append(' ');
                }
            }
        }
    }

    private static ObjectNode head(Rtnetlink.Link dev, String kind) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("devname", dev.name());
        n.put("ifindex", dev.index());
        n.put("kind", kind);
        return n;
    }

    private static String progName(int id) {
        try (Fd fd = Bpf.progGetFdById(id); Arena a = Arena.ofConfined()) {
            return Bpf.cString(bpf_prog_info.name(Bpf.progInfo(fd, a)));
        } catch (BpfException e) {
            return null;
        }
    }
}
