package dev.ebpf4j.loader;

import java.util.Locale;

/** Where an object's programs run: in the kernel through bpf(), or in the pure-Java fallback VM. */
public enum RuntimeKind {
    /** Choose: the kernel when bpf() works with the needed privileges and supports the object, else the fallback. */
    AUTO,
    KERNEL,
    FALLBACK;

    /** Parses {@code kernel}, {@code fallback} or {@code auto} (any case). */
    public static RuntimeKind parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown runtime '" + s + "': expected kernel, fallback or auto", e);
        }
    }

    /**
     * The runtime asked for outside the code: system property {@code ebpf4j.runtime}, else environment variable
     * {@code EBPF4J_RUNTIME}, else {@link #AUTO}.
     */
    public static RuntimeKind configured() {
        String p = System.getProperty("ebpf4j.runtime");
        if (p == null || p.isBlank()) {
            p = System.getenv("EBPF4J_RUNTIME");
        }
        return p == null || p.isBlank() ? AUTO : parse(p);
    }
}
