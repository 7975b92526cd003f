package dev.ebpf4j.vm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.Reference;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.insn.Pseudo;
import dev.ebpf4j.vm.maps.ArrayMap;
import dev.ebpf4j.vm.maps.BpfMap;
import dev.ebpf4j.vm.maps.GlobalDataMap;

/**
 * An object loaded into a {@link BpfVm}: a Java map for every map the object declares (global data
 * filled with its initial value, {@code .rodata} read-only for programs) and a program for every
 * program, its map references resolved. A map or program the VM cannot support does not stop the
 * rest from loading: asking for it throws a {@link BpfLoadException} with the reason ({@link #failures()}).
 */
public final class VmObject {
    private final BpfVm vm;
    private final ObjectSpec spec;
    private final Map<String, BpfMap> maps = new LinkedHashMap<>();
    private final Map<String, VmProgram> programs = new LinkedHashMap<>();
    private final Map<String, String> failures = new LinkedHashMap<>();

    VmObject(BpfVm vm, ObjectSpec spec) {
        this.vm = vm;
        this.spec = spec;
        for (MapSpec m : spec.maps()) {
            try {
                maps.put(m.name(), vm.createMap(m));
            } catch (RuntimeException e) {
                failures.put(m.name(), e.getMessage());
            }
        }
        for (ProgramSpec p : spec.programs()) {
            try {
                programs.put(p.name(), loadProgram(p));
            } catch (BpfLoadException e) {
                failures.put(p.name(), e.getMessage());
            }
        }
    }

    private VmProgram loadProgram(ProgramSpec p) {
        List<Instruction> insns = new ArrayList<>(CoreTarget.instructions(spec, p, vm.options()));
        Map<Integer, Reference> bySlot = new HashMap<>();
        for (Reference r : p.linkedReferences()) {
            bySlot.put(r.insnIndex(), r);
            if (r instanceof Reference.Extern e && !e.call()) {
                int i = Instructions.indexOfSlot(insns, r.insnIndex());
                Instruction insn = insns.get(i);
                if (insn.isLoadImm64()) {
                    insns.set(i, insn.withSrc(Pseudo.MAP_VALUE));
                }
            }
        }
        return vm.register(p.name(), p.type(), p, insns, (slot, insn) -> {
            Reference r = bySlot.get(slot);
            return switch (r) {
                case Reference.MapFd m -> map(p, m.map()).handleAddress();
                case Reference.MapValue v -> {
                    BpfMap m = map(p, v.map());
                    if (!(m instanceof ArrayMap a)) {
                        throw new BpfLoadException("program '" + p.name() + "': map '" + m.name() + "' has no direct value address");
                    }
                    yield a.valueAddress(0) + insn.nextImm();
                }
                case Reference.Extern e when !isKsym(spec, e) -> vm.externAddress(e.symbol()) + insn.nextImm();
                case Reference.Extern e -> vm.ksymAddress(e.symbol()).orElseThrow(() -> new BpfLoadException(
                        "program '" + p.name() + "' instruction " + slot + ": " + missingKsym(e.symbol())))
                        + insn.nextImm();
                case null -> throw new BpfLoadException("program '" + p.name() + "' instruction " + slot
                        + ": lddw with source " + insn.src() + " has no relocation to resolve it");
                default -> throw new BpfLoadException("program '" + p.name() + "' instruction " + slot
                        + ": unexpected reference " + r);
            };
        });
    }

    /**
     * Whether {@code e} names a kernel variable ({@code __ksym}) rather than a kconfig value: a non-call extern
     * outside the object's {@code .kconfig} section (objects without BTF cannot tell; their externs stay kconfig).
     */
    public static boolean isKsym(ObjectSpec object, Reference.Extern e) {
        return !e.call() && !e.kconfig() && object.btf() != null;
    }

    /** Why a program reading kernel variable {@code symbol} cannot run without it. */
    public static String missingKsym(String symbol) {
        return "ksym '" + symbol + "' is a kernel variable, and the fallback VM has no kernel memory: supply its bytes"
                + " with VmOptions.withKsym(\"" + symbol + "\", ...)";
    }

    private BpfMap map(ProgramSpec p, String name) {
        BpfMap m = maps.get(name);
        if (m == null) {
            throw new BpfLoadException("program '" + p.name() + "' uses map '" + name + "', which could not be created: "
                    + failures.getOrDefault(name, "unknown map"));
        }
        return m;
    }

    public BpfVm vm() {
        return vm;
    }

    public ObjectSpec spec() {
        return spec;
    }

    /** Maps by object name. */
    public Map<String, BpfMap> maps() {
        return Collections.unmodifiableMap(maps);
    }

    /** The map called {@code name} (as {@code MapSpec.name()}: {@code .bss}, {@code counts}...). */
    public BpfMap map(String name) {
        BpfMap m = maps.get(name);
        if (m == null) {
            throw failures.containsKey(name) ? new BpfLoadException(failures.get(name))
                    : new NoSuchElementException("no map '" + name + "' in " + spec.name() + " (maps: " + maps.keySet() + ")");
        }
        return m;
    }

    /** The map called {@code name}, as its implementation class. */
    public <T extends BpfMap> T map(String name, Class<T> type) {
        return type.cast(map(name));
    }

    /** Programs by name. */
    public Map<String, VmProgram> programs() {
        return Collections.unmodifiableMap(programs);
    }

    public VmProgram program(String name) {
        VmProgram p = programs.get(name);
        if (p == null) {
            throw failures.containsKey(name) ? new BpfLoadException(failures.get(name))
                    : new NoSuchElementException("no program '" + name + "' in " + spec.name() + " (programs: "
                            + programs.keySet() + ")");
        }
        return p;
    }

    /** Maps and programs that could not be loaded, with the reason. */
    public Map<String, String> failures() {
        return Collections.unmodifiableMap(failures);
    }

    /** The global data section map holding variable {@code variable}. */
    public GlobalDataMap globals(String variable) {
        for (BpfMap m : maps.values()) {
            if (m instanceof GlobalDataMap g && g.hasVariable(variable)) {
                return g;
            }
        }
        throw new NoSuchElementException("no global variable '" + variable + "' in " + spec.name());
    }

    /** A global integer variable's value (unsigned, of its size). */
    public long readGlobal(String variable) {
        return globals(variable).readLong(variable);
    }

    /** A global variable's bytes. */
    public byte[] readGlobalBytes(String variable) {
        return globals(variable).read(variable);
    }

    /** Sets a global integer variable (also {@code .rodata} ones, as user space does before load). */
    public void writeGlobal(String variable, long value) {
        globals(variable).writeLong(variable, value);
    }
}
