package dev.ebpf4j.vm;

import static dev.ebpf4j.object.insn.Opcode.*;
import static dev.ebpf4j.vm.Asm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.context.XdpContext;
import dev.ebpf4j.vm.maps.ArrayMap;
import dev.ebpf4j.vm.maps.Bytes;

/** Faults end in a BpfRuntimeException that names the instruction, address, size and region. */
class FaultTest {
    private final BpfVm vm = BpfVm.create();

    private BpfRuntimeException fault(Instruction... insns) {
        return assertThrows(BpfRuntimeException.class, () -> run(vm, insns));
    }

    private static void contains(BpfRuntimeException e, String... fragments) {
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' not in: " + e.getMessage());
        }
    }

    @Test
    void stackAccessAboveTheFrame() {
        BpfRuntimeException e = fault(mov(0, 0), ldx(DW, 0, 10, 0), exit());
        assertEquals(1, e.instruction());
        assertEquals("test", e.program());
        contains(e, "instruction 1", "read of 8 bytes", "offset 512", "stack frame 0", "out of bounds");
    }

    @Test
    void stackAccessBelowTheFrame() {
        BpfRuntimeException e = fault(st(DW, 10, -520, 1), exit());
        contains(e, "instruction 0", "write of 8 bytes", "offset -8", "stack frame 0");
    }

    @Test
    void nullAndScalarPointers() {
        contains(fault(mov(1, 0), ldx(W, 0, 1, 0), exit()), "null pointer", "instruction 1");
        contains(fault(mov(1, 1234), stx(W, 1, 1, 0), exit()), "not a pointer", "0x4d2");
        contains(fault(lddw(1, 0x7777_0000_0000L), ldx(B, 0, 1, 0), exit()), "unmapped");
    }

    @Test
    void deepRecursionStopsAtEightFrames() {
        BpfRuntimeException e = fault(callLocal(-1), exit());
        contains(e, "call stack too deep", "8 frames");
    }

    @Test
    void runawayLoopStopsAtTheBudget() {
        BpfVm small = new BpfVm(VmOptions.defaults().withInstructionBudget(10_000));
        BpfRuntimeException e = assertThrows(BpfRuntimeException.class, () -> run(small, mov(0, 0), ja(-1), exit()));
        contains(e, "instruction budget of 10000 exhausted", "instruction 1");
        // and per run through RunOptions
        VmProgram p = Asm.program(vm, mov(0, 0), alu64(ADD, 0, 1), ja(-2), exit());
        BpfRuntimeException e2 = assertThrows(BpfRuntimeException.class,
                () -> p.run(dev.ebpf4j.vm.context.MemoryContext.empty(), RunOptions.defaults().withInstructionBudget(500)));
        contains(e2, "budget of 500");
    }

    @Test
    void defaultBudgetEndsAnInfiniteLoopQuickly() {
        long t0 = System.nanoTime();
        assertThrows(BpfRuntimeException.class, () -> run(vm, ja(-1), exit()));
        assertTrue(Duration.ofNanos(System.nanoTime() - t0).toSeconds() < 10);
    }

    @Test
    void fallingOffTheEnd() {
        contains(fault(mov(0, 1)), "ran off the end");
    }

    @Test
    void unknownAndMissingHelpersAreNamed() {
        contains(fault(call(9999), exit()), "unknown helper id 9999", "instruction 0");
        contains(fault(call(51), exit()), "bpf_redirect_map", "id 51");
    }

    @Test
    void packetAccessPastDataEnd() {
        // r2 = ctx->data; r0 = *(u32 *)(r2 + 60) on a 60-byte packet
        VmProgram p = vm.program("pkt", ProgramType.XDP, List.of(ldx(W, 2, 1, 0), ldx(W, 0, 2, 58), exit()));
        BpfRuntimeException e = assertThrows(BpfRuntimeException.class, () -> p.run(XdpContext.of(new byte[60])));
        contains(e, "read of 4 bytes", "offset 314", "xdp packet", "valid offsets [256, 316)");
        assertEquals(0, p.run(XdpContext.of(new byte[62])).retval());
    }

    @Test
    void contextIsReadOnlyWhereTheKernelSaysSo() {
        VmProgram p = vm.program("w", ProgramType.XDP, List.of(st(W, 1, 0, 0), mov(0, 0), exit()));
        contains(assertThrows(BpfRuntimeException.class, () -> p.run(XdpContext.of(new byte[60]))), "xdp_md is read-only");
        VmProgram q = vm.program("r8", ProgramType.XDP, List.of(ldx(DW, 0, 1, 0), exit()));
        contains(assertThrows(BpfRuntimeException.class, () -> q.run(XdpContext.of(new byte[60]))), "invalid xdp_md access");
    }

    @Test
    void readOnlyMapValues() {
        var spec = new dev.ebpf4j.object.MapSpec(".rodata", "t.rodata", dev.ebpf4j.object.MapSpec.Kind.GLOBAL_DATA, ".rodata",
                dev.ebpf4j.object.MapType.ARRAY, 4, 8, 1, dev.ebpf4j.object.MapSpec.BPF_F_RDONLY_PROG,
                dev.ebpf4j.object.MapSpec.Pinning.NONE, 0, 0, 0, 0, null, new byte[] {5, 0, 0, 0, 0, 0, 0, 0}, List.of());
        ArrayMap ro = (ArrayMap) vm.createMap(spec);
        assertEquals(5, run(vm, Instruction.loadMapValue(1, ro.fd(), 0), ldx(DW, 0, 1, 0), exit()));
        BpfRuntimeException e = fault(Instruction.loadMapValue(1, ro.fd(), 0), st(DW, 1, 0, 1), exit());
        contains(e, "write of 8 bytes", "read-only", ".rodata");
        assertEquals(5, Bytes.toLong(ro.lookup(Bytes.u32(0))));
    }

    @Test
    void divisionNeverThrows() {
        assertEquals(0, run(vm, mov(0, 5), mov(1, 0), alu64r(DIV, 0, 1), exit()));
        assertEquals(Long.MIN_VALUE, run(vm, lddw(0, Long.MIN_VALUE), mov(1, -1),
                Instruction.of(ALU64 | DIV | X, 0, 1, 1, 0), exit()));
    }

    @Test
    void mapHandlesAreNotMemory() {
        ArrayMap m = (ArrayMap) vm.createMap(new dev.ebpf4j.object.MapSpec("a", "a", dev.ebpf4j.object.MapSpec.Kind.BTF, ".maps",
                dev.ebpf4j.object.MapType.ARRAY, 4, 8, 4, 0, dev.ebpf4j.object.MapSpec.Pinning.NONE, 0, 0, 0, 0, null, null,
                List.of()));
        contains(fault(Instruction.loadMapFd(1, m.fd()), ldx(DW, 0, 1, 0), exit()), "map_handle", "'a'");
        contains(fault(mov(1, 5), call(1), exit()), "is not a map");
    }
}
