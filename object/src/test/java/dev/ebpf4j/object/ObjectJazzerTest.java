package dev.ebpf4j.object;

import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import com.code_intelligence.jazzer.junit.FuzzTest;

import dev.ebpf4j.object.elf.ElfFile;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Coverage-guided fuzzing (Jazzer) of the ELF reader and the object model built on it. The seeds are the committed
 * {@code examples/*.bpf.o}; committed crash inputs live in {@code ObjectJazzerTestInputs/elfReader}.
 *
 * <p>In a normal build this runs in regression mode (the seeds, the empty input and the committed inputs). With
 * {@code JAZZER_FUZZ=1} it fuzzes (see docs/reliability.md). A crash is anything but a {@link BpfFormatException}
 * with a message.
 */
class ObjectJazzerTest {

    static Stream<Arguments> exampleObjects() {
        return TestObjects.exampleObjects().stream().map(p -> Arguments.of(TestObjects.read(p)));
    }

    @MethodSource("exampleObjects")
    @FuzzTest(maxDuration = "30s")
    void elfReader(byte[] input) {
        try {
            FuzzChecks.readEverySection(ElfFile.parse(input));
            ObjectSpec o = ObjectSpec.parse(input, "fuzz.bpf.o");
            for (ProgramSpec p : o.programs()) {
                p.linkedCode();
                p.tag();
                p.mapsUsed();
                o.funcInfos(p);
                o.lineInfos(p);
                o.coreRelocations(p);
            }
            o.callGraph();
            o.variables();
        } catch (BpfFormatException e) {
            FuzzChecks.requireMessage(e);
        }
    }
}
