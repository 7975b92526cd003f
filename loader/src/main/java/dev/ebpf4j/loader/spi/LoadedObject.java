package dev.ebpf4j.loader.spi;

import java.util.Map;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.Globals;

/** An object's maps and programs as one runtime holds them. */
public interface LoadedObject extends AutoCloseable {

    /** Maps by their name in the object ({@code .bss}, {@code blocked_ports}), in the object's order. */
    Map<String, BpfMap> maps();

    /** Programs by name, in the object's order. */
    Map<String, BpfProgram> programs();

    /** The variables of a data section, backed by the map's memory where the runtime can. */
    Globals globals(String section);

    /** Releases every map and program; idempotent. */
    @Override
    void close();
}
