package dev.ebpf4j.vm.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.testing.TestObjects;

/** Every program of every committed example object is accepted for its type, with its maps. */
class ExampleProgramsVerifierTest {

    record Case(ObjectSpec object, ProgramSpec program) {
        @Override
        public String toString() {
            return object.name() + "/" + program.name();
        }
    }

    static List<Case> cases() {
        List<Case> out = new ArrayList<>();
        for (Path p : TestObjects.exampleObjects()) {
            ObjectSpec o = ObjectSpec.open(p);
            for (ProgramSpec prog : o.programs()) {
                out.add(new Case(o, prog));
            }
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyExampleProgramIsAccepted() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            VerifierOptions opts = VerifierOptions.forProgram(c.object(), c.program()).withLogLevel(2);
            VerifiedProgram v = Verifier.verify(c.program().linkedInstructions(), opts);
            assertEquals(c.program().layout().size(), v.subprograms().size(), "functions found from calls");
            assertTrue(v.log().contains("processed"), v.log());
        }));
    }

    @Test
    void examplesCoverSeveralProgramTypesAndAllAreAccepted() {
        List<Case> all = cases();
        int accepted = 0;
        for (Case c : all) {
            Verifier.verify(c.program().linkedInstructions(), VerifierOptions.forProgram(c.object(), c.program()));
            accepted++;
        }
        assertEquals(all.size(), accepted);
        assertTrue(all.size() >= 8, "examples hold " + all.size() + " programs");
        assertTrue(all.stream().map(c -> c.program().type()).distinct().count() >= 5);
    }

    @Test
    void withoutItsMapsAnExampleIsRefused() {
        Case c = cases().stream().filter(x -> !x.program().mapsUsed().isEmpty()).findFirst().orElseThrow();
        VerifierException e = assertThrows(VerifierException.class, () -> Verifier.verify(
                c.program().linkedInstructions(), VerifierOptions.of(c.program().type())));
        assertTrue(e.reason().contains("is not pointing to valid bpf_map"), e.getMessage());
    }

    @Test
    void theStackStatisticsMatchTheCode() {
        ObjectSpec o = ObjectSpec.open(TestObjects.example("legacy_maps.bpf.o"));
        ProgramSpec p = o.programs().getFirst();
        VerifiedProgram v = Verifier.verify(p.linkedInstructions(), VerifierOptions.forProgram(o, p));
        // the program keeps two u32 keys at fp-4 and fp-8
        assertEquals(List.of(8), v.stackDepths());
        assertEquals(1, v.maxCallFrames());
    }

    @Test
    void anXdpProgramIsNotASocketFilter() {
        ObjectSpec o = ObjectSpec.open(TestObjects.example("packet_filter.bpf.o"));
        ProgramSpec p = o.programs().stream().filter(x -> x.type() == ProgramType.XDP).findFirst().orElseThrow();
        List<Instruction> insns = p.linkedInstructions();
        VerifierOptions asSocketFilter = VerifierOptions.forProgram(o, p).withProgramType(ProgramType.SOCKET_FILTER);
        VerifierException e = assertThrows(VerifierException.class, () -> Verifier.verify(insns, asSocketFilter));
        assertFalse(e.reason().isEmpty());
    }
}
