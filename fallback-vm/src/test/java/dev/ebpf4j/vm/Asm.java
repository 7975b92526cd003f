package dev.ebpf4j.vm;

import static dev.ebpf4j.object.insn.Opcode.*;

import java.util.List;

import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;

/** A few instruction builders for tests. */
final class Asm {
    private Asm() {}

    static Instruction mov(int dst, int imm) {
        return Instruction.of(ALU64 | MOV | K, dst, 0, 0, imm);
    }

    static Instruction movr(int dst, int src) {
        return Instruction.of(ALU64 | MOV | X, dst, src, 0, 0);
    }

    static Instruction alu64(int op, int dst, int imm) {
        return Instruction.of(ALU64 | op | K, dst, 0, 0, imm);
    }

    static Instruction alu64r(int op, int dst, int src) {
        return Instruction.of(ALU64 | op | X, dst, src, 0, 0);
    }

    static Instruction alu32(int op, int dst, int imm) {
        return Instruction.of(ALU | op | K, dst, 0, 0, imm);
    }

    static Instruction lddw(int dst, long v) {
        return Instruction.loadImm64(dst, v);
    }

    static Instruction ldx(int size, int dst, int src, int off) {
        return Instruction.of(LDX | MEM | size, dst, src, off, 0);
    }

    static Instruction stx(int size, int dst, int src, int off) {
        return Instruction.of(STX | MEM | size, dst, src, off, 0);
    }

    static Instruction st(int size, int dst, int off, int imm) {
        return Instruction.of(ST | MEM | size, dst, 0, off, imm);
    }

    static Instruction atomic(int size, int op, int dst, int src, int off) {
        return Instruction.of(STX | ATOMIC | size, dst, src, off, op);
    }

    static Instruction jmp(int op, int dst, int imm, int off) {
        return Instruction.of(JMP | op | K, dst, 0, off, imm);
    }

    static Instruction ja(int off) {
        return Instruction.ja(off);
    }

    static Instruction call(int helper) {
        return Instruction.callHelper(helper);
    }

    static Instruction callLocal(int rel) {
        return Instruction.callBpf(rel);
    }

    static Instruction exit() {
        return Instruction.exit();
    }

    static VmProgram program(BpfVm vm, Instruction... insns) {
        return vm.program("test", ProgramType.UNSPEC, List.of(insns));
    }

    static long run(BpfVm vm, Instruction... insns) {
        return program(vm, insns).run(new byte[0]).returnValue();
    }
}
