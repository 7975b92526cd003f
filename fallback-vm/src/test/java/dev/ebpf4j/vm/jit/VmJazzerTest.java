package dev.ebpf4j.vm.jit;

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
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Instructions;
import dev.ebpf4j.object.testing.TestObjects;
import dev.ebpf4j.vm.BpfLoadException;
import dev.ebpf4j.vm.BpfRuntimeException;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.MemoryContext;
import dev.ebpf4j.vm.context.XdpContext;
import dev.ebpf4j.vm.verifier.VerifiedProgram;
import dev.ebpf4j.vm.verifier.Verifier;
import dev.ebpf4j.vm.verifier.VerifierException;
import dev.ebpf4j.vm.verifier.VerifierOptions;

/**
 * Coverage-guided fuzzing (Jazzer) of the fallback VM: verifier, interpreter and JIT on the same program.
 *
 * <p>Input: one byte {@code n}, then {@code n} bytes of memory handed to the program in r1 (fewer when the input
 * ends), then the program, 8 bytes per instruction slot (trailing bytes dropped). Seeds: the BPF ISA conformance
 * programs with their memory ({@code ebpf4j.conformance.dir}, read in place) and every program of the examples.
 *
 * <p>A finding is: the verifier throwing anything but a {@link VerifierException} with a reason (or an internal
 * verifier error); loading throwing anything but a {@link BpfLoadException} with a message; a run ending in anything
 * but a result or a {@link BpfRuntimeException} (an "internal error" message included); the interpreter and the JIT
 * disagreeing (r0, instruction count, fault type, instruction or message) on a program the verifier accepted, or on
 * any program without BPF-to-BPF calls (see {@link JitDifferentialPropertiesTest} for why calls are exempt when
 * unverified); the same program verified as XDP with the input's memory as its packet, run by the interpreter and
 * by the JIT given the verifier's packet facts, disagreeing; the JIT refusing a program the verifier accepted; a run past the instruction budget that does not
 * end in the budget's own error. A hang is caught by libFuzzer's {@code -timeout} (fuzz/run sets 10 s).
 */
class VmJazzerTest {
    private static final long BUDGET = 20_000;
    /**
     * Deterministic for both engines: a seeded bpf_get_prandom_u32 and a fixed clock (bpf_ktime_get_ns, _boot_ns,
     * _coarse_ns, jiffies), as the two runs happen at different times (the first finding of the 10 M-input run was a
     * program using bpf_ktime_get_boot_ns's value as an address: VmJazzerTestInputs/.../boot-clock-as-address).
     */
    private static final VmOptions OPTIONS = VmOptions.defaults().withInstructionBudget(BUDGET).withRandomSeed(3)
            .withClock(() -> 1_000_000_007L);

    private static BpfVm vm(Engine e) {
        return Engines.vm(OPTIONS.withHelpers(OPTIONS.helpers().with(5, (c, a1, a2, a3, a4, a5) -> a1 * 3 + a2)), e);
    }

    static Stream<Arguments> seeds() {
        List<byte[]> out = new ArrayList<>();
        try {
            for (Path f : JitConformanceTest.files()) {
                JitConformanceTest.Case c = JitConformanceTest.parse(f);
                out.add(input(c.memory(), c.program()));
            }
        } catch (java.io.IOException | org.opentest4j.TestAbortedException e) {
            // no conformance data: the examples still seed the fuzzer
        }
        byte[] packet = new byte[64];
        for (int i = 0; i < packet.length; i++) {
            packet[i] = (byte) (i * 7 + 1);
        }
        // map-free XDP programs with proven packet accesses (loads, stores, a moved head)
        out.add(input(packet, Instructions.encode(JitPacketFactsTest.CHECKSUM)));
        out.add(input(packet, Instructions.encode(JitPacketFactsTest.REWRITE)));
        for (Path p : TestObjects.exampleObjects()) {
            for (ProgramSpec prog : ObjectSpec.open(p).programs()) {
                out.add(input(packet, Instructions.encode(prog.linkedInstructions())));
            }
        }
        return out.stream().map(Arguments::of);
    }

    static byte[] input(byte[] memory, byte[] program) {
        int n = Math.min(memory.length, 255);
        byte[] in = new byte[1 + n + program.length];
        in[0] = (byte) n;
        System.arraycopy(memory, 0, in, 1, n);
        System.arraycopy(program, 0, in, 1 + n, program.length);
        return in;
    }

