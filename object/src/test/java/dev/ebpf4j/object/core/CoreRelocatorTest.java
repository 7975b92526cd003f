package dev.ebpf4j.object.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.ebpf4j.object.BpfFormatException;
import dev.ebpf4j.object.btf.Btf;
import dev.ebpf4j.object.btf.BtfExt;
import dev.ebpf4j.object.btf.BtfType;
import dev.ebpf4j.object.btf.CoreRelocationKind;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.object.insn.Opcode;

class CoreRelocatorTest {
    // local: 1 int, 2 struct task___v1 { int pid; int tgid; unsigned char flag:3; }, 3 unsigned char,
    //        4 enum kind { A = 0, B = 1 }, 5 struct gone { int x; }
    private static final Btf LOCAL = Btf.of(List.of(
            new BtfType.Int("int", 4, 1, 0, 32),
            new BtfType.Struct("task___v1", 12, true, List.of(
                    new BtfType.Member("pid", 1, 0, 0),
                    new BtfType.Member("tgid", 1, 32, 0),
                    new BtfType.Member("flag", 3, 64, 3))),
            new BtfType.Int("unsigned char", 1, 0, 0, 8),
            new BtfType.Enum("kind", 4, false, List.of(new BtfType.EnumValue("A", 0), new BtfType.EnumValue("B", 1))),
            new BtfType.Struct("gone", 4, false, List.of(new BtfType.Member("x", 1, 0, 0)))));

    // target: 1 long, 2 int, 3 struct task { long pad; union { int tgid; int tgid2; }; int pid; unsigned char:5, flag:3 }
    //         4 anonymous union, 5 unsigned char, 6 enum kind { B = 7 }
    private static final Btf TARGET = Btf.of(List.of(
            new BtfType.Int("long", 8, 1, 0, 64),
            new BtfType.Int("int", 4, 1, 0, 32),
            new BtfType.Struct("task", 24, true, List.of(
                    new BtfType.Member("pad", 1, 0, 0),
                    new BtfType.Member("", 4, 64, 0),
                    new BtfType.Member("pid", 2, 96, 0),
                    new BtfType.Member("other", 5, 128, 5),
                    new BtfType.Member("flag", 5, 133, 3))),
            new BtfType.Union("", 4, false, List.of(new BtfType.Member("tgid", 2, 0, 0), new BtfType.Member("tgid2", 2, 0, 0))),
            new BtfType.Int("unsigned char", 1, 0, 0, 8),
            new BtfType.Enum("kind", 4, false, List.of(new BtfType.EnumValue("B", 7)))));

    private static BtfExt.CoreRelocation relo(int slot, int type, String access, CoreRelocationKind kind) {
        return new BtfExt.CoreRelocation(slot * 8, type, 0, access, kind);
    }

    private static CoreRelocator.Result run(List<Instruction> insns, BtfExt.CoreRelocation... relos) {
        return new CoreRelocator(LOCAL, TARGET).relocate(insns, List.of(relos));
    }

    @Test
    void fieldOffsetsFollowTheTargetLayoutThroughAnonymousMembersAndFlavors() {
        List<Instruction> insns = List.of(
                Instruction.of(Opcode.ALU64 | Opcode.ADD | Opcode.K, 1, 0, 0, 4),   // &task->tgid
                Instruction.of(Opcode.LDX | Opcode.MEM | Opcode.W, 0, 1, 0, 0),      // task->pid
                Instruction.exit());
        CoreRelocator.Result r = run(insns, relo(0, 2, "0:1", CoreRelocationKind.FIELD_BYTE_OFFSET),
                relo(1, 2, "0:0", CoreRelocationKind.FIELD_BYTE_OFFSET));
        assertEquals(8, r.instructions().get(0).imm());
        assertEquals(12, r.instructions().get(1).off());
        assertTrue(r.failures().isEmpty());
        assertTrue(r.outcomes().get(0).target().contains("struct task.tgid"), r.outcomes().get(0).toString());
    }

    @Test
    void bitfieldShiftsAndSizes() {
        List<Instruction> insns = List.of(
                Instruction.mov64(1, 8), Instruction.mov64(2, 1), Instruction.mov64(3, 61), Instruction.mov64(4, 61),
                Instruction.mov64(5, 0), Instruction.exit());
        CoreRelocator.Result r = run(insns,
                relo(0, 2, "0:2", CoreRelocationKind.FIELD_BYTE_OFFSET),
                relo(1, 2, "0:2", CoreRelocationKind.FIELD_BYTE_SIZE),
                relo(2, 2, "0:2", CoreRelocationKind.FIELD_LSHIFT_U64),
                relo(3, 2, "0:2", CoreRelocationKind.FIELD_RSHIFT_U64),
                relo(4, 2, "0:2", CoreRelocationKind.FIELD_SIGNED));
        // target flag: bits 133..135 -> byte 16, lshift 64 - (133 + 3 - 128) = 56, rshift 61, unsigned
        assertEquals(List.of(16, 1, 56, 61, 0), r.instructions().subList(0, 5).stream().map(Instruction::imm).toList());
    }

    @Test
    void missingFieldPoisonsUnlessOnlyItsExistenceIsAsked() {
        List<Instruction> insns = List.of(Instruction.mov64(1, 0), Instruction.mov64(2, 1), Instruction.exit());
        CoreRelocator.Result r = run(insns, relo(0, 5, "0:0", CoreRelocationKind.FIELD_BYTE_OFFSET),
                relo(1, 5, "0:0", CoreRelocationKind.FIELD_EXISTS));
        assertEquals(CoreRelocator.POISON_HELPER, r.instructions().get(0).imm());
        assertTrue(r.instructions().get(0).isHelperCall());
        assertEquals("no field struct gone.x in the target BTF", r.failures().get(0).error());
        assertEquals(0, r.instructions().get(1).imm());
        assertNull(r.outcomes().get(1).error());
    }

