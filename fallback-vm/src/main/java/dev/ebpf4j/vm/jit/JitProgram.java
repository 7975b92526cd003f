package dev.ebpf4j.vm.jit;

import dev.ebpf4j.vm.context.ContextInstance;
import dev.ebpf4j.vm.interp.Execution;
import dev.ebpf4j.vm.interp.Interpreter;

/**
 * A program compiled to a hidden class. {@link #run} is what {@code Interpreter.run} is for the interpreter:
 * same registers at entry, same result, same faults.
 */
public final class JitProgram {
    final CompiledCode code;
    private final String name;
    private final int functions;
    private final int bytecodeSize;
    private final int largestMethod;

    JitProgram(CompiledCode code, String name, int functions, int bytecodeSize, int largestMethod) {
        this.code = code;
        this.name = name;
        this.functions = functions;
        this.bytecodeSize = bytecodeSize;
        this.largestMethod = largestMethod;
    }

    /** Runs {@code ex}'s program with its bound context (r1, r2 from it); returns r0. */
    public long run(Execution ex) {
        ContextInstance ctx = ex.context();
        long r1 = ctx == null ? 0 : ctx.r1();
        long r2 = ctx == null ? 0 : ctx.r2();
        try {
            return code.entry(ex, r1, r2, 0, 0, 0);
        } catch (Interpreter.ProgramEnd e) {
            ex.unwindTo(-1);
            return 0;
        } finally {
            ex.releaseReservations();
        }
    }

    /** The program's name. */
    public String name() {
        return name;
    }

    /** JVM methods generated: one per BPF function reached by calls from the entry. */
    public int functions() {
        return functions;
    }

    /** Bytes of JVM bytecode generated (all methods). */
    public int bytecodeSize() {
        return bytecodeSize;
    }

    /** Bytes of the largest generated method (HotSpot does not compile methods above 8000 bytes by default). */
    public int largestMethod() {
        return largestMethod;
    }

    @Override
    public String toString() {
        return "JitProgram[" + name + ", " + functions + " function(s), " + bytecodeSize + " bytes of bytecode]";
    }
}
