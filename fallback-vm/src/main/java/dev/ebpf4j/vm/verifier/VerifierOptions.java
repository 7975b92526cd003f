package dev.ebpf4j.vm.verifier;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.MapType;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.Reference;

/**
 * What the {@link Verifier} checks a program against.
 *
 * @param programType  the program type, which fixes the context (R1), the helpers allowed and the return value
 *                     rules; {@code null} selects the ISA/conformance mode: R1 = pointer to memory of unknown
 *                     length (bounds checked at run time), R2 = scalar, and the RFC 9669 semantics of shifts by
 *                     large immediates and division by an immediate zero are accepted instead of refused as the
 *                     kernel refuses them
 * @param maps         maps by the number in the {@code lddw}'s imm (a map fd for {@code MAP_FD}/{@code MAP_VALUE},
 *                     an fd_array index for {@code MAP_IDX}/{@code MAP_IDX_VALUE})
 * @param mapsAtSlot   maps by the slot of the {@code lddw} that refers to them, taking precedence over
 *                     {@code maps}; a plain {@code lddw} (src 0) listed here is taken as the address of that map's
 *                     value (a resolved {@code extern}, as libbpf turns {@code __kconfig} externs into {@code .kconfig}
 *                     map values)
 * @param helpers      the helpers the program may call
 * @param maxProcessed complexity budget: abstract instruction visits before giving up, as the kernel's 1M limit
 * @param logLevel     0: no log; 1: errors and a summary; 2: also every processed instruction with its register state
 */
public record VerifierOptions(ProgramType programType, Map<Integer, MapInfo> maps, Map<Integer, MapInfo> mapsAtSlot,
                              HelperSet helpers, int maxProcessed, int logLevel) {

    /** The kernel's limit on processed instructions ({@code BPF_COMPLEXITY_LIMIT_INSNS}). */
    public static final int DEFAULT_MAX_PROCESSED = 1_000_000;

    public VerifierOptions {
        maps = Map.copyOf(maps);
        mapsAtSlot = Map.copyOf(mapsAtSlot);
        Objects.requireNonNull(helpers, "helpers");
        if (maxProcessed <= 0) {
            throw new IllegalArgumentException("maxProcessed must be positive: " + maxProcessed);
        }
        if (logLevel < 0 || logLevel > 2) {
            throw new IllegalArgumentException("logLevel is 0, 1 or 2: " + logLevel);
        }
    }

    /** A program of {@code type}, the VM's helper table, no maps. */
    public static VerifierOptions of(ProgramType type) {
        Objects.requireNonNull(type, "type");
        return new VerifierOptions(type, Map.of(), Map.of(), HelperSet.kernelSubset(), DEFAULT_MAX_PROCESSED, 1);
    }

    /** The BPF ISA conformance contract: R1 = memory, R2 = its length, helper 5 only, no program type. */
    public static VerifierOptions conformance() {
        return new VerifierOptions(null, Map.of(), Map.of(), HelperSet.conformance(), DEFAULT_MAX_PROCESSED, 1);
    }

    /**
     * A program from an object, to be checked in its {@link ProgramSpec#linkedInstructions() linked form}: its
     * type, and every map reference bound by slot to the object's map declaration. Kconfig externs
     * ({@code __kconfig}) are bound to a read-only 8-byte {@code .kconfig} value, as a loader resolves them; typed
     * ksyms ({@code extern const struct x name __ksym}) to read-only memory of their declared type's size (the VM
     * maps the bytes given with {@code VmOptions.withKsym}); an untyped ksym is an address, a plain number.
     */
    public static VerifierOptions forProgram(ObjectSpec object, ProgramSpec program) {
        Map<Integer, MapInfo> bySlot = new HashMap<>();
        for (Reference r : program.linkedReferences()) {
            switch (r) {
                case Reference.MapFd m -> bySlot.put(m.insnIndex(), mapInfo(object, m.map()));
                case Reference.MapValue v -> bySlot.put(v.insnIndex(), mapInfo(object, v.map()));
                case Reference.Extern e when !e.call() && (e.kconfig() || object.btf() == null) ->
                        bySlot.put(e.insnIndex(), MapInfo.of(".kconfig", MapType.ARRAY, 4, 8, 1, true));
                case Reference.Extern e when !e.call() -> {
                    long size = ksymSize(object, e.symbol());
                    if (size > 0) {
                        bySlot.put(e.insnIndex(), MapInfo.of(e.symbol(), MapType.ARRAY, 4, (int) size, 1, true));
                    }
                }
                default -> { }
            }
        }
        return of(program.type()).withMapsAtSlot(bySlot);
    }

    /** The size of the type the object declares for ksym {@code symbol}; 0 when untyped ({@code void}) or unknown. */
    public static long ksymSize(ObjectSpec object, String symbol) {
        if (object.btf() == null) {
            return 0;
        }
        for (int id : object.btf().findByName(symbol, dev.ebpf4j.object.btf.BtfType.Var.class)) {
            var v = object.btf().type(id, dev.ebpf4j.object.btf.BtfType.Var.class);
            try {
                return object.btf().sizeOf(v.type());
            } catch (RuntimeException noSize) {
                return 0; // void: an address only
            }
        }
        return 0;
    }

    private static MapInfo mapInfo(ObjectSpec object, String name) {
        MapSpec spec = object.map(name).orElseThrow(
                () -> new IllegalArgumentException("object " + object.name() + " has no map " + name));
        return MapInfo.from(spec);
    }

    /** True in the ISA/conformance mode ({@code programType == null}). */
    public boolean isaMode() {
        return programType == null;
    }

    public VerifierOptions withProgramType(ProgramType type) {
        return new VerifierOptions(type, maps, mapsAtSlot, helpers, maxProcessed, logLevel);
    }

    public VerifierOptions withMaps(Map<Integer, MapInfo> byImm) {
        return new VerifierOptions(programType, byImm, mapsAtSlot, helpers, maxProcessed, logLevel);
    }

    /** This plus map {@code info} under fd (or fd_array index) {@code imm}. */
    public VerifierOptions withMap(int imm, MapInfo info) {
        Map<Integer, MapInfo> m = new HashMap<>(maps);
        m.put(imm, info);
        return withMaps(m);
    }

    public VerifierOptions withMapsAtSlot(Map<Integer, MapInfo> bySlot) {
        return new VerifierOptions(programType, maps, bySlot, helpers, maxProcessed, logLevel);
    }

    public VerifierOptions withHelpers(HelperSet set) {
        return new VerifierOptions(programType, maps, mapsAtSlot, set, maxProcessed, logLevel);
    }

    public VerifierOptions withMaxProcessed(int max) {
        return new VerifierOptions(programType, maps, mapsAtSlot, helpers, max, logLevel);
    }

    public VerifierOptions withLogLevel(int level) {
        return new VerifierOptions(programType, maps, mapsAtSlot, helpers, maxProcessed, level);
    }
}
