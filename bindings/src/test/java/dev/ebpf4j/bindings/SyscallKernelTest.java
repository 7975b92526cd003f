package dev.ebpf4j.bindings;

import static dev.ebpf4j.bindings.Privileged.checked;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.ebpf4j.bindings.uapi.Uapi;
import dev.ebpf4j.bindings.uapi.iovec;
import dev.ebpf4j.bindings.uapi.msghdr;
import dev.ebpf4j.bindings.uapi.nlmsgerr;
import dev.ebpf4j.bindings.uapi.nlmsghdr;
import dev.ebpf4j.bindings.uapi.perf_event_attr;
import dev.ebpf4j.bindings.uapi.sockaddr_nl;

/**
 * The libc and raw syscalls other than bpf(2) against the real kernel. Nothing here sends network
 * traffic: the one netlink message is a no-op addressed to the kernel, which only acknowledges it.
 */
class SyscallKernelTest {
    Map<String, String> fdsBefore;

    @BeforeEach
    void before() {
        Privileged.require();
        fdsBefore = Privileged.openFds();
    }

    @AfterEach
    void noDescriptorLeft() {
        Privileged.assertNoLeak(fdsBefore);
    }

    @Test
    void dupGivesASecondDescriptorForTheSameObject() {
        try (Fd map = Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 4, 1, 0, "ebpf4j_dup"); Fd copy = checked(map.dup(), "bpf-map")) {
            assertNotEquals(map.raw(), copy.raw());
            assertEquals(Uapi.FD_CLOEXEC(), Syscall.fcntl(copy.raw(), Uapi.F_GETFD(), 0) & Uapi.FD_CLOEXEC());
            try (Arena arena = Arena.ofConfined()) {
                assertEquals(dev.ebpf4j.bindings.uapi.bpf_map_info.id(Bpf.mapInfo(map, arena)),
                        dev.ebpf4j.bindings.uapi.bpf_map_info.id(Bpf.mapInfo(copy, arena)));
            }
        }
    }

    @Test
    void closeReportsEbadf() {
        Fd map = Bpf.mapCreate(Uapi.BPF_MAP_TYPE_ARRAY(), 4, 4, 1, 0, "");
        String target = "/proc/self/fd/" + map.raw();
        map.close();
        map.close(); // idempotent: no second close(2)
        assertFalse(Files.exists(Path.of(target)) && Privileged.openFds().containsValue("anon_inode:bpf-map"));
        // (a number just closed may be reused by another JVM thread at once, so EBADF is shown on one never open)
        SyscallException e = assertThrows(SyscallException.class, () -> Syscall.close(1 << 30));
        assertEquals("close: EBADF (9): Bad file descriptor", e.getMessage());
    }

    @Test
    void perfEventOpenAndIoctl() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = perf_event_attr.allocate(arena).fill((byte) 0);
            perf_event_attr.type(attr, Uapi.PERF_TYPE_SOFTWARE());
            perf_event_attr.size(attr, (int) perf_event_attr.sizeof());
            perf_event_attr.config(attr, Uapi.PERF_COUNT_SW_DUMMY());
            try (Fd perf = checked(Syscall.perfEventOpen(attr, 0, -1, -1, Uapi.PERF_FLAG_FD_CLOEXEC()), "[perf_event]")) {
                assertEquals(0, Syscall.ioctl(perf, Uapi.PERF_EVENT_IOC_DISABLE(), 0));
                assertEquals(0, Syscall.ioctl(perf, Uapi.PERF_EVENT_IOC_ENABLE(), 0));
                SyscallException e = assertThrows(SyscallException.class, () -> Syscall.ioctl(perf, 0x1234, 0));
                assertEquals("ioctl", e.operation());
                assertTrue(e.is(Errno.ENOTTY), e.getMessage());
            }
            perf_event_attr.type(attr, 0x7fff_0000); // no such PMU
            SyscallException e = assertThrows(SyscallException.class, () -> Syscall.perfEventOpen(attr, 0, -1, -1, 0));
            assertEquals("perf_event_open", e.operation());
            assertTrue(e.is(Errno.ENOENT), e.getMessage());
        }
    }

    @Test
    void netlinkSocketBindSendAndReceive() {
        try (Arena arena = Arena.ofConfined();
                Fd sock = Syscall.socket(Uapi.AF_NETLINK(), Uapi.SOCK_RAW() | Uapi.SOCK_CLOEXEC(), Uapi.NETLINK_ROUTE())) {
            assertTrue(sock.raw() >= 3);
            assertTrue(Privileged.fdTarget(sock).startsWith("socket:"), Privileged.fdTarget(sock));
            MemorySegment local = sockaddr_nl.allocate(arena).fill((byte) 0);
            sockaddr_nl.nl_family(local, (short) Uapi.AF_NETLINK());
            Syscall.bind(sock, local);

            // NLMSG_NOOP with NLM_F_ACK: the kernel skips the message and acknowledges it (error 0)
            int seq = 4242;
            MemorySegment req = nlmsghdr.allocate(arena).fill((byte) 0);
            nlmsghdr.nlmsg_len(req, (int) nlmsghdr.sizeof());
            nlmsghdr.nlmsg_type(req, (short) Uapi.NLMSG_NOOP());
            nlmsghdr.nlmsg_flags(req, (short) (Uapi.NLM_F_REQUEST() | Uapi.NLM_F_ACK()));
            nlmsghdr.nlmsg_seq(req, seq);
            MemorySegment kernel = sockaddr_nl.allocate(arena).fill((byte) 0);
            sockaddr_nl.nl_family(kernel, (short) Uapi.AF_NETLINK());
            assertEquals(nlmsghdr.sizeof(), Syscall.sendto(sock, req, 0, kernel));

            MemorySegment buf = arena.allocate(4096);
            MemorySegment iov = iovec.allocate(arena);
            iovec.iov_base(iov, buf);
            iovec.iov_len(iov, buf.byteSize());
            MemorySegment msg = msghdr.allocate(arena).fill((byte) 0);
            msghdr.msg_iov(msg, iov);
            msghdr.msg_iovlen(msg, 1);
            long n = Syscall.recvmsg(sock, msg, 0);
            assertTrue(n >= nlmsghdr.sizeof() + nlmsgerr.sizeof(), "received " + n);
            assertEquals(Uapi.NLMSG_ERROR(), nlmsghdr.nlmsg_type(buf));
            assertEquals(seq, nlmsghdr.nlmsg_seq(buf));
            MemorySegment err = buf.asSlice(nlmsghdr.sizeof(), nlmsgerr.sizeof());
            assertEquals(0, nlmsgerr.error(err), "an acknowledgement, not an error");
            assertEquals(seq, nlmsghdr.nlmsg_seq(nlmsgerr.msg(err)));

            // nothing more is queued
            SyscallException e = assertThrows(SyscallException.class,
                    () -> Syscall.recvmsg(sock, msg, Uapi.MSG_DONTWAIT()));
            assertTrue(e.is(Errno.EAGAIN), e.getMessage());
        }
    }

    @Test
    void interfaceIndexOfLoopback() throws Exception {
        Path lo = Path.of("/sys/class/net/lo/ifindex");
        int expected = Integer.parseInt(Files.readString(lo).trim());
        assertEquals(expected, Syscall.ifNameToIndex("lo"));
        SyscallException e = assertThrows(SyscallException.class, () -> Syscall.ifNameToIndex("ebpf4j-none0"));
        assertTrue(e.is(Errno.ENODEV), e.getMessage());
        assertFalse(e.getMessage().isEmpty());
    }

    @Test
    void munmapOfAnUnalignedAddressIsEinval() {
        SyscallException e = assertThrows(SyscallException.class,
                () -> Syscall.munmap(MemorySegment.ofAddress(4097).reinterpret(4096)));
        assertEquals("munmap: EINVAL (22): Invalid argument", e.getMessage());
    }
}
