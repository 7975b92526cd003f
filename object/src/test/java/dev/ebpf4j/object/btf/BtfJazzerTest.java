package dev.ebpf4j.object.btf;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.FuzzChecks;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Coverage-guided fuzzing (Jazzer) of the BTF and BTF.ext parsers, seeded with the {@code .BTF}/{@code .BTF.ext}
 * sections of the committed examples and a blob with every BTF kind. A parse either fails with a
 * {@link BpfFormatException} that has a message, or yields a model that survives the whole API (including an
 * encode/parse round trip); anything else is a finding.
 */
class BtfJazzerTest {
    /** The BTF each BTF.ext input is read against: the example objects' own, in file order. */
    private static final List<Btf> BASES = new ArrayList<>();
    private static final List<byte[]> EXTS = new ArrayList<>();

    static {
        for (Path p : TestObjects.exampleObjects()) {
            BASES.add(Btf.parse(Sections.btf(p)));
            EXTS.add(Sections.btfExt(p));
        }
    }

    static Stream<Arguments> btfSeeds() {
        Stream<byte[]> examples = TestObjects.exampleObjects().stream().map(Sections::btf);
        return Stream.concat(examples, Stream.of(AllKinds.btf().encode())).map(Arguments::of);
    }

    @MethodSource("btfSeeds")
    @FuzzTest(maxDuration = "30s")
    void btf(byte[] input) {
        Btf btf;
        try {
            btf = Btf.parse(input);
        } catch (BpfFormatException e) {
            FuzzChecks.requireMessage(e);
            return;
        }
        BtfFuzzTest.exercise(btf);
    }

    /** Input: one byte choosing the example whose BTF the rest (a BTF.ext section) refers to. */
    static Stream<Arguments> extSeeds() {
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < EXTS.size(); i++) {
            byte[] in = new byte[EXTS.get(i).length + 1];
            in[0] = (byte) i;
            System.arraycopy(EXTS.get(i), 0, in, 1, EXTS.get(i).length);
            out.add(Arguments.of(in));
        }
        return out.stream();
    }

    @MethodSource("extSeeds")
    @FuzzTest(maxDuration = "30s")
    void btfExt(byte[] input) {
        if (input.length == 0) {
            return;
        }
        Btf base = BASES.get((input[0] & 0xff) % BASES.size());
        BtfExt ext;
        try {
            ext = BtfExt.parse(Arrays.copyOfRange(input, 1, input.length), base);
        } catch (BpfFormatException e) {
            FuzzChecks.requireMessage(e);
            return;
        }
        BtfFuzzTest.exercise(ext);
    }
}
