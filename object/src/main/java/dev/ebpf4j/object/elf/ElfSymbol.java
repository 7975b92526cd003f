package dev.ebpf4j.object.elf;

/**
 * One entry of the symbol table.
 *
 * @param index        position in {@code .symtab}
 * @param name         name from the symbol string table ("" when unnamed)
 * @param value        {@code st_value}: for objects, the offset within its section
 * @param size         {@code st_size}
 * @param type         {@code STT_*} from {@code st_info}
 * @param binding      {@code STB_*} from {@code st_info}
 * @param visibility   {@code STV_*} from {@code st_other}
 * @param sectionIndex {@code st_shndx}: the defining section, or a special index such as {@link ElfFile#SHN_UNDEF}
 */
public record ElfSymbol(int index, String name, long value, long size, int type, int binding, int visibility,
                        int sectionIndex) {
    public static final int STT_NOTYPE = 0;
    public static final int STT_OBJECT = 1;
    public static final int STT_FUNC = 2;
    public static final int STT_SECTION = 3;
    public static final int STT_FILE = 4;

    public static final int STB_LOCAL = 0;
    public static final int STB_GLOBAL = 1;
    public static final int STB_WEAK = 2;

    public static final int STV_DEFAULT = 0;
    public static final int STV_HIDDEN = 2;

    public boolean isFunction() {
        return type == STT_FUNC;
    }

    public boolean isSection() {
        return type == STT_SECTION;
    }

    public boolean isGlobal() {
        return binding == STB_GLOBAL || binding == STB_WEAK;
    }

    /** True when the symbol is defined in a regular section of this file (not undefined, absolute or common). */
    public boolean isDefined() {
        return sectionIndex != ElfFile.SHN_UNDEF && sectionIndex < ElfFile.SHN_LORESERVE;
    }
}
