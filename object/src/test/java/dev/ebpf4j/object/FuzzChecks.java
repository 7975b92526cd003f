package dev.ebpf4j.object;

import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.elf.ElfSection;

/** What the fuzz targets accept as a clean refusal. */
public final class FuzzChecks {
    private FuzzChecks() {}

    /** A typed refusal must say what is wrong: a missing or blank message is a finding. */
    public static void requireMessage(RuntimeException e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            throw new AssertionError(e.getClass().getSimpleName() + " without a message", e);
        }
    }

    /** Reads everything the ELF reader offers per section: its bytes, its relocations, its symbols. */
    public static void readEverySection(ElfFile elf) {
        for (ElfSection s : elf.sections()) {
            s.copyBytes();
            elf.relocations(s);
            elf.symbolsIn(s);
        }
    }
}
