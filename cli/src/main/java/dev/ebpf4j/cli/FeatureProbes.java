package dev.ebpf4j.cli;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

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
 * The probes behind {@code ebpf4j feature}, as libbpf's {@code libbpf_probe_bpf_prog_type},
 * {@code libbpf_probe_bpf_map_type} and {@code libbpf_probe_bpf_helper} make them (which bpftool's
 * {@code feature probe} prints): each loads a tiny program, creates a tiny map or loads a tiny BTF blob, and closes
 * it at once. Nothing is attached, nothing outlives the call.
 */
final class FeatureProbes {
    private FeatureProbes() {}

    private static final int ENOTSUPP = 524;
    private static final int BPF_F_SLEEPABLE = 1 << 4;

    /** One BPF instruction, encoded. */
    private static long insn(int code, int dst, int src, int off, int imm) {
        return (code & 0xff) | ((long) (dst & 0xf) << 8) | ((long) (src & 0xf) << 12) | ((long) (off & 0xffff) << 16)
                | ((long) imm << 32);
    }

    private static byte[] code(long... insns) {
        ByteBuffer b = ByteBuffer.allocate(insns.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long i : insns) {
            b.putLong(i);
        }
        return b.array();
    }

    static final long MOV_R0_0 = insn(0xb7, 0, 0, 0, 0);
    static final long EXIT = insn(0x95, 0, 0, 0, 0);

    /** The result of one load: 0, or the errno, with the verifier's log when asked for. */
    record Load(int errno, String log) {
        boolean ok() {
            return errno == 0;
        }
    }

