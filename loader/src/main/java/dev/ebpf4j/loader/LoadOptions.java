package dev.ebpf4j.loader;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.ebpf4j.vm.VmOptions;

/**
 * How to load an object.
 *
 * @param runtime      where to load: {@link RuntimeKind#AUTO} chooses
 * @param logOnSuccess keep the verifier's log of a successful load too (a failed load always carries it)
 * @param logLevel     the verifier log level asked for (1 = basic, 2 = every state)
 * @param pinRoot      where maps with {@code pinning = LIBBPF_PIN_BY_NAME} are pinned and reused
 * @param mapReplacements existing kernel maps to use for the object's maps of those names, instead of creating them
 * @param fallback     adjusts the fallback VM's options for this load (identity: the VM's defaults)
 */
public record LoadOptions(RuntimeKind runtime, boolean logOnSuccess, int logLevel, Path pinRoot,
        Map<String, MapReplacement> mapReplacements, UnaryOperator<VmOptions> fallback) {

    public static final Path DEFAULT_PIN_ROOT = Path.of("/sys/fs/bpf");

    public LoadOptions {
        if (logLevel < 1 || logLevel > 2) {
            throw new IllegalArgumentException("logLevel is 1 or 2, not " + logLevel);
        }
        if (runtime == null) {
            runtime = RuntimeKind.AUTO;
        }
        if (pinRoot == null) {
            pinRoot = DEFAULT_PIN_ROOT;
        }
        mapReplacements = mapReplacements == null ? Map.of() : Map.copyOf(mapReplacements);
        if (fallback == null) {
            fallback = UnaryOperator.identity();
        }
    }

    public LoadOptions(RuntimeKind runtime, boolean logOnSuccess, int logLevel, Path pinRoot) {
        this(runtime, logOnSuccess, logLevel, pinRoot, Map.of(), null);
    }

    /** The runtime configured by {@code -Debpf4j.runtime} / {@code EBPF4J_RUNTIME}, no log on success, level 1. */
    public static LoadOptions defaults() {
        return new LoadOptions(RuntimeKind.configured(), false, 1, DEFAULT_PIN_ROOT);
    }

    public LoadOptions withRuntime(RuntimeKind kind) {
        return new LoadOptions(kind, logOnSuccess, logLevel, pinRoot, mapReplacements, fallback);
    }

    public LoadOptions withLogOnSuccess(boolean on) {
        return new LoadOptions(runtime, on, logLevel, pinRoot, mapReplacements, fallback);
    }

    public LoadOptions withPinRoot(Path root) {
        return new LoadOptions(runtime, logOnSuccess, logLevel, root, mapReplacements, fallback);
    }

    /**
     * Uses an existing kernel map for the object's map {@code mapName} (its name in the object, such as
     * {@code counts}, or its kernel name, such as {@code hello.bss}). Kernel runtime only: the fallback VM refuses
     * options with replacements.
     */
    public LoadOptions withMapReplacement(String mapName, MapReplacement existing) {
        Map<String, MapReplacement> all = new LinkedHashMap<>(mapReplacements);
        all.put(mapName, existing);
        return new LoadOptions(runtime, logOnSuccess, logLevel, pinRoot, all, fallback);
    }

    /**
     * What the fallback VM needs for this object beyond its defaults, applied on top of them when the object runs
     * there (the kernel runtime ignores it): the current task and target BTF for CO-RE tracing programs, typed
     * ksyms, the instruction budget, the engine. Successive calls compose.
     *
     * <pre>{@code
     * LoadOptions.defaults().withFallback(vm -> vm.withCurrentTask(task).withTargetBtf(Path.of("vmlinux.btf")))
     * }</pre>
     */
    public LoadOptions withFallback(UnaryOperator<VmOptions> adjust) {
        UnaryOperator<VmOptions> before = fallback;
        return new LoadOptions(runtime, logOnSuccess, logLevel, pinRoot, mapReplacements,
                vm -> adjust.apply(before.apply(vm)));
    }
}
