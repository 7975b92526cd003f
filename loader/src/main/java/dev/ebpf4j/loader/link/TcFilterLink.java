package dev.ebpf4j.loader.link;

import java.nio.file.Path;

import dev.ebpf4j.loader.netlink.NetlinkException;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.TrafficControl;

/**
 * A classic tc attachment: a cls_bpf filter on the clsact qdisc (kernels without tcx). Closing deletes the filter,
 * and the clsact qdisc too when this link created it and no other filter is left on it.
 */
final class TcFilterLink implements Link {
    private final int ifindex;
    private final boolean ingress;
    private final TrafficControl.Filter filter;
    private final boolean createdQdisc;
    private boolean attached = true;

    TcFilterLink(int ifindex, boolean ingress, TrafficControl.Filter filter, boolean createdQdisc) {
        this.ifindex = ifindex;
        this.ingress = ingress;
        this.filter = filter;
        this.createdQdisc = createdQdisc;
    }

    /** The filter as the kernel created it (handle and priority). */
    TrafficControl.Filter filter() {
        return filter;
    }

    @Override
    public String describe() {
        return "tc " + (ingress ? "ingress" : "egress") + " ifindex " + ifindex + " (clsact filter handle 0x"
                + Integer.toHexString(filter.handle()) + " pref " + filter.priority() + ")";
    }

    @Override
    public synchronized boolean attached() {
        return attached;
    }

    @Override
    public void pin(Path path) {
        throw new UnsupportedOperationException(describe() + ": a cls_bpf filter has no bpf_link to pin; it stays"
                + " attached until its filter is deleted");
    }

    @Override
    public synchronized void close() {
        if (!attached) {
            return;
        }
        attached = false;
        try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
            try {
                TrafficControl.deleteBpfFilter(nl, ifindex, filter.parent(), filter.handle(), filter.priority());
            } catch (NetlinkException e) {
                // ENODEV: the interface is gone with its filters; ENOENT/EINVAL: someone deleted it or its qdisc
                if (!gone(e)) {
                    throw e;
                }
                return;
            }
            if (createdQdisc && TrafficControl.filters(nl, ifindex, TrafficControl.PARENT_INGRESS).isEmpty()
                    && TrafficControl.filters(nl, ifindex, TrafficControl.PARENT_EGRESS).isEmpty()) {
                try {
                    TrafficControl.deleteClsact(nl, ifindex);
                } catch (NetlinkException e) {
                    if (!gone(e)) {
                        throw e;
                    }
                }
            }
        }
    }

    private static boolean gone(NetlinkException e) {
        return switch (e.errnoName()) {
            case "ENODEV", "ENOENT", "EINVAL" -> true;
            default -> false;
        };
    }

    @Override
    public String toString() {
        return "Link[" + describe() + (attached() ? "" : ", detached") + "]";
    }
}
