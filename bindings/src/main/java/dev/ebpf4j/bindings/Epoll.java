package dev.ebpf4j.bindings;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

import dev.ebpf4j.bindings.uapi.Uapi;

/**
 * An epoll instance: wait until any of a few file descriptors (ring buffer maps, perf events) is readable.
 * {@code struct epoll_event} is written by hand because its layout differs by architecture: packed, 12 bytes, on
 * x86-64; 16 bytes with the data at offset 8 on arm64 (jextract would fix one of them).
 */
public final class Epoll implements AutoCloseable {
    private static final MethodHandle CREATE = Syscall.errnoHandle(Uapi.epoll_create1$address(), Uapi.epoll_create1$descriptor());
    private static final MethodHandle CTL = Syscall.errnoHandle(Uapi.epoll_ctl$address(), Uapi.epoll_ctl$descriptor());
    private static final MethodHandle WAIT = Syscall.errnoHandle(Uapi.epoll_wait$address(), Uapi.epoll_wait$descriptor());

    private final Fd fd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final int capacity;

    private Epoll(Fd fd, int capacity) {
        this.fd = fd;
        this.capacity = capacity;
        this.events = arena.allocate((long) eventSize(Syscall.arch()) * capacity, 8);
    }

    /** The size of {@code struct epoll_event} on {@code arch}. */
    public static int eventSize(Arch arch) {
        return arch == Arch.X86_64 ? 12 : 16;
    }

    /** The offset of {@code epoll_event.data} on {@code arch}. */
    public static int dataOffset(Arch arch) {
        return arch == Arch.X86_64 ? 4 : 8;
    }

    /** A new epoll instance that reports up to {@code capacity} ready descriptors per wait. */
    public static Epoll create(int capacity) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Syscall.CAPTURE);
            int r = (int) CREATE.invokeExact(state, Uapi.EPOLL_CLOEXEC());
            if (r < 0) {
                throw new SyscallException("epoll_create1", Syscall.errno(state));
            }
            return new Epoll(Fd.adopt(r), capacity);
        } catch (Throwable t) {
            throw Syscall.rethrow(t);
        }
    }

    /** Watches {@code target} for readability; {@code token} comes back from {@link #readyToken}. */
    public void add(Fd target, long token) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Syscall.CAPTURE);
            MemorySegment ev = a.allocate(eventSize(Syscall.arch()), 8);
            ev.set(ValueLayout.JAVA_INT_UNALIGNED, 0, Uapi.EPOLLIN());
            ev.set(ValueLayout.JAVA_LONG_UNALIGNED, dataOffset(Syscall.arch()), token);
            int r = (int) CTL.invokeExact(state, fd.raw(), Uapi.EPOLL_CTL_ADD(), target.raw(), ev);
            if (r < 0) {
                throw new SyscallException("epoll_ctl", Syscall.errno(state));
            }
        } catch (Throwable t) {
            throw Syscall.rethrow(t);
        }
    }

    /**
     * Waits up to {@code timeoutMillis} (-1: forever) for readiness; returns how many descriptors are ready (0 on
     * timeout or when interrupted by a signal).
     */
    public synchronized int await(int timeoutMillis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment state = a.allocate(Syscall.CAPTURE);
            int r = (int) WAIT.invokeExact(state, fd.raw(), events, capacity, timeoutMillis);
            if (r < 0) {
                int errno = Syscall.errno(state);
                if (errno == Errno.EINTR.number()) {
                    return 0;
                }
                throw new SyscallException("epoll_wait", errno);
            }
            return r;
        } catch (Throwable t) {
            throw Syscall.rethrow(t);
        }
    }

    /** The token of ready descriptor {@code i} of the last {@link #await}. */
    public long readyToken(int i) {
        return events.get(ValueLayout.JAVA_LONG_UNALIGNED, (long) i * eventSize(Syscall.arch()) + dataOffset(Syscall.arch()));
    }

    @Override
    public void close() {
        fd.close();
        arena.close();
    }
}
