package dev.ebpf4j.bindings;

import static dev.ebpf4j.bindings.uapi.Uapi.C_INT;
import static dev.ebpf4j.bindings.uapi.Uapi.C_LONG;
import static dev.ebpf4j.bindings.uapi.Uapi.C_POINTER;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.Objects;

import dev.ebpf4j.bindings.uapi.Uapi;

/**
 * The raw calls: {@code bpf(2)} and {@code perf_event_open(2)} through libc's variadic {@code syscall()},
 * and the libc functions ebpf4j needs. Every downcall captures {@code errno} in the same native call
 * ({@link Linker.Option#captureCallState}), so nothing the JVM does afterwards can clobber it. Function
 * addresses and C signatures come from the jextract-generated {@link Uapi}; this class adds the errno
 * capture (and, for the variadic functions, the argument layouts).
 */
public final class Syscall {
    private Syscall() {}

    private static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    /** Each thread's errno capture buffer for {@link #bpf}, reused call after call (freed with the thread's local). */
    private static final ThreadLocal<MemorySegment> BPF_CALL_STATE =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(CAPTURE));
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    // One holder class a handle: creating a downcall handle spins classes (milliseconds each), so a command pays only
    // for the calls it makes. bpf(2) is needed by nearly everything and stays here.
    /** {@code long syscall(long nr, ...)} with three long-sized variadic arguments (cmd, attr, size). */
    private static final MethodHandle SYSCALL_3 = LINKER.downcallHandle(Uapi.syscall.address(),
            FunctionDescriptor.of(C_LONG, C_LONG, C_LONG, C_POINTER, C_LONG),
            Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    private static final class PerfEventOpen {
        /** {@code long syscall(long nr, ...)} with a pointer and four longs (perf_event_open). */
        static final MethodHandle HANDLE = LINKER.downcallHandle(Uapi.syscall.address(),
                FunctionDescriptor.of(C_LONG, C_LONG, C_POINTER, C_LONG, C_LONG, C_LONG, C_LONG),
                Linker.Option.firstVariadicArg(1), CAPTURE_ERRNO);
    }
    private static final class Fcntl {
        /** {@code int fcntl(int fd, int cmd, ...)} with one int argument. */
        static final MethodHandle HANDLE = LINKER.downcallHandle(Uapi.fcntl.address(),
                FunctionDescriptor.of(C_INT, C_INT, C_INT, C_INT), Linker.Option.firstVariadicArg(2), CAPTURE_ERRNO);
    }
    private static final class Ioctl {
        /** {@code int ioctl(int fd, unsigned long request, ...)} with one long-sized argument. */
        static final MethodHandle HANDLE = LINKER.downcallHandle(Uapi.ioctl.address(),
                FunctionDescriptor.of(C_INT, C_INT, C_LONG, C_LONG), Linker.Option.firstVariadicArg(2), CAPTURE_ERRNO);
    }
    private static final class Close {
        static final MethodHandle HANDLE = errnoHandle(Uapi.close$address(), Uapi.close$descriptor());
    }
    private static final class Mmap {
        static final MethodHandle HANDLE = errnoHandle(Uapi.mmap$address(), Uapi.mmap$descriptor());
    }
    private static final class Munmap {
        static final MethodHandle HANDLE = errnoHandle(Uapi.munmap$address(), Uapi.munmap$descriptor());
    }
    private static final class Socket {
        static final MethodHandle HANDLE = errnoHandle(Uapi.socket$address(), Uapi.socket$descriptor());
    }
    private static final class Bind {
        static final MethodHandle HANDLE = errnoHandle(Uapi.bind$address(), Uapi.bind$descriptor());
    }
    private static final class Mount {
        static final MethodHandle HANDLE = errnoHandle(Uapi.mount$address(), Uapi.mount$descriptor());
    }
    private static final class Statfs {
        static final MethodHandle HANDLE = errnoHandle(Uapi.statfs$address(), Uapi.statfs$descriptor());
    }
    private static final class Setsockopt {
        static final MethodHandle HANDLE = errnoHandle(Uapi.setsockopt$address(), Uapi.setsockopt$descriptor());
    }
    private static final class Sendto {
        static final MethodHandle HANDLE = errnoHandle(Uapi.sendto$address(), Uapi.sendto$descriptor());
    }
    private static final class Recvmsg {
        static final MethodHandle HANDLE = errnoHandle(Uapi.recvmsg$address(), Uapi.recvmsg$descriptor());
    }
    private static final class IfNametoindex {
        static final MethodHandle HANDLE = errnoHandle(Uapi.if_nametoindex$address(), Uapi.if_nametoindex$descriptor());
    }
    private static final class ClockGettime {
        /** {@code int clock_gettime(clockid_t clock, struct timespec *tp)}; a vDSO call, so not a jextract symbol. */
        static final MethodHandle HANDLE = errnoHandle(LINKER.defaultLookup().findOrThrow("clock_gettime"),
                FunctionDescriptor.of(C_INT, C_INT, C_POINTER));
    }

    private static final int EINTR = Errno.EINTR.number();

    static MethodHandle errnoHandle(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor, CAPTURE_ERRNO);
    }

    /** Holder so that an unsupported architecture fails on first use, not on loading this class. */
    private static final class Current {
        static final Arch ARCH = Arch.current();
        /** {@code bpf}'s number, as the {@code long} the variadic {@code syscall()} takes (a constant once loaded). */
        static final long BPF_NR = ARCH.bpf();
    }

    /** The architecture whose syscall numbers are used. */
    public static Arch arch() {
        return Current.ARCH;
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("downcall failed", t);
    }

    // ------------------------------------------------------------------------------------------- bpf(2)

    /**
     * {@code bpf(cmd, attr, size)}: the kernel's result ({@code >= 0}: 0 or a new file descriptor the
     * caller owns) or {@code -errno}. Never throws for a failing call; {@link Bpf} turns failures into
     * {@link BpfException}s.
     */
    public static long bpf(int cmd, MemorySegment attr, long size) {
        Objects.requireNonNull(attr, "attr");
        if (size < 0 || size > attr.byteSize()) {
            throw new IllegalArgumentException("size " + size + " outside the attr segment of " + attr.byteSize() + " bytes");
        }
        return bpf(BPF_CALL_STATE.get(), cmd, attr, size); // bpf() is the hot call: no arena per call
    }

    /** A buffer for {@link #bpf(MemorySegment, int, MemorySegment, long)}'s errno capture, for a caller to reuse. */
    static MemorySegment newCallState(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    /**
     * {@link #bpf(int, MemorySegment, long)} with the caller's errno capture buffer ({@link #newCallState}) and no
     * argument checks: for {@link Bpf}'s element commands, which own a checked attr per thread.
     */
    static long bpf(MemorySegment state, int cmd, MemorySegment attr, long size) {
        try {
            long r = (long) SYSCALL_3.invokeExact(state, Current.BPF_NR, (long) cmd, attr, size);
            return r < 0 ? -errno(state) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code perf_event_open(attr, pid, cpu, groupFd, flags)}.
     *
     * @param attr a {@code struct perf_event_attr} ({@code dev.ebpf4j.bindings.uapi.perf_event_attr})
     * @throws SyscallException on failure
     */
    public static Fd perfEventOpen(MemorySegment attr, int pid, int cpu, int groupFd, long flags) {
        Objects.requireNonNull(attr, "attr");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            long r = (long) PerfEventOpen.HANDLE.invokeExact(state, (long) arch().perfEventOpen(), attr, (long) pid, (long) cpu,
                    (long) groupFd, flags);
            if (r < 0) {
                throw new SyscallException("perf_event_open", errno(state));
            }
            return Fd.adopt((int) r);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // --------------------------------------------------------------------------------------- descriptors

    /**
     * {@code close(fd)}. An {@code EINTR} is ignored: on Linux the descriptor is released anyway and must
     * not be closed again.
     *
     * @throws SyscallException on any other failure (e.g. {@code EBADF})
     */
    public static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) Close.HANDLE.invokeExact(state, fd);
            if (r < 0 && errno(state) != EINTR) {
                throw new SyscallException("close", errno(state));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code fcntl(fd, cmd, arg)} for the commands that take an int.
     *
     * @throws SyscallException on failure
     */
    public static int fcntl(int fd, int cmd, int arg) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) Fcntl.HANDLE.invokeExact(state, fd, cmd, arg);
            if (r < 0) {
                throw new SyscallException("fcntl", errno(state));
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, min)}: a new close-on-exec descriptor {@code >= min}. */
    static int dupCloexec(int fd, int min) {
        return fcntl(fd, Uapi.F_DUPFD_CLOEXEC(), min);
    }

    /**
     * {@code ioctl(fd, request, arg)} with an integer (or address) argument.
     *
     * @throws SyscallException on failure
     */
    public static int ioctl(Fd fd, long request, long arg) {
        int raw = fd.raw();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) Ioctl.HANDLE.invokeExact(state, raw, request, arg);
            if (r < 0) {
                throw new SyscallException("ioctl", errno(state));
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------- mmap

    /**
     * {@code mmap(NULL, length, prot, flags, fd, offset)}: a segment of {@code length} bytes over the
     * mapping. Unmap it with {@link #munmap(MemorySegment)}; the segment must not be used afterwards.
     *
     * @throws SyscallException on failure
     */
    public static MemorySegment mmap(long length, int prot, int flags, Fd fd, long offset) {
        if (length <= 0) {
            throw new IllegalArgumentException("mmap length must be positive: " + length);
        }
        int raw = fd.raw();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment p = (MemorySegment) Mmap.HANDLE.invokeExact(state, MemorySegment.NULL, length, prot, flags, raw, offset);
            if (p.address() == -1L) { // MAP_FAILED
                throw new SyscallException("mmap", errno(state));
            }
            return p.reinterpret(length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code munmap(mapping.address(), mapping.byteSize())}.
     *
     * @throws SyscallException on failure
     */
    public static void munmap(MemorySegment mapping) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) Munmap.HANDLE.invokeExact(state, mapping, mapping.byteSize());
            if (r < 0) {
                throw new SyscallException("munmap", errno(state));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static volatile long pageSize;

    /** The page size, from the auxiliary vector ({@code AT_PAGESZ} in {@code /proc/self/auxv}); read once. */
    public static long pageSize() {
        long p = pageSize;
        if (p != 0) {
            return p;
        }
        try {
            java.nio.ByteBuffer auxv = java.nio.ByteBuffer.wrap(java.nio.file.Files.readAllBytes(
                    java.nio.file.Path.of("/proc/self/auxv"))).order(java.nio.ByteOrder.nativeOrder());
            while (auxv.remaining() >= 16) {
                long key = auxv.getLong();
                long value = auxv.getLong();
                if (key == 6) { // AT_PAGESZ
                    pageSize = value;
                    return value;
                }
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read the page size from /proc/self/auxv: " + e.getMessage(), e);
        }
        throw new IllegalStateException("/proc/self/auxv has no AT_PAGESZ");
    }

    // ------------------------------------------------------------------------------------------ filesystems

    /** Filesystem magic numbers ({@code statfs.f_type}) ebpf4j checks. */
    public static final long BPF_FS_MAGIC = 0xcafe4a11L;
    public static final long TRACEFS_MAGIC = 0x74726163L;
    public static final long DEBUGFS_MAGIC = 0x64626720L;

    /**
     * {@code mount(source, target, fstype, 0, NULL)}, e.g. {@code mount("nodev", "/sys/kernel/tracing", "tracefs")}.
     *
     * @throws SyscallException on failure
     */
    public static void mount(String source, String target, String fstype) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) Mount.HANDLE.invokeExact(state, arena.allocateFrom(source), arena.allocateFrom(target),
                    arena.allocateFrom(fstype), 0L, MemorySegment.NULL);
            if (r < 0) {
                throw new SyscallException("mount " + fstype + " on " + target, errno(state));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The filesystem type ({@code f_type} of {@code statfs(path)}), e.g. {@link #BPF_FS_MAGIC}.
     *
     * @throws SyscallException on failure (e.g. ENOENT)
     */
    public static long filesystemType(String path) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment buf = dev.ebpf4j.bindings.uapi.statfs.allocate(arena);
            int r = (int) Statfs.HANDLE.invokeExact(state, arena.allocateFrom(path), buf);
            if (r < 0) {
                throw new SyscallException("statfs " + path, errno(state));
            }
            return dev.ebpf4j.bindings.uapi.statfs.f_type(buf) & 0xffffffffL;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------------------------------------- sockets

    /**
     * {@code socket(domain, type, protocol)}, e.g. {@code socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)}.
     *
     * @throws SyscallException on failure
     */
    public static Fd socket(int domain, int type, int protocol) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) Socket.HANDLE.invokeExact(state, domain, type, protocol);
            if (r < 0) {
                throw new SyscallException("socket", errno(state));
            }
            return Fd.adopt(r);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code bind(fd, addr, addr.byteSize())}.
     *
     * @throws SyscallException on failure
     */
    public static void bind(Fd fd, MemorySegment addr) {
        int raw = fd.raw();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) Bind.HANDLE.invokeExact(state, raw, addr, (int) addr.byteSize());
            if (r < 0) {
                throw new SyscallException("bind", errno(state));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code setsockopt(fd, level, name, &value, sizeof(int))}: an integer option, e.g.
     * {@code SOL_NETLINK, NETLINK_EXT_ACK, 1}.
     *
     * @throws SyscallException on failure
     */
    public static void setsockopt(Fd fd, int level, int name, int value) {
        int raw = fd.raw();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment v = arena.allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, value);
            int r = (int) Setsockopt.HANDLE.invokeExact(state, raw, level, name, v, (int) v.byteSize());
            if (r < 0) {
                throw new SyscallException("setsockopt", errno(state));
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code sendto(fd, buf, buf.byteSize(), flags, addr, addr.byteSize())}; {@code addr} may be
     * {@link MemorySegment#NULL}. Retried on {@code EINTR}.
     *
     * @return the number of bytes sent
     * @throws SyscallException on failure
     */
    public static long sendto(Fd fd, MemorySegment buf, int flags, MemorySegment addr) {
        int raw = fd.raw();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            while (true) {
                long r = (long) Sendto.HANDLE.invokeExact(state, raw, buf, buf.byteSize(), flags, addr, (int) addr.byteSize());
                if (r >= 0) {
                    return r;
                }
                if (errno(state) != EINTR) {
                    throw new SyscallException("sendto", errno(state));
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code recvmsg(fd, msghdr, flags)}. Retried on {@code EINTR}.
     *
     * @param msghdr a {@code struct msghdr} ({@code dev.ebpf4j.bindings.uapi.msghdr})
     * @return the number of bytes received
     * @throws SyscallException on failure (e.g. {@code EAGAIN} with {@code MSG_DONTWAIT})
     */
    public static long recvmsg(Fd fd, MemorySegment msghdr, int flags) {
        int raw = fd.raw();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            while (true) {
                long r = (long) Recvmsg.HANDLE.invokeExact(state, raw, msghdr, flags);
                if (r >= 0) {
                    return r;
                }
                if (errno(state) != EINTR) {
                    throw new SyscallException("recvmsg", errno(state));
                }
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code if_nametoindex(name)}.
     *
     * @throws SyscallException when there is no such interface (glibc sets {@code ENODEV})
     */
    public static int ifNameToIndex(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int r = (int) IfNametoindex.HANDLE.invokeExact(state, arena.allocateFrom(name));
            if (r == 0) {
                throw new SyscallException("if_nametoindex(" + name + ")", errno(state));
            }
            return r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code CLOCK_REALTIME}. */
    public static final int CLOCK_REALTIME = 0;
    /** {@code CLOCK_MONOTONIC}. */
    public static final int CLOCK_MONOTONIC = 1;
    /** {@code CLOCK_BOOTTIME}: the clock of a BPF program's {@code load_time}. */
    public static final int CLOCK_BOOTTIME = 7;

    /**
     * {@code clock_gettime(clock)} as nanoseconds since that clock's epoch; {@link SyscallException} with the errno
     * (EINVAL for an unknown clock).
     */
    public static long clockGettime(int clock) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            MemorySegment ts = arena.allocate(16, 8);
            int r = (int) ClockGettime.HANDLE.invokeExact(state, clock, ts);
            if (r != 0) {
                throw new SyscallException("clock_gettime(" + clock + ")", errno(state));
            }
            return ts.get(ValueLayout.JAVA_LONG, 0) * 1_000_000_000L
                    + ts.get(ValueLayout.JAVA_LONG, 8);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
