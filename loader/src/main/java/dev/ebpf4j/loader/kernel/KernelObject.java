package dev.ebpf4j.loader.kernel;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

import dev.ebpf4j.bindings.Fd;
import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.spi.LoadedObject;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.object.ObjectSpec;
import dev.ebpf4j.object.btf.Btf;

/**
 * An object loaded into the kernel: its BTF, maps and programs. Closing it closes every descriptor and unmaps the
 * global data; maps pinned by name stay pinned (that is what pinning is for).
 */
public final class KernelObject implements LoadedObject {
    private KernelTraceLog traceLog;

    /** The trace pipe, read from the first call on (what programs print with bpf_printk, machine-wide). */
    @Override
    public synchronized dev.ebpf4j.loader.TraceLog traceLog() {
        if (traceLog == null) {
            traceLog = new KernelTraceLog();
        }
        return traceLog;
    }

    private final ObjectSpec spec;
    private final Map<String, KernelMap> maps = new LinkedHashMap<>();
    private final Map<String, KernelProgram> programs = new LinkedHashMap<>();
    private final Map<String, Globals> globals = new LinkedHashMap<>();
    /** Pins this load created, removed again if the load fails. */
    private final List<Path> pinsCreated = new ArrayList<>();
    private Fd btfFd;
    private Btf btf;
    private boolean closed;

    KernelObject(ObjectSpec spec) {
        this.spec = spec;
    }

    public ObjectSpec spec() {
        return spec;
    }

    /** The descriptor of the object's BTF in the kernel, or null when the kernel refused it (or it has none). */
    public Fd btfFd() {
        return btfFd;
    }

    /** The BTF as loaded (fixed up for the kernel), or null. */
    public Btf btf() {
        return btf;
    }

    void btf(Btf btf, Fd fd) {
        this.btf = btf;
        this.btfFd = fd;
    }

    void add(KernelMap map) {
        maps.put(map.spec().name(), map);
    }

    void add(KernelProgram program) {
        programs.put(program.name(), program);
    }

    void pinCreated(Path path) {
        pinsCreated.add(path);
    }

    KernelMap kernelMap(String name) {
        return maps.get(name);
    }

    void addGlobals(KernelMap map) {
        MapSpec m = map.spec();
        MemorySegment memory = map.memory();
        Btf vars = spec.btf();
        if (memory != null) {
            globals.put(m.name(), new Globals(m, memory, vars, null));
        } else {
            // not mmapable here: a copy written back with an update after each write
            byte[] value = map.lookup(new byte[4]).orElse(new byte[m.valueSize()]);
            MemorySegment copy = Arena.ofAuto().allocate(Math.max(1, m.valueSize()), 8);
            MemorySegment.copy(value, 0, copy, ValueLayout.JAVA_BYTE, 0, m.valueSize());
            globals.put(m.name(), new Globals(m, copy, vars,
                    seg -> map.update(new byte[4], seg.asSlice(0, m.valueSize()).toArray(ValueLayout.JAVA_BYTE))));
        }
    }

    /** Maps by object name, typed. */
    public Map<String, KernelMap> kernelMaps() {
        return Collections.unmodifiableMap(maps);
    }

    /** Programs by name, typed. */
    public Map<String, KernelProgram> kernelPrograms() {
        return Collections.unmodifiableMap(programs);
    }

    @Override
    public Map<String, BpfMap> maps() {
        return Collections.unmodifiableMap(maps);
    }

    @Override
    public Map<String, BpfProgram> programs() {
        return Collections.unmodifiableMap(programs);
    }

    @Override
    public Globals globals(String section) {
        Globals g = globals.get(section);
        if (g == null) {
            throw new NoSuchElementException(spec.name() + " has no data section '" + section + "' (it has: "
                    + String.join(", ", globals.keySet()) + ")");
        }
        return g;
    }

    /** Closes what a failed load created and removes the pins it made; the first failure is {@code cause}. */
    void abandon(Throwable cause) {
        try {
            close();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
        for (Path p : pinsCreated) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException | RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (traceLog != null) {
            traceLog.close();
        }
        RuntimeException first = null;
        List<AutoCloseable> all = new ArrayList<>(programs.values());
        all.addAll(maps.values());
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                if (first == null) {
                    first = e instanceof RuntimeException r ? r : new IllegalStateException(e);
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (btfFd != null) {
            btfFd.close();
        }
        if (first != null) {
            throw first;
        }
    }
}
