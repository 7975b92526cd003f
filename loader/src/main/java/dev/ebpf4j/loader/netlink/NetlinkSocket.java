package dev.ebpf4j.loader.netlink;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.uapi.Uapi;
import dev.ebpf4j.bindings.uapi.iovec;
import dev.ebpf4j.bindings.uapi.msghdr;
import dev.ebpf4j.bindings.uapi.sockaddr_nl;

/**
 * A {@code NETLINK_ROUTE} socket that sends one request at a time and reads its replies, with extended acks on
 * (so errors carry the kernel's message) and capped acks (so they do not echo the request).
 */
public final class NetlinkSocket implements AutoCloseable {
    private static final int SOL_NETLINK = 270;
    private static final int NETLINK_CAP_ACK = 10;
    private static final int NLMSGERR_ATTR_MSG = 1;
    private static final AtomicInteger SEQ = new AtomicInteger((int) (System.nanoTime() & 0x3fffffff));

    private final Fd fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment recvBuf = arena.allocate(1 << 16, 8);

    private NetlinkSocket(Fd fd) {
        this.fd = fd;
    }

    /** Opens and binds a routing netlink socket in this thread's network namespace. */
    public static NetlinkSocket openRoute() {
        Fd fd = Syscall.socket(Uapi.AF_NETLINK(), Uapi.SOCK_RAW() | Uapi.SOCK_CLOEXEC(), Uapi.NETLINK_ROUTE());
        try {
            Syscall.setsockopt(fd, SOL_NETLINK, Uapi.NETLINK_EXT_ACK(), 1);
            Syscall.setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, 1);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment addr = sockaddr_nl.allocate(a);
                sockaddr_nl.nl_family(addr, (short) Uapi.AF_NETLINK());
                Syscall.bind(fd, addr);
            }
            return new NetlinkSocket(fd);
        } catch (RuntimeException e) {
            fd.close();
            throw e;
        }
    }

    /**
     * Sends {@code request} (built without a sequence number) with an ack requested, and returns the replies up to
     * the ack (or, for a dump, up to {@code NLMSG_DONE}).
     *
     * @throws NetlinkException when the kernel answers with an error
     */
    public synchronized List<NetlinkMessage> request(String operation, NetlinkMessage.Builder request) {
        int seq = SEQ.incrementAndGet();
        byte[] bytes = request.build(seq);
        ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).putShort(6,
                (short) (ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).getShort(6) | NetlinkMessage.NLM_F_ACK));
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(bytes.length, 8);
            out.copyFrom(MemorySegment.ofArray(bytes));
            MemorySegment kernel = sockaddr_nl.allocate(a);
            sockaddr_nl.nl_family(kernel, (short) Uapi.AF_NETLINK());
            Syscall.sendto(fd, out, 0, kernel);
        }
        List<NetlinkMessage> replies = new ArrayList<>();
        while (true) {
            for (NetlinkMessage m : receive()) {
                if (m.seq() != seq) {
                    continue; // a reply to an earlier request that gave up
                }
                if (m.type() == NetlinkMessage.NLMSG_ERROR) {
                    if (m.payload().limit() < 4) {
                        throw new MalformedNetlinkException(operation + ": an error reply of " + m.payload().limit()
                                + " bytes has no error code");
                    }
                    int error = m.payload().getInt(0);
                    if (error == 0) {
                        return replies;
                    }
                    throw new NetlinkException(operation, -error, extackMessage(m));
                }
                if (m.type() == NetlinkMessage.NLMSG_DONE) {
                    return replies;
                }
                replies.add(m);
            }
        }
    }

    /** The kernel's message in an error reply's extended-ack attributes (after the capped nlmsgerr). */
    static String extackMessage(NetlinkMessage error) {
        if ((error.flags() & NetlinkMessage.NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        int tlvs = 4 + NetlinkMessage.HEADER_SIZE; // int error + the original header (capped: no payload)
        Map<Integer, ByteBuffer> attrs = NetlinkMessage.attributes(error.payload(), tlvs);
        ByteBuffer msg = attrs.get(NLMSGERR_ATTR_MSG);
        return msg == null ? null : NetlinkMessage.string(msg);
    }

    private List<NetlinkMessage> receive() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment iov = iovec.allocate(a);
            iovec.iov_base(iov, recvBuf);
            iovec.iov_len(iov, recvBuf.byteSize());
            MemorySegment hdr = msghdr.allocate(a);
            msghdr.msg_iov(hdr, iov);
            msghdr.msg_iovlen(hdr, 1);
            long n = Syscall.recvmsg(fd, hdr, 0);
            ByteBuffer data = ByteBuffer.wrap(recvBuf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            return NetlinkMessage.parseAll(data);
        }
    }

    @Override
    public void close() {
        fd.close();
        arena.close();
    }
}
