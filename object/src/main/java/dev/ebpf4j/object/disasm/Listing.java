package dev.ebpf4j.object.disasm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;

import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;

/**
 * A section's disassembly laid out as {@code llvm-objdump -d} prints it: the
 * {@code Disassembly of section X:} header, a {@code 0000000000000000 <name>:} header before every
 * symbol, then one line per instruction with the slot index, optionally the raw bytes, and the
 * {@link ObjdumpDisassembler} text; optionally {@code -r} style relocation lines and {@code -S} style
 * {@code ; source} lines.
 *
 * <p>Knows nothing about ELF: the caller passes symbols, relocations and source lines as plain
 * maps, keyed by byte offset within the section (symbols, relocations) or slot index (source).
 *
 * <pre>{@code
 * String text = Listing.builder("xdp", instructions)
 *         .symbol(0, "hello")
 *         .relocation(0, "R_BPF_64_64", "counter")
 *         .sourceLine(0, "\tbpf_printk(\"Hello World %d\", counter);")
 *         .build()
 *         .render();
 * }</pre>
 */
public final class Listing {

    /** A relocation annotation: its type name (e.g. {@code R_BPF_64_64}) and target symbol name. */
    public record Relocation(String type, String symbol) {
        public Relocation {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(symbol, "symbol");
        }
    }

    private final String sectionName;
    private final List<Instruction> instructions;
    private final long baseOffset;
    private final NavigableMap<Long, String> symbols;
    private final NavigableMap<Long, List<Relocation>> relocations;
    private final NavigableMap<Integer, String> sourceLines;
    private final boolean rawBytes;
    private final boolean repeatSource;
    private final LabelResolver labels;

    private Listing(Builder b) {
        this.sectionName = b.sectionName;
        this.instructions = List.copyOf(b.instructions);
        this.baseOffset = b.baseOffset;
        this.symbols = new TreeMap<>(b.symbols);
        this.relocations = new TreeMap<>();
        b.relocations.forEach((k, v) -> relocations.put(k, List.copyOf(v)));
        this.sourceLines = new TreeMap<>(b.sourceLines);
        this.rawBytes = b.rawBytes;
        this.repeatSource = b.repeatSource;
        this.labels = b.labels != null ? b.labels : LabelResolver.nearestSymbol(symbols);
    }

    /**
     * A listing of {@code instructions}, the contents of section {@code sectionName} (or a part of it,
     * see {@link Builder#baseOffset}).
     */
    public static Builder builder(String sectionName, List<Instruction> instructions) {
        return new Builder(sectionName, instructions);
    }

    /** The line llvm-objdump starts its output with, preceded by an empty line. */
    public static String fileHeader(String fileName) {
        return "\n" + fileName + ":\tfile format elf64-bpf\n";
    }

    /** The label resolver the listing uses for jump targets. */
    public LabelResolver labels() {
        return labels;
    }

