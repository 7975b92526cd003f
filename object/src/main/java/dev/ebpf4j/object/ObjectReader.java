package dev.ebpf4j.object;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfExt;
import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.elf.ElfRelocation;
import dev.ebpf4j.object.elf.ElfSection;
import dev.ebpf4j.object.elf.ElfSymbol;
import dev.ebpf4j.object.insn.Opcode;
import dev.ebpf4j.object.insn.Pseudo;

/** Turns a parsed ELF file into an {@link ObjectSpec}. One instance reads one object. */
final class ObjectReader {
    private static final int LDDW = Opcode.LD_IMM64;
    private static final int CALL = Opcode.CALL_OP;
    private static final int PSEUDO_CALL = Pseudo.CALL;
    private static final int PSEUDO_KFUNC_CALL = Pseudo.KFUNC_CALL;
    private static final int LEGACY_MAP_DEF_SIZE = 20;

    private final ElfFile elf;
    private final String objectName;
    private Btf btf;
    private BtfExt btfExt;
    /** Function symbols by section index, then start slot. */
    private final Map<Integer, Map<Integer, ElfSymbol>> functionStarts = new HashMap<>();
    /** Map name by (section index, byte offset) for map definition sections. */
    private final Map<Integer, Map<Long, String>> mapSymbols = new HashMap<>();
    private final Map<String, MapSpec> dataMaps = new LinkedHashMap<>();

    ObjectReader(ElfFile elf, String objectName) {
        this.elf = elf;
        this.objectName = objectName;
    }

    ObjectSpec read() {
        if (elf.elfType() != ElfFile.ET_REL) {
            throw new BpfFormatException("ELF type is " + elf.elfType() + ", not a relocatable object (ET_REL) as clang -c writes");
        }
        String license = elf.section("license").map(ObjectReader::cString).orElse("");
        int kernelVersion = elf.section("version").map(s -> {
            if (s.size() != 4) {
                throw new BpfFormatException(s + ": kernel version must be 4 bytes, is " + s.size());
            }
            return ByteBuffer.wrap(contents(s)).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        }).orElse(0);
        elf.section(".BTF").ifPresent(s -> btf = Btf.parse(s.data()));
        elf.section(".BTF.ext").ifPresent(s -> {
            if (btf == null) {
                throw new BpfFormatException(".BTF.ext is present but .BTF is not");
            }
            btfExt = BtfExt.parse(s.data(), btf);
        });

        List<MapSpec> maps = new ArrayList<>();
        maps.addAll(readBtfMaps());
        maps.addAll(readLegacyMaps());
        maps.addAll(readDataMaps());
        Set<String> names = new LinkedHashSet<>();
        for (MapSpec m : maps) {
            if (!names.add(m.name())) {
                throw new BpfFormatException("map '" + m.name() + "' is defined twice");
            }
        }

        indexFunctions();
        List<FunctionSpec> functions = new ArrayList<>();
        for (ElfSection s : elf.sections()) {
            if (s.isExecutable() && s.size() > 0) {
                functions.addAll(readFunctions(s));
            }
        }
        Map<String, FunctionSpec> byName = new LinkedHashMap<>();
        for (FunctionSpec f : functions) {
            if (byName.putIfAbsent(f.name(), f) != null) {
                throw new BpfFormatException("function '" + f.name() + "' is defined twice");
            }
        }
        List<ProgramSpec> programs = new ArrayList<>();
        for (FunctionSpec f : functions) {
            if (f.section().equals(".text")) {
                continue;
            }
            ProgramSection.Match match = ProgramSection.require(f.section());
            if (!f.global()) {
                throw new BpfFormatException("section '" + f.section() + "': program '" + f.name()
                        + "' is static; programs must be global functions (static functions belong in .text)");
            }
            programs.add(new ProgramSpec(f.name(), match, f, subprogramsOf(f, byName), license, kernelVersion));
        }
        return new ObjectSpec(objectName, license, kernelVersion, programs, functions, maps, btf, btfExt, elf);
    }

    /** The functions {@code entry} reaches, in the order libbpf appends them: depth first, by first call site. */
    private static List<FunctionSpec> subprogramsOf(FunctionSpec entry, Map<String, FunctionSpec> byName) {
        List<FunctionSpec> out = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        seen.add(entry.name());
        appendCallees(entry, byName, seen, out);
        return out;
    }

