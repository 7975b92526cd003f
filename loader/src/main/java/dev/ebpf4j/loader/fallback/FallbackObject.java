package dev.ebpf4j.loader.fallback;

import java.lang.foreign.MemorySegment;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import dev.ebpf4j.loader.BpfMap;
import dev.ebpf4j.loader.BpfProgram;
import dev.ebpf4j.loader.Globals;
import dev.ebpf4j.loader.RuntimeChoice;
import dev.ebpf4j.loader.TraceLog;
import dev.ebpf4j.loader.spi.LoadedObject;
import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.vm.VmObject;
import dev.ebpf4j.vm.helpers.TraceEvent;
import dev.ebpf4j.vm.maps.GlobalDataMap;

/** An object loaded into its own {@link dev.ebpf4j.vm.BpfVm}. */
final class FallbackObject implements LoadedObject {
    private final VmObject object;
    private final Map<String, BpfMap> maps = new LinkedHashMap<>();
    private final Map<String, BpfProgram> programs = new LinkedHashMap<>();
    private final Map<String, Globals> globals = new ConcurrentHashMap<>();
    private final TraceLog traceLog;
    private final Consumer<TraceEvent> toProcessLog;
    private volatile String reason = "loaded into the fallback backend directly";
    private boolean closed;

    FallbackObject(VmObject object, Map<String, String> verifierLogs, Consumer<TraceEvent> toProcessLog) {
        this.object = object;
        this.toProcessLog = toProcessLog;
        for (var e : object.maps().entrySet()) {
            maps.put(e.getKey(), new FallbackMap(e.getValue(), this::reason));
        }
        for (var e : object.programs().entrySet()) {
            programs.put(e.getKey(), new FallbackProgram(e.getValue(), e.getValue().spec(),
                    verifierLogs.getOrDefault(e.getKey(), ""), this::reason));
        }
        this.traceLog = new FallbackTraceLog(object.vm().traceLog());
        object.vm().traceLog().subscribe(toProcessLog);
    }

    private String reason() {
        return reason;
    }

    @Override
    public void loadedAs(RuntimeChoice choice) {
        reason = choice.reason();
    }

    @Override
    public Map<String, BpfMap> maps() {
        return Collections.unmodifiableMap(maps);
    }

    @Override
    public Map<String, BpfProgram> programs() {
        return Collections.unmodifiableMap(programs);
    }

    /**
     * The section's variables over the VM map's own memory: reads see what programs wrote, writes are seen by the
     * next run. A read-only section ({@code .rodata}) is read-only here too, as libbpf freezes and maps it read-only.
     */
    @Override
    public Globals globals(String section) {
        return globals.computeIfAbsent(section, s -> {
            BpfMap m = maps.values().stream()
                    .filter(x -> x.spec().kind() == MapSpec.Kind.GLOBAL_DATA
                            && (x.spec().name().equals(s) || x.spec().kernelName().equals(s)))
                    .findFirst()
                    .orElseThrow(() -> new NoSuchElementException(object.spec().name() + " has no data section '" + s
                            + "' (it has: " + String.join(", ", maps.values().stream()
                                    .filter(x -> x.spec().kind() == MapSpec.Kind.GLOBAL_DATA).map(BpfMap::name).toList())
                            + ")"));
            GlobalDataMap g = (GlobalDataMap) ((FallbackMap) m).vmMap();
            MemorySegment memory = g.segment().asSlice(0, g.valueSize());
            return new Globals(g.spec(), g.spec().readOnly() ? memory.asReadOnly() : memory, object.spec().btf(), null);
        });
    }

    @Override
    public TraceLog traceLog() {
        return traceLog;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        object.vm().traceLog().unsubscribe(toProcessLog);
        programs.values().forEach(BpfProgram::close);
        maps.values().forEach(BpfMap::close);
    }
}