    /** The listing text: {@code "\nDisassembly of section X:\n"} followed by symbol headers and lines. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        sb.append("\nDisassembly of section ").append(sectionName).append(":\n");
        int[] slots = Instructions.slots(instructions);
        int baseSlot = (int) (baseOffset / Instructions.SLOT_SIZE);
        if (instructions.isEmpty() || !symbols.containsKey(baseOffset)) {
            // llvm-objdump names an unlabelled start after the section
            sb.append(String.format("\n%016x <%s>:\n", baseOffset, sectionName));
        }
        String lastSource = null;
        for (int i = 0; i < slots.length; i++) {
            Instruction insn = instructions.get(i);
            int slot = baseSlot + slots[i];
            long start = Instructions.byteOffset(slot);
            long end = start + insn.byteSize();
            for (Map.Entry<Long, String> sym : symbols.subMap(start, true, end, false).entrySet()) {
                sb.append(String.format("\n%016x <%s>:\n", sym.getKey(), sym.getValue()));
                lastSource = null; // llvm-objdump -S prints the current line again after every symbol
            }
            String source = sourceLines.get(slot);
            if (source != null && source.isEmpty()) {
                lastSource = null; // code with no source line (line 0): the next line is printed again
            } else if (source != null && (repeatSource || !source.equals(lastSource))) {
                sb.append("; ").append(source).append('\n');
                lastSource = source;
            }
            sb.append(String.format("%8d:\t", slot));
            if (rawBytes) {
                byte[] bytes = Instructions.encode(List.of(insn));
                for (int k = 0; k < bytes.length; k++) {
                    if (k > 0) {
                        sb.append(' ');
                    }
                    sb.append(String.format("%02x", bytes[k] & 0xff));
                }
                sb.append('\t');
            }
            sb.append(ObjdumpDisassembler.text(insn, slot, labels)).append('\n');
            for (Map.Entry<Long, List<Relocation>> rel : relocations.subMap(start, true, end, false).entrySet()) {
                for (Relocation r : rel.getValue()) {
                    sb.append(String.format("\t\t%016x:  %s\t%s\n", rel.getKey(), r.type(), r.symbol()));
                }
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return render();
    }

    /** Options of a {@link Listing}. */
    public static final class Builder {
        private final String sectionName;
        private final List<Instruction> instructions;
        private long baseOffset;
        private final Map<Long, String> symbols = new TreeMap<>();
        private final Map<Long, List<Relocation>> relocations = new TreeMap<>();
        private final Map<Integer, String> sourceLines = new TreeMap<>();
        private boolean rawBytes = true;
        private boolean repeatSource;
        private LabelResolver labels;

        private Builder(String sectionName, List<Instruction> instructions) {
            this.sectionName = Objects.requireNonNull(sectionName, "sectionName");
            this.instructions = new ArrayList<>(Objects.requireNonNull(instructions, "instructions"));
        }

        /**
         * Byte offset of the first instruction within the section (default 0); a multiple of 8. Slot
         * indices, symbol, relocation and label offsets are all section-relative.
         */
        public Builder baseOffset(long offset) {
            if (offset < 0 || offset % Instructions.SLOT_SIZE != 0) {
                throw new IllegalArgumentException("base offset must be a non-negative multiple of 8: " + offset);
            }
            this.baseOffset = offset;
            return this;
        }

        /** A symbol header ({@code 0000000000000088 <LBB1_2>:}) before the instruction at {@code byteOffset}. */
        public Builder symbol(long byteOffset, String name) {
            symbols.put(byteOffset, Objects.requireNonNull(name, "name"));
            return this;
        }

        /** Several symbols, byte offset to name. */
        public Builder symbols(Map<Long, String> byOffset) {
            byOffset.forEach(this::symbol);
            return this;
        }

        /** A relocation line after the instruction that contains {@code byteOffset}. */
        public Builder relocation(long byteOffset, String type, String symbol) {
            relocations.computeIfAbsent(byteOffset, k -> new ArrayList<>()).add(new Relocation(type, symbol));
            return this;
        }

        /** Several relocations, byte offset to relocation. */
        public Builder relocations(Map<Long, Relocation> byOffset) {
            byOffset.forEach((off, r) -> relocation(off, r.type(), r.symbol()));
            return this;
        }

        /** A {@code ; text} line before the instruction at {@code slot}. */
        public Builder sourceLine(int slot, String text) {
            sourceLines.put(slot, Objects.requireNonNull(text, "text"));
            return this;
        }

        /** Several source lines, slot index to text. */
        public Builder sourceLines(Map<Integer, String> bySlot) {
            bySlot.forEach(this::sourceLine);
            return this;
        }

        /** Whether to print the hex bytes column (default true, like {@code llvm-objdump -d}). */
        public Builder showRawBytes(boolean show) {
            this.rawBytes = show;
            return this;
        }

        /**
         * Whether a source line equal to the previously printed one is printed again (default false:
         * printed only when it changes, like {@code llvm-objdump -S}; bpftool repeats them).
         */
        public Builder repeatSourceLines(boolean repeat) {
            this.repeatSource = repeat;
            return this;
        }

        /**
         * How jump targets are labelled (default: {@link LabelResolver#nearestSymbol} over the
         * listing's symbols); {@link LabelResolver#NONE} for no labels.
         */
        public Builder labels(LabelResolver resolver) {
            this.labels = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        public Listing build() {
            return new Listing(this);
        }
    }
}
