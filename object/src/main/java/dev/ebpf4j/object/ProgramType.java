package dev.ebpf4j.object;

import java.util.Optional;

/**
 * A program type ({@code BPF_PROG_TYPE_*}).
 * Constants are in the kernel's order, so {@link #value()} is the number in {@code enum bpf_prog_type}.
 */
public enum ProgramType implements KernelConstant {
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

    /** The constant with kernel number {@code value}, if this library knows it. */
    public static Optional<ProgramType> of(int value) {
        return KernelConstant.of(ProgramType.class, value);
    }

    /** The constant bpftool calls {@code name} (case-insensitive), if any. */
    public static Optional<ProgramType> byBpftoolName(String name) {
        return KernelConstant.byBpftoolName(ProgramType.class, name);
    }

    /** bpftool's name for kernel number {@code value}, or {@code type N} when unknown. */
    public static String describe(int value) {
        return KernelConstant.describe(ProgramType.class, value);
    }
}
