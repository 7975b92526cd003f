package dev.ebpf4j.bindings;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An owned file descriptor: closes once (a second {@link #close()} does nothing), refuses use after
 * close with an {@link IllegalStateException}, and is never 0, 1 or 2. When the kernel hands out one of
 * those (because the process closed stdin, stdout or stderr), {@link #adopt(int)} moves it to the lowest
 * free number from 3 up with {@code fcntl(F_DUPFD_CLOEXEC, 3)} and closes the original, as libbpf does,
 * so that a later {@code close(0)} of "stdin" can never close a BPF object (or the other way round).
 */
public final class Fd implements AutoCloseable {
    /** The lowest descriptor an {@code Fd} holds. */
    public static final int MIN_FD = 3;

    /** The two operations adoption and duplication need; {@link Syscall} in production, a fake in tests. */
    interface Ops {
        /** {@code fcntl(fd, F_DUPFD_CLOEXEC, min)}: a new descriptor {@code >= min} for the same file. */
        int dupAtLeast(int fd, int min);

        /** {@code close(fd)}. */
        void close(int fd);
    }

    static final Ops LIBC = new Ops() {
        @Override
        public int dupAtLeast(int fd, int min) {
            return Syscall.dupCloexec(fd, min);
        }

        @Override
        public void close(int fd) {
            Syscall.close(fd);
        }
    };

    private final AtomicInteger fd;
    private final Ops ops;

    private Fd(int fd, Ops ops) {
        this.fd = new AtomicInteger(fd);
        this.ops = ops;
    }

    /**
     * Takes ownership of {@code raw}, a descriptor a system call just returned. A descriptor below
     * {@link #MIN_FD} is moved up and the original closed.
     *
     * @throws IllegalArgumentException if {@code raw} is negative
     * @throws SyscallException if moving it up fails (the original is closed all the same)
     */
    public static Fd adopt(int raw) {
        return adopt(raw, LIBC);
    }

    static Fd adopt(int raw, Ops ops) {
        if (raw < 0) {
            throw new IllegalArgumentException("not a file descriptor: " + raw);
        }
        if (raw >= MIN_FD) {
            return new Fd(raw, ops);
        }
        int moved;
        try {
            moved = ops.dupAtLeast(raw, MIN_FD);
        } catch (RuntimeException e) {
            try {
                ops.close(raw);
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        if (moved < MIN_FD) {
            ops.close(raw);
            throw new IllegalStateException("F_DUPFD_CLOEXEC from " + MIN_FD + " returned " + moved);
        }
        ops.close(raw);
        return new Fd(moved, ops);
    }

    /**
     * The descriptor number, for passing to the kernel.
     *
     * @throws IllegalStateException once closed
     */
    public int raw() {
        int v = fd.get();
        if (v < 0) {
            throw new IllegalStateException("file descriptor already closed");
        }
        return v;
    }

    /** False once {@link #close()} ran. */
    public boolean isOpen() {
        return fd.get() >= 0;
    }

    /**
     * A new descriptor (close-on-exec, {@code >= 3}) for the same kernel object, owned separately.
     *
     * @throws IllegalStateException once closed
     */
    public Fd dup() {
        return new Fd(ops.dupAtLeast(raw(), MIN_FD), ops);
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        int v = fd.getAndSet(-1);
        if (v >= 0) {
            ops.close(v);
        }
    }

    @Override
    public String toString() {
        int v = fd.get();
        return v < 0 ? "Fd[closed]" : "Fd[" + v + "]";
    }
}
