package dev.ebpf4j.vm.maps;

import java.util.function.IntFunction;

import dev.ebpf4j.object.MapSpec;
import dev.ebpf4j.vm.BpfLoadException;
import dev.ebpf4j.vm.VmProgram;
import dev.ebpf4j.vm.memory.SharedRegions;

/** Creates the Java map for a {@link MapSpec}, or refuses a type the VM does not implement. */
public final class MapFactory {
    private MapFactory() {}

    /** True when {@link #create} implements the spec's map type (global data sections always). */
    public static boolean supports(MapSpec spec) {
        if (spec.kind() == MapSpec.Kind.GLOBAL_DATA) {
            return true;
        }
        return switch (spec.type()) {
            case ARRAY, PERCPU_ARRAY, HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, PROG_ARRAY, RINGBUF,
                 PERF_EVENT_ARRAY, ARRAY_OF_MAPS, HASH_OF_MAPS -> true;
            default -> false;
        };
    }

    public static BpfMap create(MapSpec spec, SharedRegions shared, int cpus, IntFunction<VmProgram> programs,
                                IntFunction<BpfMap> maps) {
        if (spec.kind() == MapSpec.Kind.GLOBAL_DATA) {
            return new GlobalDataMap(spec, shared);
        }
        return switch (spec.type()) {
            case ARRAY -> new ArrayMap(spec, shared, 1, !spec.readOnly());
            case PERCPU_ARRAY -> new ArrayMap(spec, shared, cpus, true);
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH -> new HashTableMap(spec, shared, cpus);
            case PROG_ARRAY -> new ProgArrayMap(spec, shared, programs);
            case RINGBUF -> new RingBufMap(spec, shared);
            case PERF_EVENT_ARRAY -> new PerfEventArrayMap(spec, shared, cpus);
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> new MapOfMaps(spec, shared, maps);
            default -> throw new BpfLoadException("map '" + spec.name() + "' has type " + spec.type().bpftoolName()
                    + ", which the fallback VM does not implement");
        };
    }
}
