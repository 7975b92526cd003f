package dev.ebpf4j.object;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfExt;
import dev.ebpf4j.object.elf.ElfFile;

/**
 * Everything an eBPF object file declares, parsed once: programs, the functions they are made of, maps
 * (BTF-defined, legacy and global data), global variables, license, kernel version, BTF and BTF.ext. Parsing
 * makes no system call besides reading the file; a loader turns this into kernel or fallback-VM objects
 * without parsing again.
 *
 * @param name          the object's name as libbpf derives it (file name up to its first dot, at most 15
 *                      characters), which prefixes the kernel names of its global data maps
 * @param license       the {@code license} section's string, "" when absent
 * @param kernelVersion the {@code version} section's value, 0 when absent
 * @param programs      programs in section order, then symbol order
 * @param functions     every function of every executable section, programs' entry functions included
 * @param maps          maps: BTF-defined, then legacy, then global data, each in section order
 * @param btf           the object's {@code .BTF}, or null when it has none
 * @param btfExt        the object's {@code .BTF.ext}, or null when it has none
 * @param elf           the ELF file it was read from (symbols and relocations for listings)
 */
public record ObjectSpec(String name, String license, int kernelVersion, List<ProgramSpec> programs,
                         List<FunctionSpec> functions, List<MapSpec> maps, Btf btf, BtfExt btfExt, ElfFile elf) {

    public ObjectSpec {
        programs = List.copyOf(programs);
        functions = List.copyOf(functions);
        maps = List.copyOf(maps);
    }

    /** Reads and parses an object file. */
    public static ObjectSpec open(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        try {
            return parse(bytes, path.getFileName().toString());
        } catch (BpfFormatException e) {
            throw new BpfFormatException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Parses an object held in memory.
     *
     * @param fileName the file name the object came from (for its name); any string without a path
     */
    public static ObjectSpec parse(byte[] bytes, String fileName) {
        return new ObjectReader(ElfFile.parse(bytes), objectName(fileName)).read();
    }

    /** libbpf's object name: the file name cut at its first dot, at most 15 characters. */
    public static String objectName(String fileName) {
        String base = fileName.substring(fileName.lastIndexOf('/') + 1);
        if (base.length() > 15) {
            base = base.substring(0, 15);
        }
        int dot = base.indexOf('.');
        return dot >= 0 ? base.substring(0, dot) : base;
    }

    public Optional<ProgramSpec> program(String name) {
        return programs.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public Optional<MapSpec> map(String name) {
        return maps.stream().filter(m -> m.name().equals(name)).findFirst();
    }

    public Optional<FunctionSpec> function(String name) {
        return functions.stream().filter(f -> f.name().equals(name)).findFirst();
    }

    /** Every function to the functions it calls directly (BPF-to-BPF calls and callbacks), in order of first use. */
    public java.util.Map<String, List<String>> callGraph() {
        java.util.Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        functions.forEach(f -> out.put(f.name(), f.callees()));
        return out;
    }

    /**
     * The BTF.ext function records of {@code program} as linked: one per function (entry first, then subprograms),
     * {@code insnOff} in bytes from the start of the linked program. Empty when the object has no BTF.ext.
     */
    public List<BtfExt.FuncInfo> funcInfos(ProgramSpec program) {
        return linked(program, BtfExt::funcInfos, BtfExt.FuncInfo::insnOff,
                (r, off) -> new BtfExt.FuncInfo(off, r.typeId()));
    }

    /** The BTF.ext line records of {@code program} as linked, {@code insnOff} in bytes of the linked program. */
    public List<BtfExt.LineInfo> lineInfos(ProgramSpec program) {
        return linked(program, BtfExt::lineInfos, BtfExt.LineInfo::insnOff,
                (r, off) -> new BtfExt.LineInfo(off, r.fileNameOff(), r.lineOff(), r.lineNum(), r.column()));
    }

    /** The CO-RE relocation records of {@code program} as linked, {@code insnOff} in bytes of the linked program. */
    public List<BtfExt.CoreRelocation> coreRelocations(ProgramSpec program) {
        return linked(program, BtfExt::coreRelocations, BtfExt.CoreRelocation::insnOff,
                (r, off) -> new BtfExt.CoreRelocation(off, r.typeId(), r.accessStringOff(), r.accessString(), r.kind()));
    }

    /**
     * {@code program}'s linked instructions with its CO-RE relocations applied against {@code target} (the running
     * kernel's BTF); unchanged when it has none.
     */
    public dev.ebpf4j.object.core.CoreRelocator.Result coreRelocate(ProgramSpec program, Btf target) {
        List<BtfExt.CoreRelocation> relos = coreRelocations(program);
        if (relos.isEmpty()) {
            return new dev.ebpf4j.object.core.CoreRelocator.Result(program.linkedInstructions(), List.of());
        }
        return new dev.ebpf4j.object.core.CoreRelocator(btf, target).relocate(program.linkedInstructions(), relos);
    }

    private <R> List<R> linked(ProgramSpec program, java.util.function.BiFunction<BtfExt, String, List<R>> records,
                               java.util.function.ToIntFunction<R> insnOff,
                               java.util.function.BiFunction<R, Integer, R> moved) {
        if (btfExt == null) {
            return List.of();
        }
        java.util.Map<String, Integer> layout = program.layout();
        java.util.List<R> out = new java.util.ArrayList<>();
        for (FunctionSpec f : program.functions()) {
            int base = layout.get(f.name());
            for (R r : records.apply(btfExt, f.section())) {
                int slot = insnOff.applyAsInt(r) / 8;
                if (slot >= f.slotOffset() && slot < f.slotOffset() + f.slots()) {
                    out.add(moved.apply(r, (base + slot - f.slotOffset()) * 8));
                }
            }
        }
        out.sort(java.util.Comparator.comparingInt(insnOff));
        return List.copyOf(out);
    }

    /** Every global variable of every data section, by section then offset. */
    public List<GlobalVariable> variables() {
        return maps.stream().flatMap(m -> m.variables().stream()).toList();
    }
}
