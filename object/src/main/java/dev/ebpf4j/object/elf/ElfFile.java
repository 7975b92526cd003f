package dev.ebpf4j.object.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.ebpf4j.object.BpfFormatException;

/**
 * A parsed ELF64 little-endian relocatable file of machine {@code EM_BPF}, as {@code clang -target bpf}
 * writes it: its sections, symbols and relocations. Parsing reads only the given bytes; every offset and
 * count is checked against the file's size, so a malformed file gives a {@link BpfFormatException} that
 * says what and where.
 */
public final class ElfFile {
    public static final int EM_BPF = 247;
    public static final int ET_REL = 1;

    public static final int SHT_NULL = 0;
    public static final int SHT_PROGBITS = 1;
    public static final int SHT_SYMTAB = 2;
    public static final int SHT_STRTAB = 3;
    public static final int SHT_RELA = 4;
    public static final int SHT_NOBITS = 8;
    public static final int SHT_REL = 9;
    public static final int SHT_SYMTAB_SHNDX = 18;

    public static final int SHN_UNDEF = 0;
    public static final int SHN_LORESERVE = 0xff00;
    public static final int SHN_ABS = 0xfff1;
    public static final int SHN_COMMON = 0xfff2;
    public static final int SHN_XINDEX = 0xffff;

    /** The largest {@code SHT_NOBITS} section accepted: far above any map value the kernel allows. */
    public static final long MAX_NOBITS_SIZE = 64L << 20;

    private static final int EHDR_SIZE = 64;
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int REL_SIZE = 16;
    private static final int RELA_SIZE = 24;

    private final ByteBuffer file;
    private final int elfType;
    private final List<ElfSection> sections;
    private final Map<String, ElfSection> sectionsByName;
    private final List<ElfSymbol> symbols;
    private final Map<Integer, List<ElfRelocation>> relocationsByTarget;

    private ElfFile(ByteBuffer file) {
        this.file = file;
        if (file.capacity() < EHDR_SIZE) {
            throw new BpfFormatException("not an ELF file: " + file.capacity() + " bytes is shorter than the 64-byte ELF64 header");
        }
        if (file.getInt(0) != 0x464c457f) {
            throw new BpfFormatException("not an ELF file: bad magic at offset 0 (expected 7f 45 4c 46)");
        }
        if (file.get(4) != 2) {
            throw new BpfFormatException("unsupported ELF class " + file.get(4) + " at offset 4: eBPF objects are ELF64 (class 2)");
        }
        if (file.get(5) != 1) {
            throw new BpfFormatException(file.get(5) == 2
                    ? "big-endian ELF (offset 5): only little-endian eBPF objects are supported"
                    : "unsupported ELF data encoding " + file.get(5) + " at offset 5");
        }
        int machine = u16(18);
        if (machine != EM_BPF) {
            throw new BpfFormatException("ELF machine is " + machine + " (offset 18), not EM_BPF (247): not an eBPF object");
        }
        this.elfType = u16(16);
        long shoff = file.getLong(40);
        int shentsize = u16(58);
        long shnum = u16(60);
        int shstrndx = u16(62);
        if (shoff == 0) {
            throw new BpfFormatException("ELF has no section header table (e_shoff = 0)");
        }
        if (shentsize != SHDR_SIZE) {
            throw new BpfFormatException("ELF section header size is " + shentsize + " (offset 58), expected 64");
        }
        checkRange("section header table", shoff, SHDR_SIZE);
        if (shnum == 0) {
            shnum = file.getLong((int) shoff + 32);
        }
        if (shstrndx == SHN_XINDEX) {
            shstrndx = file.getInt((int) shoff + 40);
        }
        if (shnum < 1 || shnum > file.capacity() / SHDR_SIZE) {
            throw new BpfFormatException("ELF claims " + Long.toUnsignedString(shnum) + " sections, which do not fit in "
                    + file.capacity() + " bytes");
        }
        checkRange("section header table", shoff, shnum * SHDR_SIZE);
        if (shstrndx < 0 || shstrndx >= shnum) {
            throw new BpfFormatException("section name table index " + shstrndx + " is out of range (" + shnum + " sections)");
        }
        this.sections = readSections((int) shoff, (int) shnum, shstrndx);
        Map<String, ElfSection> byName = new LinkedHashMap<>();
        for (ElfSection s : sections) {
            byName.putIfAbsent(s.name(), s);
        }
        this.sectionsByName = Collections.unmodifiableMap(byName);
        this.symbols = readSymbols();
        this.relocationsByTarget = readRelocations();
    }

    /** Parses {@code bytes} (which are not copied: do not change them afterwards). */
    public static ElfFile parse(byte[] bytes) {
        return parse(ByteBuffer.wrap(bytes));
    }

