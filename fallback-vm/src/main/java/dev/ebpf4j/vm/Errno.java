package dev.ebpf4j.vm;

/** The Linux errno values helpers return to programs (negated) and map errors carry. */
public final class Errno {
    private Errno() {}

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int ENOTSUPP = 524;
    public static final int EOPNOTSUPP = 95;

    /** The symbolic name of an errno value (positive or negative), e.g. {@code E2BIG}. */
    public static String name(long errno) {
        return switch ((int) Math.abs(errno)) {
            case EPERM -> "EPERM";
            case ENOENT -> "ENOENT";
            case E2BIG -> "E2BIG";
            case EBADF -> "EBADF";
            case EAGAIN -> "EAGAIN";
            case ENOMEM -> "ENOMEM";
            case EFAULT -> "EFAULT";
            case EBUSY -> "EBUSY";
            case EEXIST -> "EEXIST";
            case EINVAL -> "EINVAL";
            case ENOSPC -> "ENOSPC";
            case ERANGE -> "ERANGE";
            case EOPNOTSUPP -> "EOPNOTSUPP";
            case ENOTSUPP -> "ENOTSUPP";
            default -> "errno " + Math.abs(errno);
        };
    }
}
