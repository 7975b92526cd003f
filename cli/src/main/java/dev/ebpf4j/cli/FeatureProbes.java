package dev.ebpf4j.cli;

import dev.ebpf4j.loader.kernel.KernelBtf;
import dev.ebpf4j.loader.kernel.KernelProbes;

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

    /** True when a small map of {@code type} can be created (the loader's probe, libbpf's arguments). */
    static boolean mapType(MapType type) {
        return KernelProbes.mapTypeSupported(type);
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

    /** Which BTF kinds the kernel accepts, by name (the loader's probes, each a tiny blob using the kind). */
    static java.util.LinkedHashMap<String, Boolean> btfKinds() {
        KernelBtf.Features f = KernelProbes.btfFeatures();
        java.util.LinkedHashMap<String, Boolean> kinds = new java.util.LinkedHashMap<>();
        kinds.put("global_func", f.globalFunc());
        kinds.put("var_datasec", f.datasec());
        kinds.put("float", f.floatKind());
        kinds.put("decl_tag", f.declTag());
        kinds.put("type_tag", f.typeTag());
        kinds.put("enum64", f.enum64());
        return kinds;
    }

    /** {@code KERNEL_VERSION(a, b, c)} of the running kernel (kprobe programs of old kernels check it). */
    static int kernelVersionCode() {
        return KernelProbes.kernelVersionCode();
    }
}
