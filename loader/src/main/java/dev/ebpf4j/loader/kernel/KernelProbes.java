package dev.ebpf4j.loader.kernel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import dev.ebpf4j.bindings.Bpf;
import dev.ebpf4j.bindings.BpfCommand;
import dev.ebpf4j.bindings.Errno;
import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.bindings.Syscall;
import dev.ebpf4j.bindings.uapi.bpf_attr;
import dev.ebpf4j.object.AttachType;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfLinkage;
import dev.ebpf4j.object.btf.BtfType;

/**
 * What the running kernel can do, probed once per process (each answer cached): whether {@code bpf()} works at
 * all, which program and map types it knows, which BTF kinds it accepts, its version and its possible CPUs.
 * Probes load a trivial program or create a tiny map and close it at once.
 */
public final class KernelProbes {
    private KernelProbes() {}

    /** {@code r0 = 0; exit}. */
    private static final byte[] RETURN_ZERO = {
            (byte) 0xb7, 0, 0, 0, 0, 0, 0, 0,
            (byte) 0x95, 0, 0, 0, 0, 0, 0, 0,
    };

    private static volatile Optional<String> bpfUnavailable;
    private static final Map<String, Boolean> PROGRAM_TYPES = new ConcurrentHashMap<>();
    private static final Map<MapType, Boolean> MAP_TYPES = new ConcurrentHashMap<>();
    private static volatile KernelBtf.Features btfFeatures;
    private static volatile int possibleCpus;

    /** Why bpf() cannot be used here (no syscall, no privilege), or empty when a socket filter loads. */
    public static Optional<String> bpfUnavailable() {
        Optional<String> r = bpfUnavailable;
        if (r == null) {
            r = probeBpf();
            bpfUnavailable = r;
        }
        return r;
    }

    private static Optional<String> probeBpf() {
        if (!"Linux".equals(System.getProperty("os.name"))) {
            return Optional.of("not running on Linux (os.name is " + System.getProperty("os.name") + ")");
        }
        int errno;
        try {
            errno = loadTrivial(ProgramType.SOCKET_FILTER, null);
        } catch (RuntimeException | LinkageError e) {
            return Optional.of("bpf() cannot be called: " + e);
        }
        if (errno == 0) {
            return Optional.empty();
        }
        String name = Errno.nameOf(errno);
        if (errno == Errno.EPERM.number() || errno == Errno.EACCES.number()) {
            return Optional.of("bpf() returned " + name + " (needs CAP_BPF: run as root or grant capabilities)");
        }
        if (errno == Errno.ENOSYS.number()) {
            return Optional.of("bpf() returned ENOSYS (the kernel was built without CONFIG_BPF_SYSCALL)");
        }
        return Optional.of("bpf() returned " + name + " loading a trivial socket filter");
    }

    /** True when the kernel loads a trivial program of {@code type} (with {@code attach} as its expected attach type). */
    public static boolean programTypeSupported(ProgramType type, AttachType attach) {
        String key = type.name() + "/" + (attach == null ? "" : attach.name());
        return PROGRAM_TYPES.computeIfAbsent(key, k -> loadTrivial(type, attach) == 0);
    }