    @Test
    void typeAndEnumRelocations() {
        List<Instruction> insns = List.of(Instruction.mov64(1, 1), Instruction.loadImm64(2, 1L), Instruction.mov64(3, 1),
                Instruction.mov64(4, 12), Instruction.mov64(5, 1), Instruction.exit());
        CoreRelocator.Result r = run(insns,
                relo(0, 5, "0", CoreRelocationKind.TYPE_EXISTS),
                relo(1, 4, "1", CoreRelocationKind.ENUMVAL_VALUE),
                relo(3, 4, "0", CoreRelocationKind.ENUMVAL_EXISTS),
                relo(4, 2, "0", CoreRelocationKind.TYPE_SIZE),
                relo(5, 2, "0", CoreRelocationKind.TYPE_EXISTS));
        assertEquals(0, r.instructions().get(0).imm());        // struct gone is not in the target
        assertEquals(7L, r.instructions().get(1).imm64());     // kind::B is 7 there
        assertEquals(0, r.instructions().get(2).imm());        // kind::A is not
        assertEquals(24, r.instructions().get(3).imm());       // sizeof(struct task)
        assertEquals(1, r.instructions().get(4).imm());
    }

    @Test
    void poisonedLddwKeepsItsTwoSlots() {
        List<Instruction> insns = List.of(Instruction.loadImm64(1, 0L), Instruction.exit());
        CoreRelocator.Result r = run(insns, relo(0, 4, "0", CoreRelocationKind.ENUMVAL_VALUE));
        assertEquals(3, r.instructions().size());
        assertTrue(r.instructions().get(0).isHelperCall() && r.instructions().get(1).isHelperCall());
        assertTrue(r.failures().get(0).error().contains("no enumerator A"), r.failures().toString());
    }

    @Test
    void loadSizeFollowsTheTargetField() {
        Btf target = Btf.of(List.of(new BtfType.Int("long", 8, 1, 0, 64),
                new BtfType.Struct("task", 16, false, List.of(new BtfType.Member("tgid", 1, 64, 0), new BtfType.Member("pid", 1, 0, 0)))));
        List<Instruction> insns = List.of(Instruction.of(Opcode.LDX | Opcode.MEM | Opcode.W, 0, 1, 4, 0), Instruction.exit());
        CoreRelocator.Result r = new CoreRelocator(LOCAL, target).relocate(insns,
                List.of(relo(0, 2, "0:1", CoreRelocationKind.FIELD_BYTE_OFFSET)));
        assertEquals(8, r.instructions().get(0).off());
        assertEquals(8, Opcode.sizeBytes(r.instructions().get(0).opcode()));
    }

    @Test
    void instructionHoldingAnotherValueIsAnError() {
        List<Instruction> insns = List.of(Instruction.mov64(1, 99), Instruction.exit());
        BpfFormatException e = assertThrows(BpfFormatException.class,
                () -> run(insns, relo(0, 2, "0:1", CoreRelocationKind.FIELD_BYTE_OFFSET)));
        assertTrue(e.getMessage().contains("holds 99 where the object's BTF says 4"), e.getMessage());
    }

    @Test
    void ambiguousCandidatesAreAnError() {
        Btf target = Btf.of(List.of(new BtfType.Int("int", 4, 1, 0, 32),
                new BtfType.Struct("task", 8, false, List.of(new BtfType.Member("tgid", 1, 0, 0))),
                new BtfType.Struct("task", 8, false, List.of(new BtfType.Member("tgid", 1, 32, 0)))));
        List<Instruction> insns = List.of(Instruction.mov64(1, 4), Instruction.exit());
        CoreRelocator.Result r = new CoreRelocator(LOCAL, target).relocate(insns,
                List.of(relo(0, 2, "0:1", CoreRelocationKind.FIELD_BYTE_OFFSET)));
        assertTrue(r.failures().get(0).error().startsWith("ambiguous"), r.failures().toString());
    }

    @Test
    void aMemberSearchThroughEndlesslyBranchingAnonymousMembersEnds() {
        // target: struct task { two anonymous members of s1 }, s(k) holds two anonymous s(k+1), 40 levels, and no pid
        // anywhere: a search of every path would visit 2^33 structs; it gives up after 4096 and reports no field
        List<BtfType> types = new java.util.ArrayList<>();
        types.add(new BtfType.Int("int", 4, 1, 0, 32));
        for (int k = 0; k < 40; k++) {
            int next = k + 3;
            types.add(new BtfType.Struct(k == 0 ? "task" : "s" + k, 4, false, List.of(new BtfType.Member("", next, 0, 0),
                    new BtfType.Member("", next, 0, 0))));
        }
        types.add(new BtfType.Struct("leaf", 4, false, List.of(new BtfType.Member("x", 1, 0, 0))));
        Btf target = Btf.of(types);
        List<Instruction> insns = List.of(Instruction.mov64(1, 0), Instruction.exit());
        CoreRelocator.Result r = assertTimeoutPreemptively(java.time.Duration.ofSeconds(10), () ->
                new CoreRelocator(LOCAL, target).relocate(insns, List.of(relo(0, 2, "0:0", CoreRelocationKind.FIELD_BYTE_OFFSET))));
        assertTrue(r.failures().get(0).error().contains("no field"), r.failures().get(0).error());
    }
}
