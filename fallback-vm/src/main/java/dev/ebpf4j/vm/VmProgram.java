package dev.ebpf4j.vm;

import java.time.Duration;
import java.util.BitSet;
import java.util.List;

import dev.ebpf4j.object.ProgramSpec;
import dev.ebpf4j.object.ProgramType;
import dev.ebpf4j.object.insn.Instruction;
import dev.ebpf4j.vm.context.ContextInstance;
import dev.ebpf4j.vm.context.MemoryContext;
import dev.ebpf4j.vm.context.ProgramContext;
import dev.ebpf4j.vm.interp.Code;
import dev.ebpf4j.vm.interp.Execution;
import dev.ebpf4j.vm.interp.ExecutionPool;
import dev.ebpf4j.vm.interp.Interpreter;
import dev.ebpf4j.vm.jit.Jit;
import dev.ebpf4j.vm.jit.JitProgram;
import dev.ebpf4j.vm.verifier.VerifiedProgram;

/**
 * A program loaded into a {@link BpfVm}: decoded, its maps and functions resolved. Run it with a
 * context as many times as wanted, from any thread: {@link #run(ProgramContext)}.
 */
public final class VmProgram {
    private final BpfVm vm;
    private final int id;
    private final String name;
    private final ProgramType type;
    private final ProgramSpec spec;
    private Code code;
    private volatile Jit.Compilation compilation;
    /** Slots of the loads and stores the verifier proved inside the packet ({@link #verified}), for the JIT. */
    private volatile BitSet packetAccesses = new BitSet();
    private final ExecutionPool executions;

    VmProgram(BpfVm vm, int id, String name, ProgramType type, ProgramSpec spec) {
        this.vm = vm;
        this.id = id;
        this.name = name;
        this.type = type;
        this.spec = spec;
        this.executions = new ExecutionPool(vm);
    }

    void setCode(Code code) {
        this.code = code;
    }

    public BpfVm vm() {
        return vm;
    }

    /** The program's id in its VM (the value a prog array holds). */
    public int id() {
        return id;
    }

    public String name() {
        return name;
    }

    public ProgramType type() {
        return type;
    }

    /** The spec it was loaded from, or null for raw instructions. */
    public ProgramSpec spec() {
        return spec;
    }

    /** The decoded code (what the interpreter runs; a JIT's input). */
    public Code code() {
        return code;
    }

    /**
     * Hands this program what the VM's verifier proved about it, for the JIT to use: loads and stores it proved
     * inside the packet get no window check of their own (the kernel's JIT trusts its verifier the same way; an
     * access the verifier got wrong still cannot leave the packet's array). {@code verified} must be the
     * verification of exactly this program's instructions; a compilation made before is dropped.
     *
     * @throws IllegalArgumentException when {@code verified} is of other instructions
     */
    public synchronized void verified(VerifiedProgram verified) {
        List<Instruction> insns = verified.instructions();
        int slot = 0;
        for (Instruction i : insns) {
            Instruction mine = slot < code.length() ? code.instruction(slot) : null;
            if (mine == null || mine.opcode() != i.opcode() || mine.dst() != i.dst() || mine.off() != i.off()
                    || (!i.isLoadImm64() && mine.src() != i.src())) {
                throw new IllegalArgumentException("program '" + name + "': the verified instructions differ from the"
                        + " loaded ones at slot " + slot);
            }
            slot += i.slots();
        }
        if (slot != code.length()) {
            throw new IllegalArgumentException("program '" + name + "': " + slot
                    + " verified slots for " + code.length() + " loaded");
        }
        BitSet packet = new BitSet();
        verified.packetAccesses().forEach(packet::set);
        packetAccesses = packet;
        compilation = null;
    }

    /** Slots of the loads and stores proven inside the packet (empty unless {@link #verified} was called). */
    public BitSet packetAccesses() {
        return (BitSet) packetAccesses.clone();
    }

    /**
     * The JIT's compilation of this program: compiled on first call (a refusal logged once), then cached.
     * {@link Jit.Compilation#program()} is null when the JIT refused the program; the reason says why.
     */
    public Jit.Compilation compilation() {
        Jit.Compilation c = compilation;
        if (c == null) {
            synchronized (this) {
                c = compilation;
                if (c == null) {
                    c = Jit.compile(this);
                    compilation = c;
                }
            }
        }
        return c;
    }

    /** The compiled program {@code engine} runs, or null for the interpreter. */
    private JitProgram compiled(Engine engine) {
        if (engine == Engine.INTERPRETER) {
            return null;
        }
        Jit.Compilation c = compilation();
        if (c.program() == null && engine == Engine.JIT) {
            throw new BpfLoadException("program '" + name + "' cannot be compiled by the JIT: " + c.refusal());
        }
        return c.program();
    }

    /** One run with {@code ctx}. */
    public RunResult run(ProgramContext ctx) {
        return run(ctx, RunOptions.defaults());
    }

    /** One run on raw memory: r1 = its address, r2 = its length (the conformance suite's contract). */
    public RunResult run(byte[] memory) {
        return run(MemoryContext.of(memory));
    }

    /**
     * {@code options.repeat()} runs, each on a fresh copy of {@code ctx}: r0, packet and context of the last,
     * the mean duration (of the whole loop, the restoring of the context between runs included, as the kernel's
     * test run times its loop). The runs reuse an execution (address space, stack, the bound context's memory)
     * of an earlier call when one is idle.
     */
    public RunResult run(ProgramContext ctx, RunOptions options) {
        if (options.cpu() >= vm.options().possibleCpus()) {
            throw new IllegalArgumentException("cpu " + options.cpu() + " is not below possibleCpus " + vm.options().possibleCpus());
        }
        long budget = options.instructionBudget() == 0 ? vm.options().instructionBudget() : options.instructionBudget();
        JitProgram compiled = compiled(vm.options().engine());
        int repeat = options.repeat();
        int cpu = options.cpu();
        Execution ex = executions.acquire();
        try {
            long r0 = 0;
            ContextInstance instance = null;
            long t0 = System.nanoTime();
            for (int i = 0; i < repeat; i++) {
                instance = ex.start(this, cpu, budget, ctx);
                r0 = compiled != null ? compiled.run(ex) : Interpreter.run(ex);
            }
            long total = System.nanoTime() - t0;
            return new RunResult(r0, instance.packetOut(), instance.contextOut(), Duration.ofNanos(total / repeat),
                    ex.executed(), repeat);
        } finally {
            executions.release(ex);
        }
    }

    @Override
    public String toString() {
        return "VmProgram[" + id + " " + name + " " + (type == null ? "?" : type.bpftoolName()) + " " + code.length()
                + " slots]";
    }
}
