package dev.ebpf4j.vm.verifier;

import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.ANYTHING;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.CONST_ALLOC_SIZE_OR_ZERO;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.CONST_MAP_PTR;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.CONST_SIZE;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.CONST_SIZE_OR_ZERO;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.PTR_TO_CTX;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.PTR_TO_FUNC;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.PTR_TO_MAP_KEY;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.PTR_TO_MAP_VALUE;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.PTR_TO_MEM;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.PTR_TO_RINGBUF_MEM;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.PTR_TO_SPIN_LOCK;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.PTR_TO_STACK_OR_NULL;
import static dev.ebpf4j.vm.verifier.HelperProto.ArgKind.PTR_TO_UNINIT_MEM;
import static dev.ebpf4j.vm.verifier.HelperProto.RetKind.INTEGER;
import static dev.ebpf4j.vm.verifier.HelperProto.RetKind.MAP_VALUE_OR_NULL;
import static dev.ebpf4j.vm.verifier.HelperProto.RetKind.RINGBUF_MEM_OR_NULL;
import static dev.ebpf4j.vm.verifier.HelperProto.RetKind.VOID;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;

/**
 * The helpers a program may call, by id. {@link #kernelSubset()} is the table of the helpers the fallback VM
 * implements, with argument kinds and program-type restrictions following the kernel's {@code bpf_func_proto}s;
 * {@link #conformance()} is the single helper the BPF ISA conformance suite assumes.
 */
public final class HelperSet {
    private final Map<Integer, HelperProto> byId;

    private HelperSet(Map<Integer, HelperProto> byId) {
        this.byId = Map.copyOf(byId);
    }

    /** A set holding exactly {@code protos}. */
    public static HelperSet of(HelperProto... protos) {
        return of(java.util.List.of(protos));
    }

    /** A set holding exactly {@code protos}. */
    public static HelperSet of(Collection<HelperProto> protos) {
        Map<Integer, HelperProto> m = new TreeMap<>();
        for (HelperProto p : protos) {
            if (m.put(p.id(), p) != null) {
                throw new IllegalArgumentException("helper id " + p.id() + " given twice");
            }
        }
        return new HelperSet(m);
    }

    /** The helper, if this set has it. */
    public Optional<HelperProto> get(int id) {
        return Optional.ofNullable(byId.get(id));
    }

    /** Every helper id of this set. */
    public Set<Integer> ids() {
        return new java.util.TreeSet<>(byId.keySet());
    }

    /** This set plus {@code proto} (replacing a helper of the same id). */
    public HelperSet with(HelperProto proto) {
        Map<Integer, HelperProto> m = new TreeMap<>(byId);
        m.put(proto.id(), proto);
        return new HelperSet(m);
    }

    /** This set without the given ids. */
    public HelperSet without(int... ids) {
        Map<Integer, HelperProto> m = new TreeMap<>(byId);
        for (int id : ids) {
            m.remove(id);
        }
        return new HelperSet(m);
    }

    /** Only the given ids of this set (ids it lacks are ignored). */
    public HelperSet only(int... ids) {
        Map<Integer, HelperProto> m = new TreeMap<>();
        for (int id : ids) {
            HelperProto p = byId.get(id);
            if (p != null) {
                m.put(id, p);
            }
        }
        return new HelperSet(m);
    }

    @Override
    public String toString() {
        return "HelperSet" + byId.keySet();
    }

    // ---- the kernel table ----

    private static final Set<ProgramType> TRACING = EnumSet.of(ProgramType.KPROBE, ProgramType.TRACEPOINT,
            ProgramType.PERF_EVENT, ProgramType.RAW_TRACEPOINT, ProgramType.RAW_TRACEPOINT_WRITABLE,
            ProgramType.TRACING, ProgramType.LSM, ProgramType.SYSCALL);
    /** Program types whose context is a {@code struct __sk_buff}. */
    static final Set<ProgramType> SKB = EnumSet.of(ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS,
            ProgramType.SCHED_ACT, ProgramType.CGROUP_SKB, ProgramType.SK_SKB, ProgramType.LWT_IN,
            ProgramType.LWT_OUT, ProgramType.LWT_XMIT, ProgramType.LWT_SEG6LOCAL);
    private static final Set<ProgramType> TC = EnumSet.of(ProgramType.SCHED_CLS, ProgramType.SCHED_ACT);
    private static final Set<ProgramType> CGROUP = EnumSet.of(ProgramType.CGROUP_SKB, ProgramType.CGROUP_SOCK,
            ProgramType.CGROUP_SOCK_ADDR, ProgramType.CGROUP_SOCKOPT, ProgramType.CGROUP_SYSCTL,
            ProgramType.CGROUP_DEVICE, ProgramType.SOCK_OPS);