    /** Parses the bytes of {@code buffer} from position 0 to its capacity. */
    public static ElfFile parse(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate().clear().slice().order(ByteOrder.LITTLE_ENDIAN);
        return new ElfFile(b);
    }

    /** {@code e_type}: {@link #ET_REL} for objects clang writes. */
    public int elfType() {
        return elfType;
    }

    /** All sections in header table order, index 0 being the null section. */
    public List<ElfSection> sections() {
        return sections;
    }

    public Optional<ElfSection> section(String name) {
        return Optional.ofNullable(sectionsByName.get(name));
    }

    public ElfSection section(int index) {
        if (index < 0 || index >= sections.size()) {
            throw new BpfFormatException("section index " + index + " is out of range (" + sections.size() + " sections)");
        }
        return sections.get(index);
    }

    /** All symbols of {@code .symtab}, index 0 being the null symbol; empty when there is no symbol table. */
    public List<ElfSymbol> symbols() {
        return symbols;
    }

    /** The symbols defined in {@code section}, in table order. */
    public List<ElfSymbol> symbolsIn(ElfSection section) {
        List<ElfSymbol> out = new ArrayList<>();
        for (ElfSymbol s : symbols) {
            if (s.sectionIndex() == section.index() && s.isDefined()) {
                out.add(s);
            }
        }
        return out;
    }

    /** The relocations that patch {@code target}, in file order (empty when none). */
    public List<ElfRelocation> relocations(ElfSection target) {
        return relocationsByTarget.getOrDefault(target.index(), List.of());
    }

