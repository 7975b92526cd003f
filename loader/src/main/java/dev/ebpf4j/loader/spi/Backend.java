package dev.ebpf4j.loader.spi;

import java.util.Optional;

import dev.ebpf4j.loader.LoadOptions;
import dev.ebpf4j.loader.RuntimeKind;
import dev.ebpf4j.object.ObjectSpec;

/** A runtime objects can be loaded into. */
public interface Backend {

    /** {@link RuntimeKind#KERNEL} or {@link RuntimeKind#FALLBACK}. */
    RuntimeKind kind();

    /**
     * Why this runtime cannot load {@code object} here (e.g. {@code bpf() returned EPERM (needs CAP_BPF)}), or empty
     * when it can. Cheap after the first call: probes are cached per process.
     */
    Optional<String> unavailableReason(ObjectSpec object);

    /** {@link #unavailableReason(ObjectSpec)} for a load with {@code options} (which may supply what it lacks). */
    default Optional<String> unavailableReason(ObjectSpec object, LoadOptions options) {
        return unavailableReason(object);
    }

    /**
     * Creates every map and loads every program of {@code object}. All or nothing: when anything fails, what was
     * created is closed before the exception leaves.
     */
    LoadedObject load(ObjectSpec object, LoadOptions options);
}
