package dev.ebpf4j.loader.spi;

import java.util.Map;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.RuntimeChoice;
import dev.ebpf4j.loader.TraceLog;

/** An object's maps and programs as one runtime holds them. */
public interface LoadedObject extends AutoCloseable {

    /** Maps by their name in the object ({@code .bss}, {@code blocked_ports}), in the object's order. */
    Map<String, BpfMap> maps();

    /** Programs by name, in the object's order. */
    Map<String, BpfProgram> programs();

    /** The variables of a data section, backed by the map's memory where the runtime can. */
    Globals globals(String section);

    /**
     * What the object's programs print ({@code bpf_printk}). The default says the runtime has none; the fallback VM
     * keeps its programs' lines, the kernel runtime reads the trace pipe.
     */
    default TraceLog traceLog() {
        throw new UnsupportedOperationException("this runtime has no trace log");
    }

    /**
     * Told once, right after the load, which runtime choice (and reason) led to this object; runtimes may use it in
     * messages ({@code pinning needs the kernel runtime; this object runs in the fallback VM (<reason>)}).
     */
    default void loadedAs(RuntimeChoice choice) {
    }

    /** Releases every map and program; idempotent. */
    @Override
    void close();
}