    private static void appendCallees(FunctionSpec f, Map<String, FunctionSpec> byName, Set<String> seen,
                                      List<FunctionSpec> out) {
        for (String callee : f.callees()) {
            if (seen.add(callee)) {
                FunctionSpec sub = byName.get(callee);
                out.add(sub);
                appendCallees(sub, byName, seen, out);
            }
        }
    }

    // ---------------------------------------------------------------- maps

    private List<MapSpec> readBtfMaps() {
        ElfSection section = elf.section(".maps").orElse(null);
        if (section == null) {
            return List.of();
        }
        if (btf == null) {
            throw new BpfFormatException(".maps: BTF-defined maps need the object's .BTF section, which is missing"
                    + " (compile with clang -g)");
        }
        List<MapSpec> out = new ArrayList<>();
        Map<Long, String> byOffset = new HashMap<>();
        for (ElfSymbol sym : mapSymbolsIn(section)) {
            out.add(BtfMapReader.read(btf, sym.name(), section.name()));
            byOffset.put(sym.value(), sym.name());
        }
        mapSymbols.put(section.index(), byOffset);
        return out;
    }

    /**
     * The bytes of a section this reader interprets ({@code size} zeros for {@code SHT_NOBITS}). A section that
     * declares a size but has no bytes in the file (a {@code SHT_NULL} header with a size) is a format error.
     */
    private static byte[] contents(ElfSection s) {
        if (!s.isNoBits() && s.data().remaining() != s.size()) {
            throw new BpfFormatException(s + ": declares " + s.size() + " bytes but has " + s.data().remaining()
                    + " in the file (section type " + s.type() + ")");
        }
        return s.copyBytes();
    }

    private List<MapSpec> readLegacyMaps() {
        ElfSection section = elf.section("maps").orElse(null);
        if (section == null) {
            return List.of();
        }
        List<ElfSymbol> symbols = mapSymbolsIn(section);
        if (symbols.isEmpty()) {
            return List.of();
        }
        if (section.size() % symbols.size() != 0) {
            throw new BpfFormatException(section + ": " + section.size() + " bytes do not divide into " + symbols.size()
                    + " equal map definitions");
        }
        int defSize = (int) (section.size() / symbols.size());
        if (defSize < LEGACY_MAP_DEF_SIZE) {
            throw new BpfFormatException(section + ": map definitions of " + defSize + " bytes are shorter than"
                    + " struct bpf_map_def (20 bytes)");
        }
        ByteBuffer data = ByteBuffer.wrap(contents(section)).order(ByteOrder.LITTLE_ENDIAN);
        List<MapSpec> out = new ArrayList<>();
        Map<Long, String> byOffset = new HashMap<>();
        for (ElfSymbol sym : symbols) {
            long off = sym.value();
            if (off < 0 || off + defSize > section.size() || off % defSize != 0) {
                throw new BpfFormatException(section + ": map '" + sym.name() + "' at offset " + off
                        + " is not a whole " + defSize + "-byte definition inside the section");
            }
            int p = (int) off;
            for (int extra = p + LEGACY_MAP_DEF_SIZE; extra < p + defSize; extra++) {
                if (data.get(extra) != 0) {
                    throw new BpfFormatException(section + ": map '" + sym.name() + "' sets byte " + (extra - p)
                            + " of its definition, beyond the fields of struct bpf_map_def this library understands");
                }
            }
            int typeValue = data.getInt(p);
            MapType type = MapType.of(typeValue).orElseThrow(() -> new BpfFormatException(section + ": map '" + sym.name()
                    + "' has unknown map type " + typeValue));
            out.add(new MapSpec(sym.name(), kernelMapName(sym.name()), MapSpec.Kind.LEGACY, section.name(), type,
                    data.getInt(p + 4), data.getInt(p + 8), data.getInt(p + 12), data.getInt(p + 16),
                    MapSpec.Pinning.NONE, 0, 0, 0, 0, null, null, List.of()));
            byOffset.put(off, sym.name());
        }
        mapSymbols.put(section.index(), byOffset);
        return out;
    }

