package dev.ebpf4j.bindings;

import java.util.Optional;

/**
 * Linux errno values by name, number and glibc's {@code strerror} text. The numbers are the
 * asm-generic ones, the same on x86-64 and arm64 (the two architectures ebpf4j supports).
 * {@code ENOTSUP} is {@code EOPNOTSUPP} (95) on Linux; {@link #ENOTSUPP} (524) is the kernel-internal
 * code that BPF commands return for features a kernel or a map type does not have.
 */
public enum Errno {
    EPERM(1, "Operation not permitted"),
    ENOENT(2, "No such file or directory"),
    ESRCH(3, "No such process"),
    EINTR(4, "Interrupted system call"),
    EIO(5, "Input/output error"),
    ENXIO(6, "No such device or address"),
    E2BIG(7, "Argument list too long"),
    ENOEXEC(8, "Exec format error"),
    EBADF(9, "Bad file descriptor"),
    ECHILD(10, "No child processes"),
    EAGAIN(11, "Resource temporarily unavailable"),
    ENOMEM(12, "Cannot allocate memory"),
    EACCES(13, "Permission denied"),
    EFAULT(14, "Bad address"),
    EBUSY(16, "Device or resource busy"),
    EEXIST(17, "File exists"),
    EXDEV(18, "Invalid cross-device link"),
    ENODEV(19, "No such device"),
    ENOTDIR(20, "Not a directory"),
    EISDIR(21, "Is a directory"),
    EINVAL(22, "Invalid argument"),
    ENFILE(23, "Too many open files in system"),
    EMFILE(24, "Too many open files"),
    ENOTTY(25, "Inappropriate ioctl for device"),
    EFBIG(27, "File too large"),
    ENOSPC(28, "No space left on device"),
    ESPIPE(29, "Illegal seek"),
    EROFS(30, "Read-only file system"),
    EMLINK(31, "Too many links"),
    EPIPE(32, "Broken pipe"),
    EDOM(33, "Numerical argument out of domain"),
    ERANGE(34, "Numerical result out of range"),
    EDEADLK(35, "Resource deadlock avoided"),
    ENAMETOOLONG(36, "File name too long"),
    ENOSYS(38, "Function not implemented"),
    ENOTEMPTY(39, "Directory not empty"),
    ELOOP(40, "Too many levels of symbolic links"),
    ENOMSG(42, "No message of desired type"),
    ENODATA(61, "No data available"),
    ETIME(62, "Timer expired"),
    EPROTO(71, "Protocol error"),
    EBADMSG(74, "Bad message"),
    EOVERFLOW(75, "Value too large for defined data type"),
    EILSEQ(84, "Invalid or incomplete multibyte or wide character"),
    ENOTSOCK(88, "Socket operation on non-socket"),
    EMSGSIZE(90, "Message too long"),
    EPROTONOSUPPORT(93, "Protocol not supported"),
    EOPNOTSUPP(95, "Operation not supported"),
    EAFNOSUPPORT(97, "Address family not supported by protocol"),
    EADDRINUSE(98, "Address already in use"),
    EADDRNOTAVAIL(99, "Cannot assign requested address"),
    ENETDOWN(100, "Network is down"),
    ENOBUFS(105, "No buffer space available"),
    ENOTCONN(107, "Transport endpoint is not connected"),
    ETIMEDOUT(110, "Connection timed out"),
    ECONNREFUSED(111, "Connection refused"),
    EALREADY(114, "Operation already in progress"),
    EINPROGRESS(115, "Operation now in progress"),
    ECANCELED(125, "Operation canceled"),
    /** Kernel-internal "not supported" (include/linux/errno.h) that leaks out of bpf(2); glibc has no text for it. */
    ENOTSUPP(524, "Operation is not supported");

    /** {@code ENOTSUP}: the same number (95) as {@link #EOPNOTSUPP} on Linux. */
    public static final Errno ENOTSUP = EOPNOTSUPP;
    /** {@code EWOULDBLOCK}: the same number (11) as {@link #EAGAIN} on Linux. */
    public static final Errno EWOULDBLOCK = EAGAIN;

    private static final Errno[] BY_NUMBER;

    static {
        int max = 0;
        for (Errno e : values()) {
            max = Math.max(max, e.number);
        }
        BY_NUMBER = new Errno[max + 1];
        for (Errno e : values()) {
            BY_NUMBER[e.number] = e;
        }
    }

    private final int number;
    private final String description;

    Errno(int number, String description) {
        this.number = number;
        this.description = description;
    }

    /** The Linux errno number. */
    public int number() {
        return number;
    }

    /** glibc's {@code strerror} text (for {@link #ENOTSUPP}, the kernel's meaning). */
    public String description() {
        return description;
    }

    /** The constant for {@code errno}, if this table has it. */
    public static Optional<Errno> of(int errno) {
        return errno > 0 && errno < BY_NUMBER.length ? Optional.ofNullable(BY_NUMBER[errno]) : Optional.empty();
    }

    /** The symbolic name of {@code errno} ({@code "EACCES"}), or {@code "errno N"} for one this table lacks. */
    public static String nameOf(int errno) {
        return of(errno).map(Enum::name).orElse("errno " + errno);
    }

    /** The text for {@code errno} ({@code "Permission denied"}), or {@code "Unknown error N"} like glibc. */
    public static String describe(int errno) {
        return of(errno).map(Errno::description).orElse("Unknown error " + errno);
    }
}
