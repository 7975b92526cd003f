package dev.ebpf4j.vm;

import java.util.Locale;

/** What runs a {@link VmProgram}: the interpreter (the reference semantics) or the JIT to JVM bytecode. */
public enum Engine {
    /** Always the interpreter. */
    INTERPRETER,
    /** Always the JIT: a program it cannot compile fails to run with a {@link BpfLoadException} naming the reason. */
    JIT,
    /** The JIT when it compiles the program, else the interpreter (the reason logged once). The default. */
    AUTO;

    /** The system property that picks the default engine: {@code interpreter}, {@code jit} or {@code auto}. */
    public static final String PROPERTY = "ebpf4j.vm.engine";

    /** The engine named by {@link #PROPERTY}, {@link #AUTO} when unset. */
    public static Engine fromSystemProperty() {
        String v = System.getProperty(PROPERTY);
        if (v == null || v.isBlank()) {
            return AUTO;
        }
        try {
            return valueOf(v.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(PROPERTY + " must be interpreter, jit or auto, not '" + v + "'");
        }
    }
}
