package dev.ebpf4j.object.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One section of an ELF file: its header fields and a read-only view of its bytes.
 *
 * @param index     position in the section header table
 * @param name      name from the section header string table
 * @param type      {@code sh_type}, one of the {@code SHT_*} constants of {@link ElfFile}
 * @param flags     {@code sh_flags}
 * @param offset    file offset of the section's bytes
 * @param size      size in bytes (for {@code SHT_NOBITS}, the size in memory; no file bytes)
 * @param link      {@code sh_link}
 * @param info      {@code sh_info} (for relocation sections, the index of the section they patch)
 * @param alignment {@code sh_addralign}
 * @param entrySize {@code sh_entsize}
 */
public record ElfSection(int index, String name, int type, long flags, long offset, long size,
                         int link, int info, long alignment, long entrySize, ByteBuffer bytes) {

    public static final long SHF_WRITE = 0x1;
    public static final long SHF_ALLOC = 0x2;
    public static final long SHF_EXECINSTR = 0x4;

    public ElfSection {
        bytes = bytes.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /** The section's bytes from position 0, little-endian and read-only; empty for {@code SHT_NOBITS}. */
    public ByteBuffer data() {
        return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0);
    }

    /** A copy of the section's bytes ({@code size} zero bytes for {@code SHT_NOBITS}). */
    public byte[] copyBytes() {
        if (type == ElfFile.SHT_NOBITS) {
            return new byte[Math.toIntExact(size)];
        }
        byte[] out = new byte[bytes.capacity()];
        data().get(out);
        return out;
    }

    public boolean isExecutable() {
        return type == ElfFile.SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0;
    }

    public boolean isWritable() {
        return (flags & SHF_WRITE) != 0;
    }

    public boolean isNoBits() {
        return type == ElfFile.SHT_NOBITS;
    }

    @Override
    public String toString() {
        return "section " + index + " (" + name + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ElfSection s && s.index == index && s.name.equals(name) && s.offset == offset && s.size == size;
    }

    @Override
    public int hashCode() {
        return index * 31 + name.hashCode();
    }
}