    /** Loads {@code insns} as {@code type}; {@code withLog} collects the verifier's log (level 1). */
    static Load load(ProgramType type, AttachType attach, byte[] insns, boolean withLog) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            MemorySegment code = arena.allocate(insns.length, 8).copyFrom(MemorySegment.ofArray(insns));
            bpf_attr.prog_type(attr, type.value());
            if (attach != null) {
                bpf_attr.expected_attach_type(attr, attach.value());
            }
            bpf_attr.insns(attr, code.address());
            bpf_attr.insn_cnt(attr, insns.length / 8);
            bpf_attr.license(attr, arena.allocateFrom("GPL").address());
            bpf_attr.kern_version(attr, kernelVersionCode());
            if (type == ProgramType.SYSCALL) {
                bpf_attr.prog_flags(attr, BPF_F_SLEEPABLE); // syscall programs load only as sleepable
            }
            MemorySegment log = null;
            if (withLog) {
                log = arena.allocate(4096);
                bpf_attr.log_level(attr, 1);
                bpf_attr.log_buf(attr, log.address());
                bpf_attr.log_size(attr, (int) log.byteSize());
            }
            long r = -11;
            for (int attempt = 0; attempt < 5 && r == -11; attempt++) {
                r = Syscall.bpf(BpfCommand.PROG_LOAD.value(), attr, Bpf.attrSize());
            }
            if (r >= 0) {
                Syscall.close((int) r);
            }
            String text = log == null ? "" : log.getString(0, StandardCharsets.UTF_8);
            return new Load(r >= 0 ? 0 : (int) -r, text);
        }
    }

    /** Why bpf() cannot be used (the errno of loading a trivial socket filter), or null when it works. */
    static String bpfUnavailable() {
        if (!"Linux".equals(System.getProperty("os.name"))) {
            return "not Linux";
        }
        try {
            Load l = load(ProgramType.SOCKET_FILTER, null, code(MOV_R0_0, EXIT), false);
            if (l.ok()) {
                return null;
            }
            return "bpf() returned " + Errno.nameOf(l.errno())
                    + (l.errno() == Errno.EPERM.number() ? " (needs CAP_BPF: run as root)" : "");
        } catch (RuntimeException | LinkageError e) {
            return "bpf() cannot be called: " + e;
        }
    }

    /** The expected attach type a trivial program of {@code type} needs to load, as libbpf's probe sets it. */
    static AttachType attachFor(ProgramType type) {
        return switch (type) {
            case CGROUP_SOCK_ADDR -> AttachType.CGROUP_INET4_CONNECT;
            case CGROUP_SOCKOPT -> AttachType.CGROUP_GETSOCKOPT;
            case SK_LOOKUP -> AttachType.SK_LOOKUP;
            case KPROBE -> null;
            case NETFILTER -> AttachType.NETFILTER;
            default -> null;
        };
    }

    /** True when the kernel knows program type {@code type}. */
    static boolean programType(ProgramType type) {
        Load l = load(type, attachFor(type), code(MOV_R0_0, EXIT), false);
        if (type == ProgramType.STRUCT_OPS || type == ProgramType.EXT || type == ProgramType.TRACING
                || type == ProgramType.LSM) {
            // these need an attach target in the kernel's BTF: the known-type refusal of a target-less load says yes
            return l.ok() || (type == ProgramType.STRUCT_OPS && l.errno() == ENOTSUPP);
        }
        return l.ok();
    }

    /**
     * True when programs of {@code type} may call helper {@code id}: the verifier's refusal names the helper as
     * unknown or forbidden for the type when not (libbpf's {@code libbpf_probe_bpf_helper}).
     */
    static boolean helper(ProgramType type, int id) {
        Load l = load(type, attachFor(type), code(insn(0x85, 0, 0, 0, id), EXIT), true);
        if (l.ok()) {
            return true;
        }
        String log = l.log();
        return !(log.contains("invalid func ") || log.contains("unknown func ")
                || log.contains("program of this type cannot use helper "));
    }

    /** True when a small map of {@code type} can be created (libbpf's probe arguments). */
    static boolean mapType(MapType type) {
        int key = 4;
        int value = 4;
        int max = 1;
        int flags = 0;
        int btfFd = 0;
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
                key = 8; // a u64 cgroup id (struct bpf_cgroup_storage_key is 16 bytes with its padding)
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
            case SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE -> {
                // need BTF for key/value: an EINVAL that is not about the type means the kernel knows it
                int errno = createMap(type, 4, 8, 0, MapSpec.BPF_F_NO_PREALLOC, 0);
                return errno == 0 || errno == Errno.EINVAL.number() || errno == ENOTSUPP;
            }
            case STRUCT_OPS -> {
                int errno = createMap(type, 4, 4, 1, 0, 0);
                return errno == 0 || errno == ENOTSUPP || errno == Errno.EINVAL.number();
            }
            case UNSPEC -> {
                return false;
            }
            default -> { }
        }
        return createMap(type, key, value, max, flags, btfFd) == 0;
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

    /** True when the kernel has {@code BPF_LINK_CREATE}: a call with no program fails with EBADF, not EINVAL. */
    static boolean bpfLink() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment attr = Bpf.newAttr(arena);
            bpf_attr.link_create.prog_fd(bpf_attr.link_create(attr), -1);
            long r = Syscall.bpf(BpfCommand.LINK_CREATE.value(), attr, Bpf.attrSize());
            if (r >= 0) {
                Syscall.close((int) r);
                return true;
            }
            return (int) -r == Errno.EBADF.number();
        }
    }

    /** Programs longer than 4096 instructions load (the 1M limit, Linux 5.2). */
    static boolean largeInsnLimit() {
        long[] insns = new long[4097];
        java.util.Arrays.fill(insns, MOV_R0_0);
        insns[4096] = EXIT;
        return load(ProgramType.SOCKET_FILTER, null, code(insns), false).ok();
    }

    /** A bounded loop loads (Linux 5.3). */
    static boolean boundedLoops() {
        return load(ProgramType.SOCKET_FILTER, null, code(insn(0xb7, 0, 0, 0, 10), insn(0x17, 0, 0, 0, 1),
                insn(0x55, 0, 0, -2, 0), EXIT), false).ok();
    }

    /** JLT and friends (ISA v2). */
    static boolean isaV2() {
        return load(ProgramType.SOCKET_FILTER, null, code(MOV_R0_0, insn(0xa5, 0, 0, 0, 1), MOV_R0_0, EXIT), false).ok();
    }

    /** 32-bit jumps (ISA v3). */
    static boolean isaV3() {
        return load(ProgramType.SOCKET_FILTER, null, code(MOV_R0_0, insn(0xa6, 0, 0, 0, 1), MOV_R0_0, EXIT), false).ok();
    }

    /** Which BTF kinds the kernel accepts, by name (each a tiny blob that uses the kind). */
    static java.util.LinkedHashMap<String, Boolean> btfKinds() {
        java.util.LinkedHashMap<String, Boolean> kinds = new java.util.LinkedHashMap<>();
        kinds.put("func", btfLoads(List.of(intType(), new BtfType.FuncProto("", 1, List.of()),
                new BtfType.Func("f", 2, BtfLinkage.STATIC))));
        kinds.put("global_func", btfLoads(List.of(intType(), new BtfType.FuncProto("", 1, List.of()),
                new BtfType.Func("f", 2, BtfLinkage.GLOBAL))));
        kinds.put("var_datasec", btfLoads(List.of(intType(), new BtfType.Var("x", 1, BtfLinkage.STATIC),
                new BtfType.Datasec(".data", 4, List.of(new BtfType.VarSecinfo(2, 0, 4))))));
        kinds.put("float", btfLoads(List.of(new BtfType.Float("float", 4))));
        kinds.put("decl_tag", btfLoads(List.of(intType(), new BtfType.Var("x", 1, BtfLinkage.GLOBAL),
                new BtfType.DeclTag("tag", 2, -1, false))));
        kinds.put("type_tag", btfLoads(List.of(intType(), new BtfType.TypeTag("tag", 1, false), new BtfType.Ptr("", 2))));
        kinds.put("enum64", btfLoads(List.of(new BtfType.Enum64("e", 8, false, List.of(new BtfType.EnumValue("v", 1))))));
        return kinds;
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

    /** {@code KERNEL_VERSION(a, b, c)} of the running kernel (kprobe programs of old kernels check it). */
    static int kernelVersionCode() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?")
                .matcher(System.getProperty("os.version", ""));
        if (!m.find()) {
            return 0;
        }
        int c = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return (Integer.parseInt(m.group(1)) << 16) | (Integer.parseInt(m.group(2)) << 8) | Math.min(c, 255);
    }
}