    @MethodSource("seeds")
    @FuzzTest(maxDuration = "30s")
    void verifierInterpreterJit(byte[] input) {
        if (input.length == 0) {
            return;
        }
        int n = Math.min(input[0] & 0xff, input.length - 1);
        byte[] memory = Arrays.copyOfRange(input, 1, 1 + n);
        int codeLength = (input.length - 1 - n) / 8 * 8;
        if (codeLength == 0) {
            return;
        }
        List<Instruction> insns;
        try {
            insns = Instructions.decode(Arrays.copyOfRange(input, 1 + n, 1 + n + codeLength));
        } catch (BpfFormatException e) {
            FuzzChecks.requireMessage(e);
            return; // an lddw without its second slot: not a program
        }
        check(insns, memory);
        checkXdp(insns, memory);
    }

    /**
     * The same program as XDP, {@code memory} its packet: when the verifier accepts it as such, the JIT given the
     * verifier's packet facts (its proven accesses have no window check of their own) must agree with the
     * interpreter, which checks every access; a disagreement means the verifier proved a packet range that does
     * not hold.
     */
    static void checkXdp(List<Instruction> insns, byte[] memory) {
        VerifiedProgram verified = verify(insns, VerifierOptions.of(ProgramType.XDP), "verifier (xdp)");
        if (verified == null) {
            return;
        }
        VmProgram a;
        VmProgram b;
        try {
            a = vm(Engine.INTERPRETER).program("fuzz", ProgramType.XDP, insns);
            b = vm(Engine.JIT).program("fuzz", ProgramType.XDP, insns);
        } catch (BpfLoadException e) {
            FuzzChecks.requireMessage(e);
            return;
        }
        b.verified(verified);
        Engines.Outcome x = Engines.Outcome.of(() -> a.run(XdpContext.of(memory.clone())));
        Engines.Outcome y = Engines.Outcome.of(() -> b.run(XdpContext.of(memory.clone())));
        if (!x.sameAs(y)) {
            throw new AssertionError("xdp: interpreter " + x + "\njit with the verifier's facts " + y
                    + "\npacket accesses " + verified.packetAccesses() + "\n" + JitDifferentialPropertiesTest.listing(insns));
        }
    }

    /** What the verifier proved, or null when it refused the program with a reason (anything else is a finding). */
    private static VerifiedProgram verify(List<Instruction> insns, VerifierOptions options, String what) {
        try {
            return Verifier.verify(insns, options);
        } catch (VerifierException e) {
            if (e.reason() == null || e.reason().isEmpty() || e.reason().startsWith("internal verifier error")) {
                throw new AssertionError(what + ": " + e.getMessage() + "\n" + JitDifferentialPropertiesTest.listing(insns), e);
            }
            return null;
        }
    }

    static void check(List<Instruction> insns, byte[] memory) {
        boolean verified = verify(insns, VerifierOptions.conformance(), "verifier") != null;
        VmProgram a;
        try {
            a = vm(Engine.INTERPRETER).program("fuzz", ProgramType.UNSPEC, insns);
        } catch (BpfLoadException e) {
            FuzzChecks.requireMessage(e);
            return;
        }
        VmProgram b;
        try {
            b = vm(Engine.JIT).program("fuzz", ProgramType.UNSPEC, insns);
        } catch (BpfLoadException e) {
            if (verified) {
                throw new AssertionError("the JIT refused a verified program: " + e.getMessage() + "\n"
                        + JitDifferentialPropertiesTest.listing(insns), e);
            }
            FuzzChecks.requireMessage(e);
            return;
        }
        Engines.Outcome x = Engines.Outcome.of(() -> a.run(MemoryContext.of(memory.clone())));
        Engines.Outcome y = Engines.Outcome.of(() -> b.run(MemoryContext.of(memory.clone())));
        for (Engines.Outcome o : List.of(x, y)) {
            if (o.faulted() && !o.exception().equals(BpfRuntimeException.class.getName())) {
                throw new AssertionError("not a BpfRuntimeException: " + o + "\n" + JitDifferentialPropertiesTest.listing(insns));
            }
            if (o.faulted() && (o.message() == null || o.message().contains("internal error"))) {
                throw new AssertionError("an internal error: " + o + "\n" + JitDifferentialPropertiesTest.listing(insns));
            }
            if (!o.faulted() && o.instructions() > BUDGET) {
                throw new AssertionError("ran " + o.instructions() + " instructions, past the budget of " + BUDGET
                        + "\n" + JitDifferentialPropertiesTest.listing(insns));
            }
        }
        boolean calls = insns.stream().anyMatch(i -> i.isBpfToBpfCall() || i.isCallx());
        if (!x.sameAs(y) && (verified || !calls)) {
            throw new AssertionError("interpreter " + x + "\njit " + y + "\nverified " + verified + "\n"
                    + JitDifferentialPropertiesTest.listing(insns));
        }
    }
}
