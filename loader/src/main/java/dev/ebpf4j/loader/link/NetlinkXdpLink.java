package dev.ebpf4j.loader.link;

import java.nio.file.Path;

import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.loader.netlink.NetlinkException;
import dev.ebpf4j.loader.netlink.NetlinkSocket;
import dev.ebpf4j.loader.netlink.Rtnetlink;

/**
 * XDP attached by netlink (kernels without XDP bpf_link). Closing detaches only if this program is still the one
 * attached ({@code XDP_FLAGS_REPLACE} with the expected fd), so it never removes someone else's program.
 */
final class NetlinkXdpLink implements Link {
    private final Fd program;
    private final int ifindex;
    private final int modeFlags;
    private boolean attached = true;

    NetlinkXdpLink(Fd program, int ifindex, int modeFlags) {
        this.program = program.dup();
        this.ifindex = ifindex;
        this.modeFlags = modeFlags;
    }

    @Override
    public String describe() {
        return "xdp ifindex " + ifindex + " (netlink)";
    }

    @Override
    public synchronized boolean attached() {
        return attached;
    }

    @Override
    public void pin(Path path) {
        throw new UnsupportedOperationException(describe() + ": an XDP program attached by netlink has no bpf_link to pin;"
                + " it stays attached until detached (ebpf4j net detach xdp dev IFNAME)");
    }

    @Override
    public synchronized void close() {
        if (!attached) {
            return;
        }
        attached = false;
        try (NetlinkSocket nl = NetlinkSocket.openRoute()) {
            Rtnetlink.attachXdp(nl, ifindex, -1, modeFlags | Rtnetlink.XDP_FLAGS_REPLACE, program.raw());
        } catch (NetlinkException e) {
            // ENODEV: the interface is gone, and the program with it; EEXIST: someone replaced it, leave theirs
            if (!"ENODEV".equals(e.errnoName()) && !"EEXIST".equals(e.errnoName())) {
                throw e;
            }
        } finally {
            program.close();
        }
    }
}