    private static Predicate<ProgramType> in(Set<ProgramType> a) {
        return t -> t == null || a.contains(t);
    }

    private static Predicate<ProgramType> in(Set<ProgramType> a, Set<ProgramType> b) {
        return t -> t == null || a.contains(t) || b.contains(t);
    }

    private static Predicate<ProgramType> only(ProgramType type) {
        return t -> t == null || t == type;
    }

    private static final HelperSet KERNEL = buildKernel();

    private static HelperSet buildKernel() {
        Predicate<ProgramType> tracing = in(TRACING);
        Predicate<ProgramType> taskContext = in(TRACING, CGROUP);
        Predicate<ProgramType> perfOutput = t -> t == null || TRACING.contains(t) || SKB.contains(t)
                || t == ProgramType.XDP || t == ProgramType.SOCK_OPS;
        java.util.List<HelperProto> all = java.util.List.of(
                HelperProto.of(1, "bpf_map_lookup_elem", MAP_VALUE_OR_NULL, CONST_MAP_PTR, PTR_TO_MAP_KEY),
                HelperProto.of(2, "bpf_map_update_elem", INTEGER, CONST_MAP_PTR, PTR_TO_MAP_KEY, PTR_TO_MAP_VALUE,
                        ANYTHING),
                HelperProto.of(3, "bpf_map_delete_elem", INTEGER, CONST_MAP_PTR, PTR_TO_MAP_KEY),
                HelperProto.of(4, "bpf_probe_read", INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, ANYTHING)
                        .allowedIn(tracing),
                HelperProto.of(5, "bpf_ktime_get_ns", INTEGER),
                HelperProto.of(6, "bpf_trace_printk", INTEGER, PTR_TO_MEM, CONST_SIZE),
                HelperProto.of(7, "bpf_get_prandom_u32", INTEGER),
                HelperProto.of(8, "bpf_get_smp_processor_id", INTEGER),
                HelperProto.of(12, "bpf_tail_call", VOID, PTR_TO_CTX, CONST_MAP_PTR, ANYTHING)
                        .mapTypes(MapType.PROG_ARRAY),
                HelperProto.of(14, "bpf_get_current_pid_tgid", INTEGER).allowedIn(taskContext),
                HelperProto.of(15, "bpf_get_current_uid_gid", INTEGER).allowedIn(taskContext),
                HelperProto.of(16, "bpf_get_current_comm", INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE)
                        .allowedIn(taskContext),
                HelperProto.of(23, "bpf_redirect", INTEGER, ANYTHING, ANYTHING)
                        .allowedIn(t -> t == null || TC.contains(t) || t == ProgramType.XDP),
                HelperProto.of(25, "bpf_perf_event_output", INTEGER, PTR_TO_CTX, CONST_MAP_PTR, ANYTHING, PTR_TO_MEM,
                        CONST_SIZE_OR_ZERO).mapTypes(MapType.PERF_EVENT_ARRAY).allowedIn(perfOutput),
                HelperProto.of(26, "bpf_skb_load_bytes", INTEGER, PTR_TO_CTX, ANYTHING, PTR_TO_UNINIT_MEM, CONST_SIZE)
                        .allowedIn(in(SKB)),
                HelperProto.of(35, "bpf_get_current_task", INTEGER).allowedIn(tracing),
                HelperProto.of(44, "bpf_xdp_adjust_head", INTEGER, PTR_TO_CTX, ANYTHING)
                        .allowedIn(only(ProgramType.XDP)).changingPacketData(),
                HelperProto.of(51, "bpf_redirect_map", INTEGER, CONST_MAP_PTR, ANYTHING, ANYTHING)
                        .mapTypes(MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP, MapType.XSKMAP)
                        .allowedIn(only(ProgramType.XDP)),
                HelperProto.of(54, "bpf_xdp_adjust_meta", INTEGER, PTR_TO_CTX, ANYTHING)
                        .allowedIn(only(ProgramType.XDP)).changingPacketData(),
                HelperProto.of(65, "bpf_xdp_adjust_tail", INTEGER, PTR_TO_CTX, ANYTHING)
                        .allowedIn(only(ProgramType.XDP)).changingPacketData(),
                HelperProto.of(93, "bpf_spin_lock", VOID, PTR_TO_SPIN_LOCK),
                HelperProto.of(94, "bpf_spin_unlock", VOID, PTR_TO_SPIN_LOCK),
                HelperProto.of(112, "bpf_probe_read_user", INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, ANYTHING)
                        .allowedIn(tracing),
                HelperProto.of(113, "bpf_probe_read_kernel", INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO, ANYTHING),
                HelperProto.of(114, "bpf_probe_read_user_str", INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO,
                        ANYTHING).allowedIn(tracing),
                HelperProto.of(115, "bpf_probe_read_kernel_str", INTEGER, PTR_TO_UNINIT_MEM, CONST_SIZE_OR_ZERO,
                        ANYTHING),
                HelperProto.of(125, "bpf_ktime_get_boot_ns", INTEGER),
                HelperProto.of(130, "bpf_ringbuf_output", INTEGER, CONST_MAP_PTR, PTR_TO_MEM, CONST_SIZE_OR_ZERO,
                        ANYTHING).mapTypes(MapType.RINGBUF),
                HelperProto.of(131, "bpf_ringbuf_reserve", RINGBUF_MEM_OR_NULL, CONST_MAP_PTR,
                        CONST_ALLOC_SIZE_OR_ZERO, ANYTHING).mapTypes(MapType.RINGBUF),
                HelperProto.of(132, "bpf_ringbuf_submit", VOID, PTR_TO_RINGBUF_MEM, ANYTHING),
                HelperProto.of(133, "bpf_ringbuf_discard", VOID, PTR_TO_RINGBUF_MEM, ANYTHING),
                HelperProto.of(134, "bpf_ringbuf_query", INTEGER, CONST_MAP_PTR, ANYTHING).mapTypes(MapType.RINGBUF),
                HelperProto.of(158, "bpf_get_current_task_btf", HelperProto.RetKind.PTR_TO_TASK).allowedIn(tracing),
                HelperProto.of(181, "bpf_loop", INTEGER, ANYTHING, PTR_TO_FUNC, PTR_TO_STACK_OR_NULL, ANYTHING));
        return of(all);
    }

