package dev.ebpf4j.vm.jit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.ebpf4j.vm.VmProgram;

/**
 * Entry point of the JIT: compiles a {@link VmProgram}'s code to a hidden class, or says why not (the program
 * then runs on the interpreter). {@link VmProgram#compilation()} calls it once per program and caches the result.
 */
public final class Jit {
    private static final Logger LOG = LoggerFactory.getLogger(Jit.class);

    private Jit() {}

    /**
     * The outcome of compiling a program.
     *
     * @param program the compiled program, or null when the JIT refused it
     * @param refusal why the JIT refused it, or null
     */
    public record Compilation(JitProgram program, String refusal) {}

    /** Compiles {@code program}; never throws: a refusal is logged (INFO) and returned. */
    public static Compilation compile(VmProgram program) {
        long t0 = System.nanoTime();
        try {
            JitProgram p = JitCompiler.compile(program.code(), program.vm().helpers(), program.packetAccesses());
            if (LOG.isDebugEnabled()) {
                LOG.debug("program '{}' compiled by the JIT: {} function(s), {} bytes of bytecode (largest method {}) in {} us",
                        program.name(), p.functions(), p.bytecodeSize(), p.largestMethod(), (System.nanoTime() - t0) / 1000);
            }
            return new Compilation(p, null);
        } catch (JitCompiler.Refusal r) {
            LOG.info("program '{}' runs on the interpreter: the JIT refused it: {}", program.name(), r.getMessage());
            return new Compilation(null, r.getMessage());
        } catch (RuntimeException | LinkageError e) {
            String why = "internal JIT error: " + e;
            LOG.info("program '{}' runs on the interpreter: {}", program.name(), why);
            LOG.debug("JIT failure for program '{}'", program.name(), e);
            return new Compilation(null, why);
        }
    }
}
