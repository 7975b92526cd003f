package dev.ebpf4j.object;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.ebpf4j.object.btf.BtfExt;
import dev.ebpf4j.object.disasm.LabelResolver;
import dev.ebpf4j.object.disasm.Listing;
import dev.ebpf4j.object.disasm.ObjdumpDisassembler;
import dev.ebpf4j.object.elf.ElfRelocation;
import dev.ebpf4j.object.elf.ElfSection;
import dev.ebpf4j.object.elf.ElfSymbol;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;

/**
 * Disassembly listings of an object in llvm-objdump's style, with its symbols, relocations and the source lines
 * its BTF.ext line info names: either every code section as the file holds it, or one program linked as a loader
 * submits it (entry function, then subprograms).
 */
public final class ObjectListing {
    private ObjectListing() {}

    /** One instruction of a listing with what annotates it. */
    public record Line(String section, String function, int slot, Instruction instruction, String text,
                       SourceLine source) {
    }

    /** A source position from BTF.ext line info. */
    public record SourceLine(String text, String file, int line, int column) {
        /** bpftool's {@code linum} suffix: {@code [file:F line_num:N line_col:C]}. */
        public String linum() {
            return "[file:" + file + " line_num:" + line + " line_col:" + column + "]";
        }
    }

    /** Options: raw bytes column, relocation lines, and whether source lines carry bpftool's linum suffix. */
    public record Options(boolean rawBytes, boolean relocations, boolean linum) {
        public static final Options DEFAULT = new Options(true, true, false);
    }

    /** The listing of every code section, as {@code llvm-objdump -d -r -S} prints the file. */
    public static String sections(ObjectSpec object, Options options) {
        StringBuilder sb = new StringBuilder();
        for (ElfSection s : codeSections(object)) {
            List<Instruction> insns = Instructions.decode(s.data(), "section '" + s.name() + "'");
            Listing.Builder b = Listing.builder(s.name(), insns)
                    .symbols(symbolsOf(object, s))
                    .sourceLines(sourceText(sectionSource(object, s.name()), options.linum()))
                    .showRawBytes(options.rawBytes());
            if (options.relocations()) {
                b.relocations(relocationsOf(object, s));
            }
            sb.append(b.build().render());
        }
        return sb.toString();
    }

    /** The listing of one program as it is linked for loading: entry function first, then its subprograms. */
    public static String program(ObjectSpec object, ProgramSpec program, Options options) {
        Map<Long, String> symbols = new TreeMap<>();
        program.layout().forEach((name, slot) -> symbols.put(Instructions.byteOffset(slot), name));
        Listing.Builder b = Listing.builder(program.sectionName(), program.linkedInstructions()).symbols(symbols);
        if (options.relocations()) {
            b.relocations(referencesOf(program));
        }
        return b
                .sourceLines(sourceText(programSource(object, program), options.linum()))
                .showRawBytes(options.rawBytes())
                .build()
                .render();
    }

    /** The lines of {@link #sections} as data, for JSON output. */
    public static List<Line> sectionLines(ObjectSpec object) {
        List<Line> out = new ArrayList<>();
        for (ElfSection s : codeSections(object)) {
            List<Instruction> insns = Instructions.decode(s.data(), "section '" + s.name() + "'");
            Map<Long, String> symbols = symbolsOf(object, s);
            lines(out, s.name(), insns, symbols, sectionSource(object, s.name()));
        }
        return out;
    }

    /** The lines of {@link #program} as data, for JSON output. */
    public static List<Line> programLines(ObjectSpec object, ProgramSpec program) {
        Map<Long, String> symbols = new TreeMap<>();
        program.layout().forEach((name, slot) -> symbols.put(Instructions.byteOffset(slot), name));
        List<Line> out = new ArrayList<>();
        lines(out, program.sectionName(), program.linkedInstructions(), symbols, programSource(object, program));
        return out;
    }

