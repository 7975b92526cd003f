package dev.ebpf4j.object;

import static dev.ebpf4j.object.ProgramSection.Flag.FRAGS;
import static dev.ebpf4j.object.ProgramSection.Flag.SLEEPABLE;
import static dev.ebpf4j.object.ProgramSection.Flag.SUFFIX_OPTIONAL;
import static dev.ebpf4j.object.ProgramSection.Flag.SUFFIX_REQUIRED;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a program's ELF section name says about it, following libbpf's section naming conventions:
 * {@code SEC("xdp")} is an XDP program, {@code SEC("kprobe/do_sys_openat2")} a kprobe on
 * {@code do_sys_openat2}, {@code SEC("tracepoint/sched/sched_process_exec")} a tracepoint, and so on.
 *
 * @param prefix     the section name or its prefix before {@code /}, e.g. {@code kprobe}
 * @param type       the program type the section implies
 * @param attachType the expected attach type passed at load, or null when the kernel needs none
 * @param flags      whether a {@code /target} suffix is required or allowed, and load flags it implies
 */
public record ProgramSection(String prefix, ProgramType type, AttachType attachType, Set<Flag> flags) {

    /** Properties of a section definition. */
    public enum Flag {
        /** The name must be {@code prefix/target}. */
        SUFFIX_REQUIRED,
        /** The name may be {@code prefix} alone or {@code prefix/anything}. */
        SUFFIX_OPTIONAL,
        /** Loaded with {@code BPF_F_SLEEPABLE}. */
        SLEEPABLE,
        /** Loaded with {@code BPF_F_XDP_HAS_FRAGS}. */
        FRAGS
    }

    /** A section name resolved against the definitions: which one matched and the target after the prefix. */
    public record Match(ProgramSection section, String sectionName, String target) {
        public ProgramType type() {
            return section.type();
        }

        /** The expected attach type, or null. */
        public AttachType attachType() {
            return section.attachType();
        }
    }

    private static final List<ProgramSection> DEFINITIONS = new ArrayList<>();

    private static void def(String prefix, ProgramType type, AttachType attach, Flag... flags) {
        Set<Flag> set = flags.length == 0 ? EnumSet.noneOf(Flag.class) : EnumSet.of(flags[0], flags);
        DEFINITIONS.add(new ProgramSection(prefix, type, attach, Set.copyOf(set)));
    }

