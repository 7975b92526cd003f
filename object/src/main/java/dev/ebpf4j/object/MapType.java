package dev.ebpf4j.object;

import java.util.Optional;

/**
 * A map type ({@code BPF_MAP_TYPE_*}).
 * Constants are in the kernel's order, so {@link #value()} is the number in {@code enum bpf_map_type}.
 */
public enum MapType implements KernelConstant {
    UNSPEC,
    HASH,
    ARRAY,
    PROG_ARRAY,
    PERF_EVENT_ARRAY,
    PERCPU_HASH,
    PERCPU_ARRAY,
    STACK_TRACE,
    CGROUP_ARRAY,
    LRU_HASH,
    LRU_PERCPU_HASH,
    LPM_TRIE,
    ARRAY_OF_MAPS,
    HASH_OF_MAPS,
    DEVMAP,
    SOCKMAP,
    CPUMAP,
    XSKMAP,
    SOCKHASH,
    CGROUP_STORAGE,
    REUSEPORT_SOCKARRAY,
    PERCPU_CGROUP_STORAGE,
    QUEUE,
    STACK,
    SK_STORAGE,
    DEVMAP_HASH,
    STRUCT_OPS,
    RINGBUF,
    INODE_STORAGE,
    TASK_STORAGE,
    BLOOM_FILTER,
    USER_RINGBUF,
    CGRP_STORAGE,
    ARENA;

    /** The constant with kernel number {@code value}, if this library knows it. */
    public static Optional<MapType> of(int value) {
        return KernelConstant.of(MapType.class, value);
    }

    /** The constant bpftool calls {@code name} (case-insensitive), if any. */
    public static Optional<MapType> byBpftoolName(String name) {
        return KernelConstant.byBpftoolName(MapType.class, name);
    }

    /** bpftool's name for kernel number {@code value}, or {@code type N} when unknown. */
    public static String describe(int value) {
        return KernelConstant.describe(MapType.class, value);
    }
}
