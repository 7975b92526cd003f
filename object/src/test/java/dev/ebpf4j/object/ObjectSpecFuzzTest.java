package dev.ebpf4j.object;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.elf.ElfSection;
import dev.ebpf4j.object.testing.TestObjects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Real objects with bytes changed inside the parts the object model reads (code, relocations, symbols, map
 * definitions, BTF): the model is built or a BpfFormatException says why; no other exception, no hang.
 */
class ObjectSpecFuzzTest {
    private static final List<byte[]> OBJECTS = TestObjects.exampleObjects().stream().map(TestObjects::read).toList();
    private static final List<String> NAMES = TestObjects.exampleObjects().stream().map(p -> p.getFileName().toString()).toList();

    record Mutation(int object, int section, int[] offsets, byte[] values) {}

    @Provide
    Arbitrary<Mutation> mutations() {
        return Combinators.combine(
                Arbitraries.integers().between(0, OBJECTS.size() - 1),
                Arbitraries.integers().between(0, 63),
                Arbitraries.integers().between(0, Integer.MAX_VALUE).array(int[].class).ofMinSize(1).ofMaxSize(6),
                Arbitraries.bytes().array(byte[].class).ofSize(6))
                .as(Mutation::new);
    }

    @Property(tries = 4000)
    void mutatedSectionsBuildAModelOrFailCleanly(@ForAll("mutations") Mutation m) {
        byte[] bytes = OBJECTS.get(m.object()).clone();
        ElfFile elf = ElfFile.parse(bytes);
        List<ElfSection> withBytes = elf.sections().stream().filter(s -> s.size() > 0 && !s.isNoBits()).toList();
        ElfSection s = withBytes.get(m.section() % withBytes.size());
        for (int i = 0; i < m.offsets().length; i++) {
            bytes[(int) s.offset() + (int) (m.offsets()[i] % s.size())] = m.values()[i];
        }
        exercise(bytes, NAMES.get(m.object()));
    }

    /** Every 32-bit field of every relocation and symbol set to an extreme value. */
    @Property(tries = 2000)
    void extremeSymbolAndRelocationFieldsFailCleanly(@ForAll("objectIndex") int object, @ForAll("entry") int entry,
                                                     @ForAll("field") int field, @ForAll("extreme") int value,
                                                     @ForAll boolean relocation) {
        byte[] bytes = OBJECTS.get(object).clone();
        ElfFile elf = ElfFile.parse(bytes);
        List<ElfSection> tables = elf.sections().stream()
                .filter(s -> relocation ? s.type() == ElfFile.SHT_REL : s.type() == ElfFile.SHT_SYMTAB).toList();
        ElfSection t = tables.get(entry % tables.size());
        int entrySize = relocation ? 16 : 24;
        int count = (int) (t.size() / entrySize);
        int at = (int) t.offset() + (entry % count) * entrySize + (field % (entrySize / 4)) * 4;
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        exercise(bytes, NAMES.get(object));
    }

    private static void exercise(byte[] bytes, String name) {
        try {
            ObjectSpec o = ObjectSpec.parse(bytes, name);
            for (ProgramSpec p : o.programs()) {
                p.linkedCode();
                p.tag();
                p.mapsUsed();
            }
        } catch (BpfFormatException expected) {
            if (expected.getMessage() == null || expected.getMessage().isBlank()) {
                throw new AssertionError("BpfFormatException without a message", expected);
            }
        }
    }

    @Provide
    Arbitrary<Integer> objectIndex() {
        return Arbitraries.integers().between(0, OBJECTS.size() - 1);
    }

    @Provide
    Arbitrary<Integer> entry() {
        return Arbitraries.integers().between(0, 1000);
    }

    @Provide
    Arbitrary<Integer> field() {
        return Arbitraries.integers().between(0, 5);
    }

    @Provide
    Arbitrary<Integer> extreme() {
        return Arbitraries.of(0, 1, -1, 2, 8, 0xff, 0xffff, 0x10000, Integer.MAX_VALUE, Integer.MIN_VALUE, 1000);
    }
}
