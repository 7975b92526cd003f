package dev.ebpf4j.vm.jit;

import static dev.ebpf4j.object.insn.Opcode.*;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.BpfVm;
import dev.ebpf4j.vm.Engine;
import dev.ebpf4j.vm.VmOptions;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.context.ProgramContext;
import dev.ebpf4j.vm.context.SkBuffContext;
import dev.ebpf4j.vm.context.XdpContext;

/**
 * Packet loads and stores on the JIT (packets are byte[]-backed regions, which generated code reads and writes
 * through the array): every size and mode at the offsets around both ends of the packet, in a loop so the
 * access is compiled hot, agree with the interpreter on the value, the packet written, and the fault.
 */
class JitPacketAccessTest {

    private static Instruction i(int op, int dst, int src, int off, int imm) {
        return Instruction.of(op, dst, src, off, imm);
    }

    /** The access {@code access} (base register r2 = data) run 3 times in a loop; r0 accumulates what loads read. */
    private static List<Instruction> program(int dataField, Instruction access) {
        List<Instruction> p = new ArrayList<>();
        p.add(i(LDX | MEM | W, 2, 1, dataField, 0)); // r2 = data
        p.add(Instruction.loadImm64(4, 0x8877_6655_4433_2211L));
        p.add(Instruction.mov64(0, 0));
        p.add(Instruction.mov64(6, 3));
        p.add(Instruction.mov64(5, 0)); // loop: r5 = 0
        p.add(access);
        p.add(i(ALU64 | ADD | X, 0, 5, 0, 0));
        p.add(i(ALU64 | ADD | K, 6, 0, 0, -1));
        p.add(i(JMP | JNE | K, 6, 0, -5, 0));
        p.add(Instruction.exit());
        return p;
    }

    private static List<Instruction> accesses(int off) {
        List<Instruction> a = new ArrayList<>();
        for (int size : new int[] {B, H, W, DW}) {
            a.add(i(LDX | MEM | size, 5, 2, off, 0));
            if (size != DW) {
                a.add(i(LDX | MEMSX | size, 5, 2, off, 0));
            }
            a.add(i(STX | MEM | size, 2, 4, off, 0));
            a.add(i(ST | MEM | size, 2, 0, off, -2));
        }
        return a;
    }

    private static int check(BpfVm interp, BpfVm jit, ProgramType type, int dataField, Supplier<ProgramContext> ctx,
                             int length) {
        int faults = 0;
        int cases = 0;
        for (int off = -9; off <= length + 1; off++) {
            if (off > 9 && off < length - 9) {
                continue;
            }
            for (Instruction access : accesses(off)) {
                List<Instruction> p = program(dataField, access);
                VmProgram a = interp.program("pkt", type, p);
                VmProgram b = jit.program("pkt", type, p);
                assertNotNull(b.compilation().program(), b.compilation().refusal());
                Engines.Outcome x = Engines.Outcome.of(() -> a.run(ctx.get()));
                Engines.Outcome y = Engines.Outcome.of(() -> b.run(ctx.get()));
                assertTrue(x.sameAs(y), access + " at offset " + off + ": interpreter " + x + " / jit " + y);
                faults += x.faulted() ? 1 : 0;
                cases++;
            }
        }
        assertTrue(faults > 50 && faults < cases - 50, faults + " faults of " + cases);
        return cases;
    }

    @Test
    void xdpPacketAccessesAgreeWithTheInterpreter() {
        BpfVm interp = Engines.vm(VmOptions.defaults(), Engine.INTERPRETER);
        BpfVm jit = Engines.vm(VmOptions.defaults(), Engine.JIT);
        byte[] packet = new byte[60];
        for (int k = 0; k < packet.length; k++) {
            packet[k] = (byte) (0x80 + 7 * k);
        }
        check(interp, jit, ProgramType.XDP, 0, () -> XdpContext.of(packet), packet.length);
    }

    @Test
    void skbPacketAccessesAgreeWithTheInterpreter() {
        BpfVm interp = Engines.vm(VmOptions.defaults(), Engine.INTERPRETER);
        BpfVm jit = Engines.vm(VmOptions.defaults(), Engine.JIT);
        byte[] packet = new byte[61];
        for (int k = 0; k < packet.length; k++) {
            packet[k] = (byte) (0xf0 - 3 * k);
        }
        check(interp, jit, ProgramType.SCHED_CLS, SkBuffContext.DATA, () -> SkBuffContext.of(packet), packet.length);
    }
}
