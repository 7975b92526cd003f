package dev.ebpf4j.object.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Mutated real BTF and BTF.ext (byte flips, interesting 32-bit values, truncations, splices): parsing
 * either succeeds or throws {@link BpfFormatException}; a successful parse survives the whole API.
 */
class BtfFuzzTest {
    private static final Duration LIMIT = Duration.ofSeconds(10);

    record Seed(String name, byte[] btf, byte[] ext) {}

    private static final List<Seed> SEEDS = seeds();

    private static List<Seed> seeds() {
        List<Seed> out = new ArrayList<>();
        for (Path p : TestObjects.exampleObjects()) {
            out.add(new Seed(p.getFileName().toString(), Sections.btf(p), Sections.btfExt(p)));
        }
        out.add(new Seed("all-kinds", AllKinds.btf().encode(), null));
        return out;
    }

    /** One edit of a blob. */
    record Mutation(int op, int position, int value) {
        byte[] apply(byte[] in) {
            if (in.length == 0) {
                return in;
            }
            int pos = Math.floorMod(position, in.length);
            byte[] b = in.clone();
            switch (op) {
                case 0 -> b[pos] ^= (byte) (1 << (value & 7)); // bit flip
                case 1 -> b[pos] = (byte) value; // byte set
                case 2 -> { // a 32-bit word set to an interesting value, aligned as BTF fields are
                    int at = pos & ~3;
                    if (at + 4 <= b.length) {
                        int[] interesting = {0, 1, -1, 0xffff, 0x7fffffff, 0x8000_0000, in.length, value, value & 0xff,
                            0x0d00_0000, 0x8400_0002};
                        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(at,
                                interesting[Math.floorMod(value, interesting.length)]);
                    }
                }
                case 3 -> b = Arrays.copyOf(b, pos); // truncate
                case 4 -> { // splice: copy a run of bytes from elsewhere in the blob
                    int from = Math.floorMod(value, in.length);
                    int len = Math.min(1 + Math.floorMod(value >>> 8, 48), Math.min(in.length - from, in.length - pos));
                    System.arraycopy(in, from, b, pos, len);
                }
                default -> b = Arrays.copyOf(b, b.length + 1 + Math.floorMod(value, 64)); // extend with zeros
            }
            return b;
        }
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Mutation> one = Combinators.combine(
                Arbitraries.integers().between(0, 5),
                Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.integers()).as(Mutation::new);
        return one.list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<Integer> seedIndex() {
        return Arbitraries.integers().between(0, SEEDS.size() - 1);
    }

    @Property(tries = 1500)
    void mutatedBtfParsesOrFailsCleanly(@ForAll("seedIndex") int seed, @ForAll("mutations") List<Mutation> edits) {
        byte[] blob = SEEDS.get(seed).btf();
        for (Mutation m : edits) {
            blob = m.apply(blob);
        }
        byte[] input = blob;
        String outcome = assertTimeoutPreemptively(LIMIT, () -> {
            Btf btf;
            try {
                btf = Btf.parse(input);
            } catch (BpfFormatException e) {
                return "rejected";
            }
            exercise(btf);
            byte[] ext = SEEDS.get(seed).ext();
            if (ext != null) {
                try {
                    exercise(BtfExt.parse(ext, btf));
                } catch (BpfFormatException e) {
                    // the mutated BTF may no longer fit the records: that must be reported cleanly
                }
            }
            return "parsed";
        });
        Statistics.label("btf").collect(outcome);
    }

    @Property(tries = 1500)
    void mutatedExtParsesOrFailsCleanly(@ForAll("seedIndex") int seed, @ForAll("mutations") List<Mutation> edits) {
        Seed s = SEEDS.get(seed);
        if (s.ext() == null) {
            s = SEEDS.getFirst();
        }
        Btf btf = Btf.parse(s.btf());
        byte[] blob = s.ext();
        for (Mutation m : edits) {
            blob = m.apply(blob);
        }
        byte[] input = blob;
        String outcome = assertTimeoutPreemptively(LIMIT, () -> {
            try {
                exercise(BtfExt.parse(input, btf));
                return "parsed";
            } catch (BpfFormatException e) {
                return "rejected";
            }
        });
        Statistics.label("ext").collect(outcome);
    }

    /** Runs every accessor; only sizeOf and members may throw, and only BpfFormatException. */
    static void exercise(Btf btf) {
        BtfDump.dump(btf);
        for (int id = 0; id < btf.typeCount(); id++) {
            BtfType t = btf.type(id);
            assertEquals(t.kind(), btf.kind(id));
            assertEquals(t.name(), btf.name(id));
            btf.describe(id);
            btf.resolvedType(id);
            try {
                btf.sizeOf(id);
            } catch (BpfFormatException e) {
                // void, functions, forward declarations ... have no size
            }
            try {
                btf.members(id);
            } catch (BpfFormatException e) {
                // not a struct or union
            }
            if (!t.name().isEmpty()) {
                btf.findByName(t.name());
            }
        }
        Btf again = Btf.parse(btf.encode());
        assertEquals(btf.types(), again.types());
        assertEquals(btf.types(), Btf.parse(btf.encode(ByteOrder.BIG_ENDIAN)).types());
    }

    static void exercise(BtfExt ext) {
        for (String sec : ext.sections()) {
            ext.funcInfos(sec).forEach(ext::funcName);
            for (BtfExt.LineInfo li : ext.lineInfos(sec)) {
                ext.fileName(li);
                ext.lineText(li);
            }
            for (BtfExt.CoreRelocation r : ext.coreRelocations(sec)) {
                r.accessIndices();
                ext.btf().describe(r.typeId());
            }
        }
    }
}