    private List<ElfSection> readSections(int shoff, int shnum, int shstrndx) {
        record Header(int nameOff, int type, long flags, long offset, long size, int link, int info, long align, long entsize) {}
        List<Header> headers = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            int h = shoff + i * SHDR_SIZE;
            headers.add(new Header(file.getInt(h), file.getInt(h + 4), file.getLong(h + 8), file.getLong(h + 24),
                    file.getLong(h + 32), file.getInt(h + 40), file.getInt(h + 44), file.getLong(h + 48), file.getLong(h + 56)));
        }
        Header strHdr = headers.get(shstrndx);
        if (strHdr.type() != SHT_STRTAB) {
            throw new BpfFormatException("section name table (section " + shstrndx + ") has type " + strHdr.type() + ", not SHT_STRTAB");
        }
        checkRange("section " + shstrndx + " (section names)", strHdr.offset(), strHdr.size());
        ByteBuffer names = slice(strHdr.offset(), strHdr.size());
        List<ElfSection> out = new ArrayList<>(shnum);
        for (int i = 0; i < shnum; i++) {
            Header h = headers.get(i);
            String name = string(names, h.nameOff(), "name of section " + i);
            ByteBuffer data;
            if (h.type() == SHT_NOBITS || h.type() == SHT_NULL) {
                if (h.type() == SHT_NOBITS && (h.size() < 0 || h.size() > MAX_NOBITS_SIZE)) {
                    throw new BpfFormatException("section " + i + " (" + name + "): 0x" + Long.toHexString(h.size())
                            + " bytes of zero-initialised data is more than the 64 MiB accepted"
                            + " (the kernel's limit for a map value is lower still)");
                }
                data = ByteBuffer.allocate(0);
            } else {
                checkRange("section " + i + " (" + name + ")", h.offset(), h.size());
                data = slice(h.offset(), h.size());
            }
            out.add(new ElfSection(i, name, h.type(), h.flags(), h.offset(), h.size(), h.link(), h.info(), h.align(),
                    h.entsize(), data));
        }
        return List.copyOf(out);
    }

    private List<ElfSymbol> readSymbols() {
        ElfSection symtab = null;
        for (ElfSection s : sections) {
            if (s.type() == SHT_SYMTAB) {
                if (symtab != null) {
                    throw new BpfFormatException("more than one symbol table: " + symtab + " and " + s);
                }
                symtab = s;
            }
        }
        if (symtab == null) {
            return List.of();
        }
        if (symtab.entrySize() != SYM_SIZE) {
            throw new BpfFormatException(symtab + ": symbol entry size is " + symtab.entrySize() + ", expected 24");
        }
        if (symtab.size() % SYM_SIZE != 0) {
            throw new BpfFormatException(symtab + ": size " + symtab.size() + " is not a multiple of 24");
        }
        ElfSection strtab = linkedSection(symtab, SHT_STRTAB, "string table");
        ByteBuffer strings = strtab.data();
        ByteBuffer shndx = null;
        for (ElfSection s : sections) {
            if (s.type() == SHT_SYMTAB_SHNDX && s.link() == symtab.index()) {
                shndx = s.data();
            }
        }
        ByteBuffer data = symtab.data();
        int count = (int) (symtab.size() / SYM_SIZE);
        List<ElfSymbol> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            int p = i * SYM_SIZE;
            int nameOff = data.getInt(p);
            int info = data.get(p + 4) & 0xff;
            int other = data.get(p + 5) & 0xff;
            int sectionIndex = data.getShort(p + 6) & 0xffff;
            if (sectionIndex == SHN_XINDEX) {
                if (shndx == null || (long) i * 4 + 4 > shndx.capacity()) {
                    throw new BpfFormatException(symtab + ": symbol " + i + " uses SHN_XINDEX but SHT_SYMTAB_SHNDX has no entry for it");
                }
                sectionIndex = shndx.getInt(i * 4);
            }
            String name = string(strings, nameOff, symtab + " symbol " + i + " name");
            ElfSymbol sym = new ElfSymbol(i, name, data.getLong(p + 8), data.getLong(p + 16), info & 0xf, info >>> 4,
                    other & 0x3, sectionIndex);
            if (sym.isDefined() && sectionIndex >= sections.size()) {
                throw new BpfFormatException(symtab + ": symbol " + i + " '" + name + "' is in section " + sectionIndex
                        + ", which does not exist (" + sections.size() + " sections)");
            }
            out.add(sym);
        }
        return List.copyOf(out);
    }

    private Map<Integer, List<ElfRelocation>> readRelocations() {
        Map<Integer, List<ElfRelocation>> out = new HashMap<>();
        for (ElfSection s : sections) {
            if (s.type() != SHT_REL && s.type() != SHT_RELA) {
                continue;
            }
            int entry = s.type() == SHT_REL ? REL_SIZE : RELA_SIZE;
            if (s.size() % entry != 0) {
                throw new BpfFormatException(s + ": size " + s.size() + " is not a multiple of the " + entry + "-byte entry");
            }
            if (s.info() <= 0 || s.info() >= sections.size()) {
                throw new BpfFormatException(s + ": patches section " + s.info() + ", which does not exist");
            }
            ElfSection symtab = linkedSection(s, SHT_SYMTAB, "symbol table");
            ElfSection target = sections.get(s.info());
            ByteBuffer data = s.data();
            int count = (int) (s.size() / entry);
            List<ElfRelocation> list = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                int p = i * entry;
                long offset = data.getLong(p);
                long info = data.getLong(p + 8);
                long addend = entry == RELA_SIZE ? data.getLong(p + 16) : 0;
                long symIndex = info >>> 32;
                int type = (int) info;
                if (symIndex >= symbols.size()) {
                    throw new BpfFormatException(s + ": relocation " + i + " names symbol " + symIndex + " but "
                            + symtab + " has " + symbols.size());
                }
                if (offset < 0 || offset >= target.size()) {
                    throw new BpfFormatException(s + ": relocation " + i + " at offset 0x" + Long.toHexString(offset)
                            + " is outside " + target + " (size 0x" + Long.toHexString(target.size()) + ")");
                }
                list.add(new ElfRelocation(offset, type, symbols.get((int) symIndex), addend));
            }
            out.merge(target.index(), list, (a, b) -> {
                List<ElfRelocation> merged = new ArrayList<>(a);
                merged.addAll(b);
                return merged;
            });
        }
        out.replaceAll((k, v) -> List.copyOf(v));
        return Map.copyOf(out);
    }

    private ElfSection linkedSection(ElfSection s, int type, String what) {
        if (s.link() <= 0 || s.link() >= sections.size()) {
            throw new BpfFormatException(s + ": links to " + what + " section " + s.link() + ", which does not exist");
        }
        ElfSection linked = sections.get(s.link());
        if (linked.type() != type) {
            throw new BpfFormatException(s + ": linked " + linked + " is not a " + what);
        }
        return linked;
    }

    private int u16(int offset) {
        return file.getShort(offset) & 0xffff;
    }

    private void checkRange(String what, long offset, long size) {
        long end = offset + size;
        if (offset < 0 || size < 0 || end < 0 || end > file.capacity()) {
            throw new BpfFormatException(what + ": bytes [0x" + Long.toHexString(offset) + ", +0x" + Long.toHexString(size)
                    + ") lie outside the file (0x" + Integer.toHexString(file.capacity()) + " bytes)");
        }
    }

    private ByteBuffer slice(long offset, long size) {
        return file.slice((int) offset, (int) size).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A NUL-terminated string at {@code offset} of a string table. */
    static String string(ByteBuffer table, int offset, String what) {
        if (offset < 0 || offset >= table.capacity()) {
            if (offset == 0 && table.capacity() == 0) {
                return "";
            }
            throw new BpfFormatException(what + ": string offset " + Integer.toUnsignedString(offset)
                    + " is outside its string table (" + table.capacity() + " bytes)");
        }
        int end = offset;
        while (end < table.capacity() && table.get(end) != 0) {
            end++;
        }
        if (end == table.capacity()) {
            throw new BpfFormatException(what + ": string at offset " + offset + " is not NUL-terminated");
        }
        byte[] b = new byte[end - offset];
        table.get(offset, b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