    /** Loads {@code r0 = 0; exit} as {@code type}: 0 when it loaded, else the errno. */
    private static int loadTrivial(ProgramType type, AttachType attach) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            MemorySegment code = arena.allocate(RETURN_ZERO.length, 8).copyFrom(MemorySegment.ofArray(RETURN_ZERO));
            bpf_attr.prog_type(attr, type.value());
            if (attach != null) {
                bpf_attr.expected_attach_type(attr, attach.value());
            }
            bpf_attr.insns(attr, code.address());
            bpf_attr.insn_cnt(attr, RETURN_ZERO.length / 8);
            bpf_attr.license(attr, arena.allocateFrom("GPL").address());
            bpf_attr.kern_version(attr, kernelVersionCode());
            long r = Syscall.bpf(BpfCommand.PROG_LOAD.value(), attr, Bpf.attrSize());
            if (r >= 0) {
                Syscall.close((int) r);
                return 0;
            }
            return (int) -r;
        }
    }

    /** True when the kernel creates a small map of {@code type}; types that cannot be probed alone count as supported. */
    public static boolean mapTypeSupported(MapType type) {
        return MAP_TYPES.computeIfAbsent(type, KernelProbes::probeMap);
    }

    private static boolean probeMap(MapType type) {
        int key = 4;
        int value = 4;
        int max = 1;
        int flags = 0;
        switch (type) {
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, ARRAY, PERCPU_ARRAY -> value = 8;
            case LPM_TRIE -> {
                key = 8;
                value = 8;
                flags = MapSpec.BPF_F_NO_PREALLOC;
            }
            case STACK_TRACE -> value = 8;
            case QUEUE, STACK, BLOOM_FILTER -> key = 0;
            case RINGBUF, USER_RINGBUF -> {
                key = 0;
                value = 0;
                max = 4096;
            }
            case ARENA -> {
                key = 0;
                value = 0;
                max = 1;
                flags = MapSpec.BPF_F_MMAPABLE;
            }
            case CGROUP_STORAGE, PERCPU_CGROUP_STORAGE -> {
                key = 8; // sizeof(__u64): a cgroup id without attach type (16 with one), never 12
                value = 8;
                max = 0;
            }
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> {
                try (Fd inner = Bpf.mapCreate(MapType.ARRAY.value(), 4, 4, 1, 0, "")) {
                    return createMap(type, 4, 4, 1, 0, inner.raw()) == 0;
                } catch (RuntimeException e) {
                    return false;
                }
            }
            case SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE, STRUCT_OPS, UNSPEC -> {
                return type != MapType.UNSPEC; // need BTF to create; a failure shows at load
            }
            default -> { }
        }
        return createMap(type, key, value, max, flags, 0) == 0;
    }

    private static int createMap(MapType type, int key, int value, int max, int flags, int innerFd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            bpf_attr.map_type(attr, type.value());
            bpf_attr.key_size(attr, key);
            bpf_attr.value_size(attr, value);
            bpf_attr.max_entries(attr, max);
            bpf_attr.map_flags(attr, flags);
            bpf_attr.inner_map_fd(attr, innerFd);
            long r = Syscall.bpf(BpfCommand.MAP_CREATE.value(), attr, Bpf.attrSize());
            if (r >= 0) {
                Syscall.close((int) r);
                return 0;
            }
            return (int) -r;
        }
    }

    /** The BTF kinds the kernel accepts, each probed by loading a tiny BTF blob that uses it. */
    public static KernelBtf.Features btfFeatures() {
        KernelBtf.Features f = btfFeatures;
        if (f == null) {
            f = new KernelBtf.Features(
                    btfLoads(List.of(intType(), new BtfType.Var("x", 1, BtfLinkage.STATIC),
                            new BtfType.Datasec(".data", 4, List.of(new BtfType.VarSecinfo(2, 0, 4))))),
                    btfLoads(List.of(new BtfType.Float("float", 4))),
                    btfLoads(List.of(intType(), new BtfType.Var("x", 1, BtfLinkage.GLOBAL),
                            new BtfType.DeclTag("tag", 2, -1, false))),
                    btfLoads(List.of(intType(), new BtfType.TypeTag("tag", 1, false), new BtfType.Ptr("", 2))),
                    btfLoads(List.of(new BtfType.Enum64("e", 8, false, List.of(new BtfType.EnumValue("v", 1))))),
                    btfLoads(List.of(intType(), new BtfType.FuncProto("", 1, List.of()),
                            new BtfType.Func("f", 2, BtfLinkage.GLOBAL))));
            btfFeatures = f;
        }
        return f;
    }

    private static BtfType.Int intType() {
        return new BtfType.Int("int", 4, 1, 0, 32);
    }

    private static boolean btfLoads(List<BtfType> types) {
        byte[] blob = Btf.of(types).encode();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            MemorySegment b = arena.allocate(blob.length, 8).copyFrom(MemorySegment.ofArray(blob));
            bpf_attr.btf(attr, b.address());
            bpf_attr.btf_size(attr, blob.length);
            long r = Syscall.bpf(BpfCommand.BTF_LOAD.value(), attr, Bpf.attrSize());
            if (r >= 0) {
                Syscall.close((int) r);
                return true;
            }
            return false;
        }
    }

    /**
     * The running kernel's {@code KERNEL_VERSION(a, b, c)} from its release ({@code uname -r}, as the JVM read it),
     * the patch level capped at 255 as the kernel's macro does; 0 when it cannot be read.
     */
    public static int kernelVersionCode() {
        return versionCode(System.getProperty("os.version", ""));
    }

    static int versionCode(String release) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?").matcher(release);
        if (!m.find()) {
            return 0;
        }
        int a = Integer.parseInt(m.group(1));
        int b = Integer.parseInt(m.group(2));
        int c = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return (a << 16) | (b << 8) | Math.min(c, 255);
    }

    /** How many CPUs the kernel may ever bring up ({@code /sys/devices/system/cpu/possible}): per-CPU maps have one value each. */
    static int possibleCpus() {
        int n = possibleCpus;
        if (n == 0) {
            try {
                n = parseCpuList(Files.readString(Path.of("/sys/devices/system/cpu/possible")));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read /sys/devices/system/cpu/possible: " + e.getMessage(), e);
            }
            possibleCpus = n;
        }
        return n;
    }

    /** The number of CPUs in a list like {@code 0-3,5,7-8}: its highest id plus one, as libbpf counts. */
    static int parseCpuList(String list) {
        int max = -1;
        for (String part : list.strip().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            int last = Integer.parseInt(dash < 0 ? part : part.substring(dash + 1));
            max = Math.max(max, last);
        }
        if (max < 0) {
            throw new IllegalArgumentException("no CPU in '" + list + "'");
        }
        return max + 1;
    }
}