    private List<ElfSymbol> mapSymbolsIn(ElfSection section) {
        return elf.symbolsIn(section).stream()
                .filter(s -> s.type() == ElfSymbol.STT_OBJECT || (s.type() == ElfSymbol.STT_NOTYPE && s.isGlobal()))
                .sorted(Comparator.comparingLong(ElfSymbol::value))
                .toList();
    }

    static boolean isDataSection(String name) {
        return name.equals(".bss") || name.startsWith(".bss.") || name.equals(".data") || name.startsWith(".data.")
                || name.equals(".rodata") || name.startsWith(".rodata.");
    }

    private List<MapSpec> readDataMaps() {
        List<MapSpec> out = new ArrayList<>();
        for (ElfSection s : elf.sections()) {
            if (!isDataSection(s.name()) || s.isExecutable() || s.size() == 0
                    || (s.type() != ElfFile.SHT_PROGBITS && s.type() != ElfFile.SHT_NOBITS)) {
                continue;
            }
            if (s.size() > Integer.MAX_VALUE) {
                throw new BpfFormatException(s + ": global data section of " + s.size() + " bytes is too large");
            }
            boolean readOnly = s.name().startsWith(".rodata");
            int flags = MapSpec.BPF_F_MMAPABLE | (readOnly ? MapSpec.BPF_F_RDONLY_PROG : 0);
            int valueTypeId = btf == null ? 0 : ObjectBtf.dataSection(btf, s.name()).orElse(0);
            MapSpec map = new MapSpec(s.name(), internalMapName(s.name()), MapSpec.Kind.GLOBAL_DATA, s.name(),
                    MapType.ARRAY, 4, (int) s.size(), 1, flags, MapSpec.Pinning.NONE, 0, 0, 0, valueTypeId,
                    null, contents(s), variablesOf(s));
            out.add(map);
            dataMaps.put(s.name(), map);
        }
        return out;
    }

    private List<GlobalVariable> variablesOf(ElfSection s) {
        Map<String, Integer> btfTypes = btf == null ? Map.of() : ObjectBtf.variableTypes(btf, s.name());
        List<GlobalVariable> out = new ArrayList<>();
        for (ElfSymbol sym : elf.symbolsIn(s)) {
            if (sym.type() != ElfSymbol.STT_OBJECT) {
                continue;
            }
            if (sym.value() < 0 || sym.value() + sym.size() > s.size()) {
                throw new BpfFormatException(s + ": variable '" + sym.name() + "' at offset " + sym.value() + " size "
                        + sym.size() + " lies outside the section (" + s.size() + " bytes)");
            }
            out.add(new GlobalVariable(sym.name(), s.name(), (int) sym.value(), (int) sym.size(),
                    btfTypes.getOrDefault(sym.name(), 0), sym.isGlobal()));
        }
        out.sort(Comparator.comparingInt(GlobalVariable::offset).thenComparing(GlobalVariable::name));
        return out;
    }

    /** libbpf's kernel name for a global data map: a prefix of the object name, then the section name. */
    String internalMapName(String section) {
        int suffixLength = Math.max(7, section.length());
        int prefixLength = section.indexOf('.', 1) >= 0 ? 0 : Math.max(0, Math.min(15 - suffixLength, objectName.length()));
        String name = objectName.substring(0, prefixLength) + section.substring(0, Math.min(section.length(), suffixLength));
        return sanitize(name.length() > 15 ? name.substring(0, 15) : name);
    }

    static String kernelMapName(String name) {
        return sanitize(name.length() > 15 ? name.substring(0, 15) : name);
    }

