package dev.ebpf4j.vm.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.ebpf4j.object.insn.ConformancePrograms;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;

/**
 * The BPF ISA conformance programs under the conformance contract: every program the suite expects to run (no
 * {@code -- error} section) is accepted, except the documented ones.
 */
class ConformanceVerifierTest {

    /** Programs the verifier refuses on purpose, with the reason it gives. */
    static final Map<String, String> REFUSED = Map.of(
            // callx is outside RFC 9669; the README allows a VM to reject it
            "callx.data", "insn 2: callx (indirect call through r2) is not supported");

    static List<ConformancePrograms.Program> programs() {
        return ConformancePrograms.all();
    }

    static boolean expectsError(String name) {
        Path file = ConformancePrograms.requireDirectory().resolve(name);
        try {
            return Files.readString(file).lines().anyMatch(l -> l.startsWith("-- error"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyConformanceProgram() {
        return programs().stream().map(p -> DynamicTest.dynamicTest(p.name(), () -> {
            List<Instruction> insns = Instructions.decode(p.bytes());
            String refused = REFUSED.get(p.name());
            if (refused != null || expectsError(p.name())) {
                VerifierException e = assertThrows(VerifierException.class,
                        () -> Verifier.verify(insns, VerifierOptions.conformance()));
                if (refused != null) {
                    assertEquals(refused, e.getMessage());
                }
                return;
            }
            VerifiedProgram v = Verifier.verify(insns, VerifierOptions.conformance());
            assertEquals(insns, v.instructions());
            assertTrue(v.processedInsns() >= 1);
        }));
    }

    @Test
    void countsAreAsDocumented() {
        List<ConformancePrograms.Program> all = programs();
        int accepted = 0;
        List<String> refused = new ArrayList<>();
        for (ConformancePrograms.Program p : all) {
            try {
                Verifier.verify(Instructions.decode(p.bytes()), VerifierOptions.conformance());
                accepted++;
            } catch (VerifierException e) {
                refused.add(p.name() + ": " + e.getMessage());
            }
        }
        assertEquals(313, all.size());
        assertEquals(List.of("callx.data: " + REFUSED.get("callx.data")), refused);
        assertEquals(312, accepted);
    }
}
