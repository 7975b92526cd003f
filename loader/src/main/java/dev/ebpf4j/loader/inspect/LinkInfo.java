package dev.ebpf4j.loader.inspect;

/**
 * A BPF link ({@code struct bpf_link_info}, common part).
 *
 * @param id the link's id
 * @param type the kernel's link type number ({@code enum bpf_link_type})
 * @param progId id of the linked program
 */
public record LinkInfo(int id, int type, int progId) {

    private static final String[] TYPES = {"unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns", "xdp",
        "perf_event", "kprobe_multi", "struct_ops", "netfilter", "tcx", "uprobe_multi", "netkit", "sockmap"};

    /** bpftool's name for the link type, or {@code type N} when unknown. */
    public String typeName() {
        return type >= 0 && type < TYPES.length ? TYPES[type] : "type " + type;
    }
}
