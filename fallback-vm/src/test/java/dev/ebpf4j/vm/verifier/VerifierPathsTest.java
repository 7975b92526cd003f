package dev.ebpf4j.vm.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.testing.TestObjects;

/**
 * Programs the kernel accepts only because it explores paths separately (a bounded loop over the packet, a loop over
 * a ring buffer record, a parser whose header pointer differs by path), compiled by clang from
 * {@code src/test/c/paths_ok.bpf.c}, are accepted; their twins in {@code paths_bad.bpf.c}, each reading past what
 * its checks prove, are refused at the instruction and with the words the kernel's verifier uses for them.
 */
class VerifierPathsTest {

    static Path testObject(String name) {
        return TestObjects.repoDir().resolve("fallback-vm/src/test/c").resolve(name);
    }

    static VerifiedProgram verify(String object, String program) {
        ObjectSpec o = ObjectSpec.open(testObject(object));
        ProgramSpec p = o.program(program).orElseThrow();
        return Verifier.verify(p.linkedInstructions(), VerifierOptions.forProgram(o, p).withLogLevel(1));
    }

    static void refused(String program, int index, String reason) {
        VerifierException e = assertThrows(VerifierException.class, () -> verify("paths_bad.bpf.o", program));
        assertEquals(reason, e.reason(), e.getMessage());
        assertEquals(index, e.insnIndex(), e.getMessage());
    }

    @Test
    void boundedLoopOverThePacketIsAccepted() {
        VerifiedProgram v = verify("paths_ok.bpf.o", "checksum");
        // the loop is walked iteration by iteration, as the kernel walks it (750 iterations of 10 instructions)
        assertTrue(v.processedInsns() > 7_000 && v.processedInsns() < 100_000, v.log());
    }

    @Test
    void fillLoopOverARingBufferRecordIsAccepted() {
        VerifiedProgram v = verify("paths_ok.bpf.o", "fill_1k");
        assertTrue(v.processedInsns() > 128 * 5, v.log());
    }

    @Test
    void headerAtDifferentOffsetsOnDifferentPathsIsAccepted() {
        verify("paths_ok.bpf.o", "vlan_parser");
    }

    @Test
    void theBenchmarkObjectsTheVerifierUsedToRefuseAreAccepted() {
        for (String name : new String[] {"checksum.bpf.o", "ringbuf.bpf.o", "bench.bpf.o"}) {
            ObjectSpec o = ObjectSpec.open(TestObjects.repoDir().resolve("benchmarks/src/main/c").resolve(name));
            for (ProgramSpec p : o.programs()) {
                VerifiedProgram v = Verifier.verify(p.linkedInstructions(), VerifierOptions.forProgram(o, p));
                System.out.println(name + "/" + p.name() + ": processed " + v.processedInsns() + " insns");
            }
        }
        for (String program : new String[] {"checksum", "fill_1k", "vlan_parser"}) {
            System.out.println("paths_ok/" + program + ": processed " + verify("paths_ok.bpf.o", program).processedInsns()
                    + " insns");
        }
    }

    @Test
    void packetLoopWithoutTheDataEndCheckIsRefused() {
        refused("checksum_unchecked", 5, "invalid access to packet, off=0 size=2, R4(id=0,off=0,r=0)");
    }

    @Test
    void packetLoopReadingOneWordPastItsCheckIsRefused() {
        refused("checksum_off_by_one", 11, "invalid access to packet, off=2 size=2, R5(id=0,off=2,r=2)");
    }

    @Test
    void fillLoopOneWordPastTheRecordIsRefused() {
        refused("fill_1k_off_by_one", 8, "invalid access to memory, mem_size=1024 off=1024 size=8");
    }

    @Test
    void vlanPathWithoutItsCheckIsRefused() {
        refused("vlan_unchecked", 11, "invalid access to packet, off=16 size=2, R3(id=0,off=16,r=14)");
    }
}
