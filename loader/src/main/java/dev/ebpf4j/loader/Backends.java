package dev.ebpf4j.loader;

import java.util.List;

import dev.ebpf4j.loader.fallback.FallbackBackend;
import dev.ebpf4j.loader.kernel.KernelBackend;
import dev.ebpf4j.loader.spi.Backend;

/** The runtimes this build has, in preference order. */
final class Backends {
    private Backends() {}

    static List<Backend> defaults() {
        return List.of(new KernelBackend(), new FallbackBackend());
    }
}
