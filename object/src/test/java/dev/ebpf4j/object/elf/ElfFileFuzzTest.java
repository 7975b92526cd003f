package dev.ebpf4j.object.elf;

import java.util.Arrays;
import java.util.List;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.FuzzChecks;
import dev.ebpf4j.object.testing.TestObjects;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Mutated real objects parse or fail with a BpfFormatException; nothing else escapes. */
class ElfFileFuzzTest {
    private static final List<byte[]> OBJECTS = TestObjects.exampleObjects().stream().map(TestObjects::read).toList();

    record Mutation(int object, int[] positions, byte[] values, int cut) {}

    @Provide
    Arbitrary<Mutation> mutations() {
        return Combinators.combine(
                Arbitraries.integers().between(0, OBJECTS.size() - 1),
                Arbitraries.integers().between(0, Integer.MAX_VALUE).array(int[].class).ofMinSize(1).ofMaxSize(8),
                Arbitraries.bytes().array(byte[].class).ofSize(8),
                Arbitraries.integers().between(-1, Integer.MAX_VALUE))
                .as(Mutation::new);
    }

    @Property(tries = 3000)
    void mutatedObjectsParseOrFailCleanly(@ForAll("mutations") Mutation m) {
        byte[] bytes = OBJECTS.get(m.object()).clone();
        // Flip bytes, mostly in the headers where the structure lives.
        for (int i = 0; i < m.positions().length; i++) {
            int pos = m.positions()[i] % (i % 2 == 0 ? Math.min(bytes.length, 64) : bytes.length);
            bytes[pos] = m.values()[i];
        }
        byte[] input = m.cut() < 0 ? bytes : Arrays.copyOf(bytes, m.cut() % (bytes.length + 1));
        try {
            FuzzChecks.readEverySection(ElfFile.parse(input));
        } catch (BpfFormatException expected) {
            FuzzChecks.requireMessage(expected);
        }
    }

    /** Section header fields set to extreme values, one at a time, in every section of every object. */
    @Property(tries = 2000)
    void extremeHeaderFieldsFailCleanly(@ForAll("objectIndex") int object, @ForAll("fieldOffsets") int field,
                                        @ForAll("extremes") long value, @ForAll("sectionIndex") int section) {
        byte[] bytes = OBJECTS.get(object).clone();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        long shoff = b.getLong(40);
        int shnum = b.getShort(60) & 0xffff;
        int at = (int) shoff + (section % shnum) * 64 + field;
        if (field == 0 || field == 4 || field == 40 || field == 44) {
            b.putInt(at, (int) value);
        } else {
            b.putLong(at, value);
        }
        try {
            ElfFile elf = ElfFile.parse(bytes);
            elf.sections().forEach(ElfSection::copyBytes);
        } catch (BpfFormatException expected) {
            // the only acceptable failure
        }
    }

    @Provide
    Arbitrary<Integer> objectIndex() {
        return Arbitraries.integers().between(0, OBJECTS.size() - 1);
    }

    @Provide
    Arbitrary<Integer> sectionIndex() {
        return Arbitraries.integers().between(0, 63);
    }

    @Provide
    Arbitrary<Integer> fieldOffsets() {
        return Arbitraries.of(0, 4, 8, 24, 32, 40, 44, 48, 56);
    }

    @Provide
    Arbitrary<Long> extremes() {
        return Arbitraries.of(0L, 1L, -1L, 7L, 0xffffL, 0x7fffffffL, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 1L << 32);
    }
}