    private static void lines(List<Line> out, String section, List<Instruction> insns, Map<Long, String> symbols,
                              Map<Integer, SourceLine> source) {
        LabelResolver labels = LabelResolver.nearestSymbol(symbols);
        int[] slots = Instructions.slots(insns);
        String function = null;
        for (int i = 0; i < insns.size(); i++) {
            String f = symbols.get(Instructions.byteOffset(slots[i]));
            if (f != null) {
                function = f;
            }
            out.add(new Line(section, function, slots[i], insns.get(i),
                    ObjdumpDisassembler.text(insns.get(i), slots[i], labels), source.get(slots[i])));
        }
    }

    private static List<ElfSection> codeSections(ObjectSpec object) {
        return object.elf().sections().stream().filter(s -> s.isExecutable() && s.size() > 0).toList();
    }

    /** Function and label symbols of a section by byte offset, as llvm-objdump names them. */
    static Map<Long, String> symbolsOf(ObjectSpec object, ElfSection section) {
        Map<Long, String> out = new TreeMap<>();
        for (ElfSymbol s : object.elf().symbolsIn(section)) {
            if (s.type() != ElfSymbol.STT_SECTION && s.type() != ElfSymbol.STT_FILE && !s.name().isEmpty()) {
                out.putIfAbsent(s.value(), s.name());
            }
        }
        return out;
    }

    /** A linked program's references as relocation-style annotations: what the loader patches, and with what. */
    static Map<Long, Listing.Relocation> referencesOf(ProgramSpec program) {
        Map<Long, Listing.Relocation> out = new TreeMap<>();
        for (Reference r : program.linkedReferences()) {
            Listing.Relocation note = switch (r) {
                case Reference.MapFd m -> new Listing.Relocation("map_fd", m.map());
                case Reference.MapValue v -> new Listing.Relocation("map_value", v.map() + "+" + v.offset()
                        + (v.variable() == null ? "" : " (" + v.variable() + ")"));
                case Reference.Call c -> new Listing.Relocation("call", c.function());
                case Reference.FunctionAddress f -> new Listing.Relocation("func_addr", f.function());
                case Reference.Extern e -> new Listing.Relocation(e.call() ? "extern_call" : "extern", e.symbol());
            };
            out.put(Instructions.byteOffset(r.insnIndex()), note);
        }
        return out;
    }

    static Map<Long, Listing.Relocation> relocationsOf(ObjectSpec object, ElfSection section) {
        Map<Long, Listing.Relocation> out = new TreeMap<>();
        for (ElfRelocation r : object.elf().relocations(section)) {
            ElfSymbol s = r.symbol();
            String name = s.isSection() ? object.elf().section(s.sectionIndex()).name() : s.name();
            out.put(r.offset(), new Listing.Relocation(r.typeName(), name));
        }
        return out;
    }

    /** Source lines of a section by slot, from BTF.ext line info. */
    static Map<Integer, SourceLine> sectionSource(ObjectSpec object, String section) {
        Map<Integer, SourceLine> out = new LinkedHashMap<>();
        BtfExt ext = object.btfExt();
        if (ext == null) {
            return out;
        }
        for (BtfExt.LineInfo li : ext.lineInfos(section)) {
            out.put(li.insnOff() / Instructions.SLOT_SIZE,
                    new SourceLine(ext.lineText(li), ext.fileName(li), li.lineNum(), li.column()));
        }
        return out;
    }

    /** Source lines of a linked program by slot: each function's lines moved to where the function lands. */
    static Map<Integer, SourceLine> programSource(ObjectSpec object, ProgramSpec program) {
        Map<Integer, SourceLine> out = new LinkedHashMap<>();
        Map<String, Integer> layout = program.layout();
        for (FunctionSpec f : program.functions()) {
            int base = layout.get(f.name());
            sectionSource(object, f.section()).forEach((slot, line) -> {
                int rel = slot - f.slotOffset();
                if (rel >= 0 && rel < f.slots()) {
                    out.put(base + rel, line);
                }
            });
        }
        return out;
    }

    private static Map<Integer, String> sourceText(Map<Integer, SourceLine> source, boolean linum) {
        Map<Integer, String> out = new TreeMap<>();
        // Line 0 marks compiler-generated code: no annotation, and the next real line is printed again.
        source.forEach((slot, line) -> out.put(slot, line.line() == 0 ? "" : linum ? line.text() + " " + line.linum() : line.text()));
        return out;
    }
}
