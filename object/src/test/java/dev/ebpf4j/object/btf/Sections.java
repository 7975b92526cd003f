package dev.ebpf4j.object.btf;

import java.nio.ByteBuffer;
import java.nio.file.Path;

import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.testing.TestObjects;

/** The .BTF and .BTF.ext sections of an example object, through the ELF reader. */
final class Sections {
    private Sections() {}

    static byte[] section(Path object, String name) {
        ElfFile elf = ElfFile.parse(TestObjects.read(object));
        ByteBuffer data = elf.section(name).orElseThrow(() -> new AssertionError(object + " has no " + name)).data();
        byte[] out = new byte[data.remaining()];
        data.duplicate().get(out);
        return out;
    }

    static byte[] btf(Path object) {
        return section(object, ".BTF");
    }

    static byte[] btfExt(Path object) {
        return section(object, ".BTF.ext");
    }
}