    /** The helpers the fallback VM implements, typed after the kernel's prototypes. */
    public static HelperSet kernelSubset() {
        return KERNEL;
    }

    /** The BPF ISA conformance contract: helper 5 exists and returns its first argument. */
    public static HelperSet conformance() {
        return of(HelperProto.of(5, "conformance_helper_5", INTEGER, ANYTHING));
    }

    /** Map types that only their own helpers may take (besides the generic map helpers being refused for them). */
    private static final Map<MapType, Set<Integer>> RESERVED = Map.of(
            MapType.PROG_ARRAY, Set.of(12),
            MapType.PERF_EVENT_ARRAY, Set.of(22, 25, 55, 41),
            MapType.RINGBUF, Set.of(130, 131, 134, 198, 199),
            MapType.USER_RINGBUF, Set.of(209));

    /**
     * Whether a map of {@code type} may be passed to {@code proto}, as the kernel's
     * {@code check_map_func_compatibility} decides it for the helpers in this table.
     */
    public static boolean compatible(MapType type, HelperProto proto) {
        if (!proto.mapTypes().isEmpty()) {
            return proto.mapTypes().contains(type);
        }
        Set<Integer> reserved = RESERVED.get(type);
        if (reserved != null) {
            return reserved.contains(proto.id());
        }
        if (type == MapType.ARRAY_OF_MAPS || type == MapType.HASH_OF_MAPS) {
            return proto.id() == 1;
        }
        return true;
    }
}
