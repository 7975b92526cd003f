package dev.ebpf4j.object.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;

import dev.ebpf4j.object.testing.TestObjects;

/**
 * A minimal ELF64 little-endian section lookup for these tests only, so they do not depend on the
 * object model's ELF reader. It assumes well-formed input (the committed examples).
 */
final class Sections {
    private Sections() {}

    static Optional<byte[]> section(byte[] elf, String name) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != 0x464c457f || b.get(4) != 2 || b.get(5) != 1) {
            throw new IllegalArgumentException("not an ELF64 little-endian file");
        }
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3a) & 0xffff;
        int shnum = b.getShort(0x3c) & 0xffff;
        int shstrndx = b.getShort(0x3e) & 0xffff;
        long strOff = b.getLong((int) (shoff + (long) shstrndx * shentsize + 0x18));
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * shentsize);
            int nameOff = b.getInt(sh);
            int p = (int) (strOff + nameOff);
            int e = p;
            while (elf[e] != 0) {
                e++;
            }
            if (new String(elf, p, e - p, StandardCharsets.UTF_8).equals(name)) {
                long off = b.getLong(sh + 0x18);
                long size = b.getLong(sh + 0x20);
                byte[] out = new byte[(int) size];
                System.arraycopy(elf, (int) off, out, 0, (int) size);
                return Optional.of(out);
            }
        }
        return Optional.empty();
    }

    static byte[] btf(Path object) {
        return section(TestObjects.read(object), ".BTF").orElseThrow(() -> new AssertionError(object + " has no .BTF"));
    }

    static byte[] btfExt(Path object) {
        return section(TestObjects.read(object), ".BTF.ext")
                .orElseThrow(() -> new AssertionError(object + " has no .BTF.ext"));
    }
}