    static {
        // Exact names are listed before prefixes that would also match them (e.g. "tc/ingress" before "tc").
        def("socket", ProgramType.SOCKET_FILTER, null);
        def("sk_reuseport/migrate", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE);
        def("sk_reuseport", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT);
        def("kprobe", ProgramType.KPROBE, null, SUFFIX_OPTIONAL);
        def("uprobe", ProgramType.KPROBE, null, SUFFIX_OPTIONAL);
        def("uprobe.s", ProgramType.KPROBE, null, SUFFIX_OPTIONAL, SLEEPABLE);
        def("kretprobe", ProgramType.KPROBE, null, SUFFIX_OPTIONAL);
        def("uretprobe", ProgramType.KPROBE, null, SUFFIX_OPTIONAL);
        def("uretprobe.s", ProgramType.KPROBE, null, SUFFIX_OPTIONAL, SLEEPABLE);
        def("kprobe.multi", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI, SUFFIX_OPTIONAL);
        def("kretprobe.multi", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI, SUFFIX_OPTIONAL);
        def("kprobe.session", ProgramType.KPROBE, AttachType.TRACE_KPROBE_SESSION, SUFFIX_OPTIONAL);
        def("uprobe.multi", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, SUFFIX_OPTIONAL);
        def("uretprobe.multi", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, SUFFIX_OPTIONAL);
        def("uprobe.multi.s", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, SUFFIX_OPTIONAL, SLEEPABLE);
        def("uretprobe.multi.s", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, SUFFIX_OPTIONAL, SLEEPABLE);
        def("ksyscall", ProgramType.KPROBE, null, SUFFIX_REQUIRED);
        def("kretsyscall", ProgramType.KPROBE, null, SUFFIX_REQUIRED);
        def("usdt", ProgramType.KPROBE, null, SUFFIX_OPTIONAL);
        def("usdt.s", ProgramType.KPROBE, null, SUFFIX_OPTIONAL, SLEEPABLE);
        def("tc/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS);
        def("tc/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS);
        def("tcx/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS);
        def("tcx/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS);
        def("netkit/primary", ProgramType.SCHED_CLS, AttachType.NETKIT_PRIMARY);
        def("netkit/peer", ProgramType.SCHED_CLS, AttachType.NETKIT_PEER);
        def("tc", ProgramType.SCHED_CLS, null);
        def("classifier", ProgramType.SCHED_CLS, null);
        def("action", ProgramType.SCHED_ACT, null);
        def("tracepoint", ProgramType.TRACEPOINT, null, SUFFIX_OPTIONAL);
        def("tp", ProgramType.TRACEPOINT, null, SUFFIX_OPTIONAL);
        def("raw_tracepoint", ProgramType.RAW_TRACEPOINT, null, SUFFIX_OPTIONAL);
        def("raw_tp", ProgramType.RAW_TRACEPOINT, null, SUFFIX_OPTIONAL);
        def("raw_tracepoint.w", ProgramType.RAW_TRACEPOINT_WRITABLE, null, SUFFIX_OPTIONAL);
        def("raw_tp.w", ProgramType.RAW_TRACEPOINT_WRITABLE, null, SUFFIX_OPTIONAL);
        def("tp_btf", ProgramType.TRACING, AttachType.TRACE_RAW_TP, SUFFIX_REQUIRED);
        def("fentry", ProgramType.TRACING, AttachType.TRACE_FENTRY, SUFFIX_REQUIRED);
        def("fmod_ret", ProgramType.TRACING, AttachType.MODIFY_RETURN, SUFFIX_REQUIRED);
        def("fexit", ProgramType.TRACING, AttachType.TRACE_FEXIT, SUFFIX_REQUIRED);
        def("fentry.s", ProgramType.TRACING, AttachType.TRACE_FENTRY, SUFFIX_REQUIRED, SLEEPABLE);
        def("fmod_ret.s", ProgramType.TRACING, AttachType.MODIFY_RETURN, SUFFIX_REQUIRED, SLEEPABLE);
        def("fexit.s", ProgramType.TRACING, AttachType.TRACE_FEXIT, SUFFIX_REQUIRED, SLEEPABLE);
        def("freplace", ProgramType.EXT, null, SUFFIX_REQUIRED);
        def("lsm", ProgramType.LSM, AttachType.LSM_MAC, SUFFIX_REQUIRED);
        def("lsm.s", ProgramType.LSM, AttachType.LSM_MAC, SUFFIX_REQUIRED, SLEEPABLE);
        def("lsm_cgroup", ProgramType.LSM, AttachType.LSM_CGROUP, SUFFIX_REQUIRED);
        def("iter", ProgramType.TRACING, AttachType.TRACE_ITER, SUFFIX_REQUIRED);
        def("iter.s", ProgramType.TRACING, AttachType.TRACE_ITER, SUFFIX_REQUIRED, SLEEPABLE);
        def("syscall", ProgramType.SYSCALL, null, SLEEPABLE);
        def("xdp.frags/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, FRAGS);
        def("xdp/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP);
        def("xdp.frags/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, FRAGS);
        def("xdp/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP);
        def("xdp.frags", ProgramType.XDP, AttachType.XDP, FRAGS);
        def("xdp", ProgramType.XDP, AttachType.XDP);
        def("perf_event", ProgramType.PERF_EVENT, null);
        def("lwt_in", ProgramType.LWT_IN, null);
        def("lwt_out", ProgramType.LWT_OUT, null);
        def("lwt_xmit", ProgramType.LWT_XMIT, null);
        def("lwt_seg6local", ProgramType.LWT_SEG6LOCAL, null);
        def("sockops", ProgramType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS);
        def("sk_skb/stream_parser", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_PARSER);
        def("sk_skb/stream_verdict", ProgramType.SK_SKB, AttachType.SK_SKB_STREAM_VERDICT);
        def("sk_skb/verdict", ProgramType.SK_SKB, AttachType.SK_SKB_VERDICT);
        def("sk_skb", ProgramType.SK_SKB, null);
        def("sk_msg", ProgramType.SK_MSG, AttachType.SK_MSG_VERDICT);
        def("lirc_mode2", ProgramType.LIRC_MODE2, AttachType.LIRC_MODE2);
        def("flow_dissector", ProgramType.FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR);
        def("cgroup_skb/ingress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS);
        def("cgroup_skb/egress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS);
        def("cgroup/skb", ProgramType.CGROUP_SKB, null);
        def("cgroup/sock_create", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE);
        def("cgroup/sock_release", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_RELEASE);
        def("cgroup/sock", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE);
        def("cgroup/post_bind4", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET4_POST_BIND);
        def("cgroup/post_bind6", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET6_POST_BIND);
        def("cgroup/bind4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND);
        def("cgroup/bind6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_BIND);
        def("cgroup/connect4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_CONNECT);
        def("cgroup/connect6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_CONNECT);
        def("cgroup/connect_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_CONNECT);
        def("cgroup/sendmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_SENDMSG);
        def("cgroup/sendmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_SENDMSG);
        def("cgroup/sendmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_SENDMSG);
        def("cgroup/recvmsg4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP4_RECVMSG);
        def("cgroup/recvmsg6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UDP6_RECVMSG);
        def("cgroup/recvmsg_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_RECVMSG);
        def("cgroup/getpeername4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETPEERNAME);
        def("cgroup/getpeername6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETPEERNAME);
        def("cgroup/getpeername_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETPEERNAME);
        def("cgroup/getsockname4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_GETSOCKNAME);
        def("cgroup/getsockname6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_GETSOCKNAME);
        def("cgroup/getsockname_unix", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_UNIX_GETSOCKNAME);
        def("cgroup/sysctl", ProgramType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL);
        def("cgroup/getsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT);
        def("cgroup/setsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT);
        def("cgroup/dev", ProgramType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE);
        def("struct_ops", ProgramType.STRUCT_OPS, null, SUFFIX_OPTIONAL);
        def("struct_ops.s", ProgramType.STRUCT_OPS, null, SUFFIX_OPTIONAL, SLEEPABLE);
        def("sk_lookup", ProgramType.SK_LOOKUP, AttachType.SK_LOOKUP);
        def("netfilter", ProgramType.NETFILTER, AttachType.NETFILTER);
    }

    /** Every section definition this library knows, in matching order. */
    public static List<ProgramSection> definitions() {
        return List.copyOf(DEFINITIONS);
    }

    /** Resolves a section name, or returns empty when no definition matches it. */
    public static Optional<Match> match(String sectionName) {
        for (ProgramSection def : DEFINITIONS) {
            String p = def.prefix();
            boolean required = def.flags().contains(SUFFIX_REQUIRED);
            boolean allowed = required || def.flags().contains(SUFFIX_OPTIONAL);
            if (sectionName.equals(p) && !required) {
                return Optional.of(new Match(def, sectionName, ""));
            }
            if (allowed && sectionName.startsWith(p + "/")) {
                String target = sectionName.substring(p.length() + 1);
                if (!required || !target.isEmpty()) {
                    return Optional.of(new Match(def, sectionName, target));
                }
            }
        }
        return Optional.empty();
    }

    /**
     * Resolves a section name or fails with a message naming it, as a loader must for a program whose
     * type it cannot tell.
     */
    public static Match require(String sectionName) {
        return match(sectionName).orElseThrow(() -> new BpfFormatException("section '" + sectionName
                + "': unknown program section name; use a libbpf convention such as xdp, tc, socket,"
                + " kprobe/<function>, tracepoint/<category>/<name>, raw_tp/<name> or fentry/<function>"));
    }

    public boolean sleepable() {
        return flags.contains(SLEEPABLE);
    }

    public boolean frags() {
        return flags.contains(FRAGS);
    }
}
