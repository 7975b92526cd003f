package dev.ebpf4j.object;

import java.util.Optional;

/**
 * An attach type ({@code BPF_*} of {@code enum bpf_attach_type}).
 * Constants are in the kernel's order, so {@link #value()} is the number in {@code enum bpf_attach_type}.
 */
public enum AttachType implements KernelConstant {
    CGROUP_INET_INGRESS,
    CGROUP_INET_EGRESS,
    CGROUP_INET_SOCK_CREATE,
    CGROUP_SOCK_OPS,
    SK_SKB_STREAM_PARSER,
    SK_SKB_STREAM_VERDICT,
    CGROUP_DEVICE,
    SK_MSG_VERDICT,
    CGROUP_INET4_BIND,
    CGROUP_INET6_BIND,
    CGROUP_INET4_CONNECT,
    CGROUP_INET6_CONNECT,
    CGROUP_INET4_POST_BIND,
    CGROUP_INET6_POST_BIND,
    CGROUP_UDP4_SENDMSG,
    CGROUP_UDP6_SENDMSG,
    LIRC_MODE2,
    FLOW_DISSECTOR,
    CGROUP_SYSCTL,
    CGROUP_UDP4_RECVMSG,
    CGROUP_UDP6_RECVMSG,
    CGROUP_GETSOCKOPT,
    CGROUP_SETSOCKOPT,
    TRACE_RAW_TP,
    TRACE_FENTRY,
    TRACE_FEXIT,
    MODIFY_RETURN,
    LSM_MAC,
    TRACE_ITER,
    CGROUP_INET4_GETPEERNAME,
    CGROUP_INET6_GETPEERNAME,
    CGROUP_INET4_GETSOCKNAME,
    CGROUP_INET6_GETSOCKNAME,
    XDP_DEVMAP,
    CGROUP_INET_SOCK_RELEASE,
    XDP_CPUMAP,
    SK_LOOKUP,
    XDP,
    SK_SKB_VERDICT,
    SK_REUSEPORT_SELECT,
    SK_REUSEPORT_SELECT_OR_MIGRATE,
    PERF_EVENT,
    TRACE_KPROBE_MULTI,
    LSM_CGROUP,
    STRUCT_OPS,
    NETFILTER,
    TCX_INGRESS,
    TCX_EGRESS,
    TRACE_UPROBE_MULTI,
    CGROUP_UNIX_CONNECT,
    CGROUP_UNIX_SENDMSG,
    CGROUP_UNIX_RECVMSG,
    CGROUP_UNIX_GETPEERNAME,
    CGROUP_UNIX_GETSOCKNAME,
    NETKIT_PRIMARY,
    NETKIT_PEER,
    TRACE_KPROBE_SESSION,
    TRACE_UPROBE_SESSION;

    /** The constant with kernel number {@code value}, if this library knows it. */
    public static Optional<AttachType> of(int value) {
        return KernelConstant.of(AttachType.class, value);
    }

    /** The constant bpftool calls {@code name} (case-insensitive), if any. */
    public static Optional<AttachType> byBpftoolName(String name) {
        return KernelConstant.byBpftoolName(AttachType.class, name);
    }

    /** bpftool's name for kernel number {@code value}, or {@code type N} when unknown. */
    public static String describe(int value) {
        return KernelConstant.describe(AttachType.class, value);
    }
}
