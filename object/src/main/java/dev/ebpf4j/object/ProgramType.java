package dev.ebpf4j.object;

import java.util.Locale;
import java.util.Optional;

/**
 * A program type ({@code BPF_PROG_TYPE_*}).
 * Constants are in the kernel's order, so {@link #value()} is the number in {@code enum bpf_prog_type}.
 */
public enum ProgramType {
    UNSPEC,
    SOCKET_FILTER,
    KPROBE,
    SCHED_CLS,
    SCHED_ACT,
    TRACEPOINT,
    XDP,
    PERF_EVENT,
    CGROUP_SKB,
    CGROUP_SOCK,
    LWT_IN,
    LWT_OUT,
    LWT_XMIT,
    SOCK_OPS,
    SK_SKB,
    CGROUP_DEVICE,
    SK_MSG,
    RAW_TRACEPOINT,
    CGROUP_SOCK_ADDR,
    LWT_SEG6LOCAL,
    LIRC_MODE2,
    SK_REUSEPORT,
    FLOW_DISSECTOR,
    CGROUP_SYSCTL,
    RAW_TRACEPOINT_WRITABLE,
    CGROUP_SOCKOPT,
    TRACING,
    STRUCT_OPS,
    EXT,
    LSM,
    SK_LOOKUP,
    SYSCALL,
    NETFILTER;

    private static final ProgramType[] VALUES = values();

    /** The kernel's number for this constant. */
    public int value() {
        return ordinal();
    }

    /** The name bpftool prints, e.g. {@code socket_filter}. */
    public String bpftoolName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The constant with kernel number {@code value}, if this library knows it. */
    public static Optional<ProgramType> of(int value) {
        return value >= 0 && value < VALUES.length ? Optional.of(VALUES[value]) : Optional.empty();
    }

    /** The constant bpftool calls {@code name} (case-insensitive), if any. */
    public static Optional<ProgramType> byBpftoolName(String name) {
        for (ProgramType v : VALUES) {
            if (v.bpftoolName().equalsIgnoreCase(name)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** bpftool's name for kernel number {@code value}, or the number itself when unknown (as bpftool prints it). */
    public static String describe(int value) {
        return of(value).map(ProgramType::bpftoolName).orElse("type " + value);
    }
}
