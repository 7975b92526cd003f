package dev.ebpf4j.vm;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Pseudo;
import dev.ebpf4j.vm.helpers.HelperTable;
import dev.ebpf4j.vm.helpers.TraceLog;
import dev.ebpf4j.vm.interp.Code;
import dev.ebpf4j.vm.maps.ArrayMap;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.maps.MapFactory;
import dev.ebpf4j.vm.memory.Region;
import dev.ebpf4j.vm.memory.Segments;
import dev.ebpf4j.vm.memory.SharedRegions;

/**
 * A pure-Java eBPF machine: it owns maps, loaded programs, the helper table and the trace log. Load a
 * whole object with {@link #load(ObjectSpec)}, or single programs with {@link #program}; create maps
 * from specs with {@link #createMap}. Thread-safe: programs may run concurrently; maps are shared.
 */
public final class BpfVm {
    private static final Logger LOG = LoggerFactory.getLogger(BpfVm.class);

    private final VmOptions options;
    private final SharedRegions shared = new SharedRegions();
    private final TraceLog traceLog = new TraceLog();
    private final Map<Integer, VmProgram> programs = new ConcurrentHashMap<>();
    private final Map<String, Long> externs = new ConcurrentHashMap<>();
    private final AtomicInteger nextProgramId = new AtomicInteger(1);
    private final AtomicLong random = new AtomicLong();
    /** Kernel structs the caller supplied, by identity, at their mapped addresses. */
    private final Map<KernelStruct, Long> kernelStructs = new java.util.IdentityHashMap<>();

    public BpfVm(VmOptions options) {
        this.options = options;
        this.random.set(options.randomSeed());
    }

    /** A VM with {@link VmOptions#defaults()}. */
    public static BpfVm create() {
        return new BpfVm(VmOptions.defaults());
    }

    public VmOptions options() {
        return options;
    }

    public HelperTable helpers() {
        return options.helpers();
    }

    /** Where {@code bpf_trace_printk} writes. */
    public TraceLog traceLog() {
        return traceLog;
    }

    /** The regions that outlive runs (maps, code); the memory model's shared half. */
    public SharedRegions sharedRegions() {
        return shared;
    }

    /** The next {@code bpf_get_prandom_u32} value (SplitMix64 of a shared counter; deterministic for a seed). */
    public int nextRandom() {
        long z = random.addAndGet(0x9e37_79b9_7f4a_7c15L);
        z = (z ^ (z >>> 30)) * 0xbf58_476d_1ce4_e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d0_49bb_1331_11ebL;
        return (int) (z ^ (z >>> 31));
    }

    // ---- maps ----

    /** A new map with the spec's type and sizes (global data: filled with the initial value). */
    public BpfMap createMap(MapSpec spec) {
        return MapFactory.create(spec, shared, options.possibleCpus(), this::programById, this::mapByFd);
    }

    /** The map with this fd ({@link BpfMap#fd()}), or null. */
    public BpfMap mapByFd(int fd) {
        Region r = shared.get(fd);
        return r != null && r.kind() == Region.Kind.MAP_HANDLE && r.owner() instanceof BpfMap m ? m : null;
    }

    // ---- programs ----

    /** The loaded program with this id, or null. */
    public VmProgram programById(int id) {
        return programs.get(id);
    }

    /**
     * Loads raw instructions. A {@code lddw} of a map names it by {@link BpfMap#fd()} ({@code MAP_FD}), or
     * a map value by fd and offset ({@code MAP_VALUE}, offset in the second immediate); function
     * addresses ({@code BPF_PSEUDO_FUNC}) and BPF-to-BPF calls are relative, as the kernel takes them.
     */
    public VmProgram program(String name, ProgramType type, List<Instruction> instructions) {
        return register(name, type, null, instructions, (slot, insn) -> switch (insn.src()) {
            case Pseudo.MAP_FD -> requireMap(name, slot, insn.imm()).handleAddress();
            case Pseudo.MAP_VALUE -> {
                BpfMap m = requireMap(name, slot, insn.imm());
                if (!(m instanceof ArrayMap a)) {
                    throw new BpfLoadException("program '" + name + "' instruction " + slot + ": map '" + m.name()
                            + "' has no direct value address (only array maps do)");
                }
                yield a.valueAddress(0) + insn.nextImm();
            }
            default -> throw new BpfLoadException("program '" + name + "' instruction " + slot
                    + ": lddw source " + insn.src() + " is not supported for raw programs");
        });
    }

    private BpfMap requireMap(String program, int slot, int fd) {
        BpfMap m = mapByFd(fd);
        if (m == null) {
            throw new BpfLoadException("program '" + program + "' instruction " + slot + ": no map with fd " + fd);
        }
        return m;
    }

    VmProgram register(String name, ProgramType type, dev.ebpf4j.object.ProgramSpec spec, List<Instruction> insns,
                       Code.LoadResolver resolver) {
        VmProgram p = new VmProgram(this, nextProgramId.getAndIncrement(), name, type, spec);
        p.setCode(new Code(name, insns, shared, resolver, p));
        programs.put(p.id(), p);
        return p;
    }

    /** Loads an object: a map for every map spec, a program for every program spec. */
    public VmObject load(ObjectSpec spec) {
        return new VmObject(this, spec);
    }

    /** Opens and loads the object file at {@code path}. */
    public VmObject load(Path path) {
        return load(ObjectSpec.open(path));
    }

    // ---- kernel memory the caller supplied ----

    /**
     * The address of {@link VmOptions#currentTask()} in this VM's memory ({@code bpf_get_current_task}); mapped
     * read-only on first use, with every struct it points at.
     */
    public long currentTaskAddress() {
        return kernelAddress(options.currentTask());
    }

    /** The address of the typed ksym {@code name} ({@link VmOptions#ksyms()}), mapped on first use; empty if none. */
    public java.util.OptionalLong ksymAddress(String name) {
        KernelStruct s = options.ksyms().get(name);
        return s == null ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(kernelAddress(s));
    }

    /** Maps {@code struct} and what it points at (once per VM), writes the pointers, returns its address. */
    public synchronized long kernelAddress(KernelStruct struct) {
        Long known = kernelStructs.get(struct);
        if (known != null) {
            return known;
        }
        Map<KernelStruct, java.lang.foreign.MemorySegment> mapped = new java.util.IdentityHashMap<>();
        for (KernelStruct s : struct.reachable()) {
            if (!kernelStructs.containsKey(s)) {
                byte[] bytes = s.bytes();
                var seg = Segments.copyOf(bytes, Math.max(1, bytes.length));
                Region r = shared.register(Region.Kind.KERNEL, s.name(), seg, true, false, s);
                kernelStructs.put(s, r.base());
                mapped.put(s, seg);
            }
        }
        mapped.forEach((s, seg) -> s.pointers().forEach((off, target) ->
                Segments.set(seg, off, 8, kernelStructs.get(target))));
        return kernelStructs.get(struct);
    }

    /** The address of the 8-byte read-only value of extern {@code symbol} (kconfig: {@link VmOptions#kconfig()}, else 0). */
    long externAddress(String symbol) {
        return externs.computeIfAbsent(symbol, s -> {
            Long v = options.kconfig().get(s);
            if (v == null) {
                LOG.warn("extern '{}' has no value in the VM's kconfig; programs read 0", s);
                v = 0L;
            }
            var seg = Segments.allocate(8);
            Segments.set(seg, 0, 8, v);
            return shared.register(Region.Kind.EXTERN, s, seg, true, false, null).base();
        });
    }
}