    private static String sanitize(String name) {
        StringBuilder b = new StringBuilder(name.length());
        for (char c : name.toCharArray()) {
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- functions and references

    private void indexFunctions() {
        for (ElfSymbol sym : elf.symbols()) {
            if (!sym.isFunction() || !sym.isDefined()) {
                continue;
            }
            ElfSection s = elf.section(sym.sectionIndex());
            if (!s.isExecutable()) {
                throw new BpfFormatException("function '" + sym.name() + "' is in " + s + ", which is not executable");
            }
            // value and size are unsigned 64-bit fields: compare without letting value + size wrap around
            if (sym.value() % 8 != 0 || sym.size() % 8 != 0 || sym.size() <= 0 || sym.value() < 0
                    || sym.value() > s.size() || sym.size() > s.size() - sym.value()) {
                throw new BpfFormatException(s + ": function '" + sym.name() + "' at offset "
                        + Long.toUnsignedString(sym.value()) + " size " + Long.toUnsignedString(sym.size())
                        + " is not a whole number of instructions inside the section (" + s.size() + " bytes)");
            }
            functionStarts.computeIfAbsent(s.index(), k -> new HashMap<>()).put((int) (sym.value() / 8), sym);
        }
    }

    private List<FunctionSpec> readFunctions(ElfSection section) {
        if (section.size() % 8 != 0) {
            throw new BpfFormatException(section + ": " + section.size() + " bytes is not a whole number of 8-byte instructions");
        }
        Map<Integer, ElfSymbol> starts = functionStarts.getOrDefault(section.index(), Map.of());
        if (starts.isEmpty()) {
            throw new BpfFormatException(section + ": executable section has code but no function symbol");
        }
        List<ElfSymbol> symbols = starts.values().stream().sorted(Comparator.comparingLong(ElfSymbol::value)).toList();
        long end = 0;
        for (ElfSymbol sym : symbols) {
            if (sym.value() < end) {
                throw new BpfFormatException(section + ": function '" + sym.name() + "' overlaps the function before it");
            }
            end = sym.value() + sym.size();
        }
        byte[] code = contents(section);
        Map<Integer, ElfRelocation> relocations = new HashMap<>();
        for (ElfRelocation r : elf.relocations(section)) {
            if (r.offset() % 8 != 0) {
                throw new BpfFormatException(section + ": relocation at offset " + r.offset() + " is not at an instruction boundary");
            }
            if (relocations.put((int) (r.offset() / 8), r) != null) {
                throw new BpfFormatException(section + ": two relocations at offset " + r.offset());
            }
        }
        List<FunctionSpec> out = new ArrayList<>();
        for (ElfSymbol sym : symbols) {
            int first = (int) (sym.value() / 8);
            int slots = (int) (sym.size() / 8);
            List<Reference> refs = new ArrayList<>();
            for (int i = 0; i < slots; i++) {
                int slot = first + i;
                int opcode = code[slot * 8] & 0xff;
                ElfRelocation rel = relocations.remove(slot);
                if (rel != null) {
                    refs.add(reference(section, sym, slot, i, opcode, code, rel));
                } else if (opcode == CALL && src(code, slot) == PSEUDO_CALL) {
                    int target = slot + imm(code, slot) + 1;
                    refs.add(new Reference.Call(i, functionAt(section, target, sym, i).name(), section.name(), target));
                }
                if (opcode == LDDW) {
                    if (i + 1 >= slots) {
                        throw new BpfFormatException(where(section, sym, i) + ": lddw is cut off by the end of the function");
                    }
                    i++;
                }
            }
            out.add(new FunctionSpec(sym.name(), section.name(), first,
                    java.util.Arrays.copyOfRange(code, first * 8, (first + slots) * 8), refs, sym.isGlobal()));
        }
        if (!relocations.isEmpty()) {
            int slot = relocations.keySet().iterator().next();
            throw new BpfFormatException(section + ": relocation at offset " + (slot * 8L) + " lies outside every function");
        }
        return out;
    }

    private Reference reference(ElfSection section, ElfSymbol fn, int slot, int index, int opcode, byte[] code,
                                ElfRelocation rel) {
        ElfSymbol sym = rel.symbol();
        String where = where(section, fn, index);
        if (opcode == LDDW) {
            if (rel.kind() != ElfRelocation.Kind.R_BPF_64_64) {
                throw new BpfFormatException(where + ": lddw has relocation " + rel.typeName() + ", expected R_BPF_64_64");
            }
            if (!sym.isDefined()) {
                return new Reference.Extern(index, sym.name(), false, isKconfig(sym.name()));
            }
            ElfSection target = elf.section(sym.sectionIndex());
            int imm = imm(code, slot);
            Map<Long, String> maps = mapSymbols.get(target.index());
            if (maps != null) {
                long off = sym.isSection() ? Integer.toUnsignedLong(imm) : sym.value();
                String map = maps.get(off);
                if (map == null) {
                    throw new BpfFormatException(where + ": lddw refers to offset " + off + " of " + target
                            + ", where no map is defined");
                }
                return new Reference.MapFd(index, map);
            }
            MapSpec data = dataMaps.get(target.name());
            if (data != null) {
                long off = sym.value() + imm;
                if (off < 0 || off > data.valueSize()) {
                    throw new BpfFormatException(where + ": lddw refers to offset " + off + " of " + target
                            + ", outside its " + data.valueSize() + " bytes");
                }
                GlobalVariable v = data.variableAt((int) off);
                return new Reference.MapValue(index, data.name(), (int) off, v == null ? null : v.name());
            }
            if (target.isExecutable()) {
                long off = sym.value() + imm;
                if (off % 8 != 0) {
                    throw new BpfFormatException(where + ": function address " + off + " in " + target
                            + " is not at an instruction boundary");
                }
                int targetSlot = (int) (off / 8);
                return new Reference.FunctionAddress(index, functionAt(target, targetSlot, fn, index).name(),
                        target.name(), targetSlot);
            }
            if (target.size() == 0 && isDataSection(target.name())) {
                throw new BpfFormatException(where + ": lddw refers to empty data section " + target.name());
            }
            throw new BpfFormatException(where + ": lddw refers to symbol '" + symbolName(sym) + "' in " + target
                    + ", which holds neither maps, global data nor code");
        }
        if (opcode == CALL) {
            int src = src(code, slot);
            if (src == PSEUDO_KFUNC_CALL || !sym.isDefined()) {
                return new Reference.Extern(index, sym.name(), true, false);
            }
            if (src != PSEUDO_CALL) {
                throw new BpfFormatException(where + ": helper call (src_reg " + src + ") carries a relocation to '"
                        + symbolName(sym) + "'");
            }
            if (rel.kind() != ElfRelocation.Kind.R_BPF_64_32) {
                throw new BpfFormatException(where + ": call has relocation " + rel.typeName() + ", expected R_BPF_64_32");
            }
            ElfSection target = elf.section(sym.sectionIndex());
            if (!target.isExecutable()) {
                throw new BpfFormatException(where + ": call to '" + symbolName(sym) + "' in " + target
                        + ", which is not code");
            }
            if (sym.value() % 8 != 0) {
                throw new BpfFormatException(where + ": call target '" + symbolName(sym) + "' is not instruction aligned");
            }
            long targetSlot = sym.value() / 8 + imm(code, slot) + 1;
            return new Reference.Call(index, functionAt(target, targetSlot, fn, index).name(), target.name(), (int) targetSlot);
        }
        throw new BpfFormatException(where + ": relocation " + rel.typeName() + " against '" + symbolName(sym)
                + "' on opcode 0x" + Integer.toHexString(opcode) + ", which is neither lddw nor call");
    }

    /** True when {@code name} is a variable of the object's {@code .kconfig} DATASEC (declared {@code __kconfig}). */
    private boolean isKconfig(String name) {
        return btf != null && ObjectBtf.variableTypes(btf, ".kconfig").containsKey(name);
    }

    private ElfSymbol functionAt(ElfSection section, long slot, ElfSymbol caller, int index) {
        ElfSymbol f = slot < 0 || slot > Integer.MAX_VALUE ? null
                : functionStarts.getOrDefault(section.index(), Map.of()).get((int) slot);
        if (f == null) {
            throw new BpfFormatException(where(elf.section(caller.sectionIndex()), caller, index) + ": call target slot "
                    + slot + " of " + section + " is not the start of a function");
        }
        return f;
    }

    private String symbolName(ElfSymbol sym) {
        return sym.isSection() ? elf.section(sym.sectionIndex()).name() : sym.name();
    }

    private static String where(ElfSection section, ElfSymbol fn, int index) {
        return "section '" + section.name() + "', function '" + fn.name() + "', insn " + index;
    }

    private static int src(byte[] code, int slot) {
        return (code[slot * 8 + 1] >> 4) & 0xf;
    }

    private static int imm(byte[] code, int slot) {
        return ByteBuffer.wrap(code, slot * 8 + 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static String cString(ElfSection s) {
        byte[] b = contents(s);
        int n = 0;
        while (n < b.length && b[n] != 0) {
            n++;
        }
        return new String(b, 0, n, StandardCharsets.UTF_8);
    }
}
